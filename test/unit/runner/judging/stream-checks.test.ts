// A figure is only as good as its checks: faulty netperf streams, replayed through the runner in
// the shape netperf 2.7.0 prints them, must not come out as a clean `ok`; healthy ones must.
import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { expandMatrix, streamsOf } from "../../../../model";
import { parseNetperfOutput } from "../../../../runner/netperf/netperf-client";
import { aggregateCell } from "../../../../runner/judging/run-result";
import { runPlan } from "../../../../runner/run-plan";
import { CONSISTENCY_TOLERANCE, timeFrameProblems, windowProblem } from "../../../../runner/judging/stream-checks";
import type { ProcessResult, RunOptions, Transport } from "../../../../runner/transport/transport";
import type { ClockReading, NetperfTest, Plan, PlanEndpoint, RunResult } from "../../../../model";
import { netperfText, type ReplayedStream, steady } from "../../../netperf-replay";
import { factsFor, testPlan } from "../../../plans";

/** What each guest's netperf prints, given the run's common start (epoch seconds). */
type Script = (endpoint: string, start: number) => Omit<ReplayedStream, "start"> & { start?: number };

/** Answers the facts and reachability checks, and replays each benchmark client's scripted output (exit 0). */
class ScriptedTransport implements Transport {
    constructor(private readonly script: Script) {}
    async clock(): Promise<ClockReading> {
        return { offsetMs: 0, rttMs: 0.4 };
    }
    async run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        const done = (stdout: string): ProcessResult => ({ code: 0, signal: null, stdout, stderr: "", startedAtMs: Date.now() });
        if (argv[3] === "hvnetlab-facts") return done(factsFor(argv));
        if (!argv.includes("-D")) return done("Throughput\n9000.00\n");
        const start = (options.startAtMs ?? Date.now()) / 1000;
        const s = this.script(endpoint.name, start);
        return done(netperfText({ start: start + 0.002, ...s }));
    }
}

const planFor = (test: NetperfTest, guests: number): Plan =>
    testPlan(2, { tests: [test], guestCounts: [guests] }, { durationSeconds: 10, warmupSeconds: 1, limitBasis: "ethernet" });

async function measure(test: NetperfTest, guests: number, script: Script): Promise<RunResult> {
    const doc = await runPlan(planFor(test, guests), { transport: new ScriptedTransport(script) });
    assert.strictEqual(doc.runs.length, 1);
    return doc.runs[0];
}

/** A healthy 10 s TCP_STREAM at 940 Mb/s: 20 interim results, netperf's figure the same. */
const healthy = { test: "TCP_STREAM" as const, reports: steady(940, 0.5, 10), throughput: 940, elapsed: 10 };
/** Case A1's g2: 940 Mb/s up to 6.0 s, then a stall to the end that leaves no interim result. */
const stopsAt6 = { test: "TCP_STREAM" as const, reports: steady(940, 0.5, 6), throughput: 564, elapsed: 10 };

describe("kind A: a stream's samples against the time they should cover and netperf's own figure", () => {
    it("case A1: a stream that stops reporting 4 s before the end makes the run partial, naming it, and keeps its figure", async () => {
        const run = await measure("TCP_STREAM", 2, (e) => (e === "g2" ? stopsAt6 : healthy));
        assert.strictEqual(run.status, "partial");
        const g2 = run.streams.find((s) => s.endpoint === "g2")!;
        assert.match(g2.error!, /stopped reporting 4 s before the end/);
        assert.match(g2.error!, /THROUGHPUT\), 564 Mb\/s over 10 s, is 40% below the mean of all its interim results, 940 Mb\/s over 6 s/);
        assert.strictEqual(g2.throughputMbps, 940, "its window figure is kept (the window ends where its samples do)");
        assert.strictEqual(g2.netperfReported, 564);
        assert.strictEqual(g2.samples.length, 12, "its samples are kept");
        assert.match(run.error!, /g2: stopped reporting 4 s before the end/);
        assert.match(
            run.error!,
            /the common window is 4\.5 s, short of the 8\.5 s a 10 s run leaves[^;]*g2's interim results end first, 6 s into the run/,
        );
        assert.strictEqual(run.aggregate.throughputMbps, 1880, "both streams over the 4.5 s window they shared; the run is partial");
        assert.ok(!run.streams.find((s) => s.endpoint === "g1")!.error);
    });

    it("case A1 with the stopping stream alone: failed, not ok at 940 (the figure is kept, marked)", async () => {
        const run = await measure("TCP_STREAM", 1, () => stopsAt6);
        assert.strictEqual(run.status, "failed");
        assert.match(run.error!, /g1: stopped reporting 4 s before the end/);
        assert.strictEqual(run.aggregate.throughputMbps, 940);
    });

    it("a stall inside the run (one interim result covering 3 s) makes the run partial", async () => {
        // 940 Mb/s, but nothing completes from 4 s to 7 s: netperf's next report covers 3 s at 10 Mb/s.
        const reports = [...steady(940, 0.5, 4), [10, 7] as [number, number], ...steady(940, 0.5, 10, 7)];
        const whole = (940 * 7 + 10 * 3) / 10;
        const run = await measure("TCP_STREAM", 2, (e) => (e === "g1" ? { ...healthy, reports, throughput: whole } : healthy));
        assert.strictEqual(run.status, "partial");
        const g1 = run.streams.find((s) => s.endpoint === "g1")!;
        assert.match(g1.error!, /^stalled: no interim result for 3 s \(4 s to 7 s into the run\), more than 4 intervals of 0\.5 s$/);
        // g1 keeps its window mean: 940 over 1-4 s and 7-9.5 s, 10 over 4-7 s, over the 8.5 s window.
        assert.strictEqual(g1.throughputMbps, Math.round(((940 * 5.5 + 10 * 3) / 8.5) * 100) / 100);
        assert.strictEqual(run.aggregate.throughputMbps, Math.round((940 + (940 * 5.5 + 10 * 3) / 8.5) * 100) / 100);
    });

    it("a stall shown as a hole between interim results is one too", async () => {
        const reports = [...steady(940, 0.5, 3), ...steady(940, 0.5, 10, 6)].map(([v, t]) => [v, t] as [number, number]);
        // netperfText takes each interval from the previous report; make the first after the hole 0.5 s long.
        const text = netperfText({ ...healthy, start: 1000, reports, throughput: 940 * 0.7 }).replace(
            "940.00,10^6bits/s,3.500,1006.500",
            "940.00,10^6bits/s,0.500,1006.500",
        );
        const parsed = parseNetperfOutput(text);
        assert.strictEqual(parsed.samples[6].intervalSeconds, 0.5);
        const cell = expandMatrix(planFor("TCP_STREAM", 1).matrix, planFor("TCP_STREAM", 1).wires)[0];
        const [stream] = streamsOf(cell, planFor("TCP_STREAM", 1).endpoints);
        const run = aggregateCell(planFor("TCP_STREAM", 1), cell, [{ stream, parsed }]);
        assert.strictEqual(run.status, "failed");
        assert.match(run.streams[0].error!, /stalled: no interim result for 3\.5 s \(3 s to 6\.5 s into the run\)/);
    });

    it("netperf's own figure that the mean of all its interim results contradicts beyond the tolerance makes the run partial; within it, ok", async () => {
        assert.strictEqual(CONSISTENCY_TOLERANCE, 0.03);
        const off = await measure("TCP_STREAM", 2, (e) => (e === "g2" ? { ...healthy, throughput: 600 } : healthy));
        assert.strictEqual(off.status, "partial");
        assert.match(
            off.error!,
            /g2: netperf's own figure \(THROUGHPUT\), 600 Mb\/s over 10 s, is 36\.2% below the mean of all its interim results, 940 Mb\/s over 10 s \(they must agree within 3%\)/,
        );
        assert.strictEqual(off.streams[1].throughputMbps, 940, "the figure is kept");
        const near = await measure("TCP_STREAM", 2, (e) => (e === "g2" ? { ...healthy, throughput: 920 } : healthy));
        assert.strictEqual(near.status, "ok", near.error);
    });

    it("an ELAPSED_TIME far from the planned duration makes the stream fail", async () => {
        const run = await measure("TCP_STREAM", 1, () => ({ ...healthy, reports: steady(940, 0.5, 6), elapsed: 6 }));
        assert.strictEqual(run.status, "failed");
        assert.match(run.error!, /g1: netperf ran 6 s \(ELAPSED_TIME\), not the planned 10 s \(more than 1 s off\)/);
    });

    it("a stream that starts well after the common start fails, although it covers its own run", async () => {
        const run = await measure("TCP_STREAM", 1, (_e, start) => ({ ...healthy, start: start + 3 }));
        assert.strictEqual(run.status, "failed");
        assert.match(run.error!, /g1: started 3 s after the common start \(more than 1 s\)/);
    });

    it("a stream whose interim timestamps go back (its clock stepped mid-run) fails", async () => {
        // The client's clock is stepped back 2 s after 5 s: the later reports carry earlier times.
        const reports = [...steady(940, 0.5, 5), ...steady(940, 0.5, 8, 3)] as [number, number][];
        const run = await measure("TCP_STREAM", 2, (e) => (e === "g2" ? { ...healthy, reports } : healthy));
        assert.strictEqual(run.status, "partial");
        assert.match(run.error!, /; its interim results go back in time \(5 s, then 3\.5 s into the run\)/);
    });

    it("names the late stream when the common window shrinks at its start", () => {
        const plan = { durationSeconds: 10, intervalSeconds: 0.5, warmupSeconds: 1, maxSkewMs: 500 };
        const spans = [
            { endpoint: "g1", start: 100, end: 110 },
            { endpoint: "g2", start: 104, end: 110 },
        ];
        assert.match(
            windowProblem({ seconds: 4.5 }, spans, plan)!,
            /common window is 4\.5 s[^:]*: g2's interim results start last, 4 s into the run/,
        );
        assert.strictEqual(
            windowProblem({ seconds: 7.5 }, spans, plan),
            undefined,
            "7 s is the floor: 8.5 s less the skew bound and two intervals",
        );
    });
});

describe("kind B: streams that carried no traffic, and what UDP results say arrived", () => {
    const udp = (received: number) => ({
        test: "UDP_STREAM" as const,
        reports: steady(961.5, 0.5, 10),
        throughput: received,
        localSend: 961.5,
        remoteRecv: received,
        elapsed: 10,
    });

    it("case B1: a UDP stream that delivered nothing fails: 'delivered 0 of 961.5 Mb/s sent'", async () => {
        const run = await measure("UDP_STREAM", 1, () => udp(0));
        assert.strictEqual(run.status, "failed");
        assert.match(run.error!, /g1: delivered 0 of 961\.5 Mb\/s sent/);
        const s = run.streams[0];
        assert.deepStrictEqual(s.udp, { sentMbps: 961.5, receivedMbps: 0, lossPct: 100 });
        assert.ok(s.samples.length === 20 && s.samples.every(([, v]) => v === 0), "the timeline shows what arrived: nothing");
        assert.ok(
            s.sentSamples!.every(([, v]) => v === 961.5),
            "the sender's interim results are kept apart",
        );
        assert.strictEqual(run.aggregate.throughputMbps, 0);
    });

    it("case B1 with 2 guests: both deliver nothing, the run fails; one does, the run is partial and names the other", async () => {
        const both = await measure("UDP_STREAM", 2, () => udp(0));
        assert.strictEqual(both.status, "failed");
        const one = await measure("UDP_STREAM", 2, (e) => udp(e === "g2" ? 0 : 955));
        assert.strictEqual(one.status, "partial");
        assert.match(one.error!, /g2: delivered 0 of 961\.5 Mb\/s sent/);
        assert.ok(Math.abs(one.aggregate.throughputMbps - 955) < 0.01, `${one.aggregate.throughputMbps}`);
    });

    it("reports a UDP stream's partial loss: received figure, scaled samples, the loss, and a warning", async () => {
        const run = await measure("UDP_STREAM", 1, () => udp(480.75));
        assert.strictEqual(run.status, "ok", run.error);
        const s = run.streams[0];
        assert.deepStrictEqual(s.udp, { sentMbps: 961.5, receivedMbps: 480.75, lossPct: 50 });
        assert.strictEqual(s.throughputMbps, 480.75, "the figure is what arrived");
        assert.ok(
            s.samples.every(([, v]) => v === 480.75),
            "samples: the sender's rate scaled by the fraction delivered",
        );
        assert.strictEqual(run.aggregate.lossPct, 50);
        assert.deepStrictEqual(run.warnings, ["g1's UDP stream lost 50%: 480.75 of 961.5 Mb/s sent arrived"]);
    });

    for (const test of ["TCP_STREAM", "TCP_MAERTS"] as const) {
        it(`a ${test} stream at 0 Mb/s with exit 0 fails: it carried no traffic`, async () => {
            const run = await measure(test, 1, () => ({ test, reports: steady(0, 0.5, 10), throughput: 0, elapsed: 10 }));
            assert.strictEqual(run.status, "failed");
            assert.match(run.error!, /g1: carried no traffic: netperf's THROUGHPUT is 0 Mb\/s over 10 s/);
        });
    }

    it("a TCP_RR stream with 0 transactions fails, beside a healthy one", async () => {
        const rr = (tps: number) => ({ test: "TCP_RR" as const, reports: steady(tps, 0.5, 10), throughput: tps, elapsed: 10 });
        const run = await measure("TCP_RR", 2, (e) => rr(e === "g2" ? 0 : 36000));
        assert.strictEqual(run.status, "partial");
        assert.match(run.error!, /g2: carried no traffic: 0 transactions\/s over 10 s/);
        assert.strictEqual(run.aggregate.transactionsPerSec, 36000);
    });
});

describe("healthy streams stay ok", () => {
    const fixture = (name: string) => parseNetperfOutput(readFileSync(path.join(__dirname, "..", "..", "..", "fixtures", name), "utf8"));
    const cases: [NetperfTest, string, number][] = [
        ["TCP_STREAM", "tcp_stream.out", 3],
        ["TCP_MAERTS", "tcp_maerts.out", 2],
        ["UDP_STREAM", "udp_stream.out", 2],
        ["TCP_RR", "tcp_rr.out", 2],
    ];
    for (const [test, file, duration] of cases) {
        it(`captured ${test} output (${duration} s), on 1 and 2 wires: ok, without warnings`, () => {
            const plan = { ...planFor(test, 2), durationSeconds: duration, warmupSeconds: 0.5, limitBasis: "tbf" as const };
            const parsed = fixture(file);
            for (const cell of expandMatrix({ ...plan.matrix, guestCounts: [1, 2] }, plan.wires)) {
                const outcomes = streamsOf(cell, plan.endpoints).map((stream) => ({
                    stream,
                    parsed,
                    plannedStart: parsed.samples[0].at - 0.6,
                }));
                const run = aggregateCell(plan, cell, outcomes);
                assert.strictEqual(run.status, "ok", `${cell.id}: ${run.error}`);
                assert.strictEqual(run.warnings, undefined, `${cell.id}: ${run.warnings?.join("; ")}`);
            }
        });
    }

    it("captured UDP_STREAM output: sent, received and the loss, and samples scaled to what arrived", () => {
        const plan = { ...planFor("UDP_STREAM", 1), durationSeconds: 2, warmupSeconds: 0.5, limitBasis: "tbf" as const };
        const cell = expandMatrix(plan.matrix, plan.wires)[0];
        const [stream] = streamsOf(cell, plan.endpoints);
        const run = aggregateCell(plan, cell, [{ stream, parsed: fixture("udp_stream.out") }]);
        const s = run.streams[0];
        assert.deepStrictEqual(s.udp, { sentMbps: 976.16, receivedMbps: 975.64, lossPct: 0.05 });
        assert.strictEqual(s.sentSamples![0][1], 979.25);
        assert.strictEqual(s.samples[0][1], Math.round(979.25 * (975.64 / 976.16) * 100) / 100);
        assert.strictEqual(run.aggregate.lossPct, 0.05);
    });

    it("a healthy 10 s run of 2 streams, replayed: ok at 1880", async () => {
        const run = await measure("TCP_STREAM", 2, () => healthy);
        assert.strictEqual(run.status, "ok", run.error);
        assert.strictEqual(run.aggregate.throughputMbps, 1880);
    });
});

describe("the time frame check on a guest under emulation (lab:xen's PV guests under TCG)", () => {
    const plan = { durationSeconds: 10, intervalSeconds: 0.5, warmupSeconds: 1, maxSkewMs: 500 };
    /** 20 interim results of 0.5 s each whose stamps come up to `lateMs` late, and one interval `long` s long. */
    const guest = (lateMs: readonly number[], long?: { at: number; seconds: number }) => {
        let at = 1000;
        const samples = Array.from({ length: 20 }, (_, i) => {
            const seconds = long && i === long.at ? long.seconds : 0.5;
            at += seconds;
            return { value: 940, units: "10^6bits/s", intervalSeconds: seconds, at: at + lateMs[i % lateMs.length] / 1000 };
        });
        const span = samples[19].at - (samples[0].at - samples[0].intervalSeconds);
        return { samples, throughput: 940, units: "10^6bits/s", elapsedSeconds: Math.min(span, 10.1) };
    };

    it("accepts stamps printed 8-19 ms after netperf's clock reading, as seen there", () => {
        // Measured in a CI run: stated 0.504 s against 0.512 s between stamps, 0.502 against 0.521.
        assert.deepStrictEqual(timeFrameProblems("TCP_STREAM", guest([0, 8, 19, 2, 12]), plan, 10), []);
    });

    it("accepts one interval of 0.97 s for 0.5 s where the time frame holds (a guest descheduled, not a clock step)", () => {
        const g = guest([0], { at: 8, seconds: 0.97 });
        assert.deepStrictEqual(timeFrameProblems("TCP_STREAM", { ...g, samples: g.samples.slice(0, 19) }, plan, 10), []);
    });

    it("still names a stamp 60 ms off its interval, and stamps that drift 4 ms an interval", () => {
        assert.match(timeFrameProblems("TCP_STREAM", guest([0, 60, 0]), plan, 10).join("; "), /stated length, 0\.5 s, is not the 0\.56 s/);
        const drift = Array.from({ length: 20 }, (_, i) => 4 * i);
        assert.match(
            timeFrameProblems("TCP_STREAM", guest(drift), plan, 10).join("; "),
            /stated lengths add up to 10 s, but its stamps span 10\.076 s/,
        );
    });
});
