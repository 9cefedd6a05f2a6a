// Issue 27, the judging: a stream's time frame held against the runner's (kind A), a stream's
// failure diagnosed from everything netperf printed (kind B), and checks that mark a stream
// without throwing its figure away (kind C). Replayed netperf output (test/netperf-replay.ts)
// through the runner, or straight through the judging's pure functions.
import * as assert from "assert";
import { parseSamplerOutput } from "../../../../runner/sampling/endpoint-sampler";
import { bottleneck } from "../../../../runner/judging/bottleneck";
import type { StreamOutcome } from "../../../../runner/judging/stream-result";
import { aggregateCell } from "../../../../runner/judging/run-result";
import { combineRepeats } from "../../../../runner/judging/repeats";
import { withClockCheck } from "../../../../runner/judging/clock-check";
import { withCpu } from "../../../../runner/judging/run-cpu";
import { expandMatrix, streamsOf } from "../../../../model";
import { parseNetperfOutput } from "../../../../runner/netperf/netperf-client";
import { runPlan } from "../../../../runner/run-plan";
import type { ProcessResult, RunOptions, Transport } from "../../../../runner/transport/transport";
import type { ClockReading, NetperfTest, Plan, PlanEndpoint, RunResult } from "../../../../model";
import { bannerOf, netperfText, type ReplayedStream, SELECTOR_TITLES, steady } from "../../../netperf-replay";
import { factsFor, testPlan } from "../../../plans";

/** What one client's netperf gives back, given the run's common start (epoch seconds). */
type Reply = { stdout: string; code?: number; stderr?: string };
type Script = (endpoint: string, start: number) => Reply;

/** Answers the facts and reachability checks, replays each benchmark client's scripted output, and reads clocks (fresh ones from `fresh`). */
class ScriptedTransport implements Transport {
    readonly freshReads: string[] = [];
    constructor(
        private readonly script: Script,
        private readonly fresh: (endpoint: string) => ClockReading = () => ({ offsetMs: 0, rttMs: 0.4 }),
    ) {}
    async clock(endpoint: PlanEndpoint, _signal?: AbortSignal, fresh?: boolean): Promise<ClockReading> {
        if (!fresh) return { offsetMs: 0, rttMs: 0.4 };
        this.freshReads.push(endpoint.name);
        return this.fresh(endpoint.name);
    }
    async run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        const done = (r: Reply): ProcessResult => ({
            code: r.code ?? 0,
            signal: null,
            stdout: r.stdout,
            stderr: r.stderr ?? "",
            startedAtMs: Date.now(),
        });
        if (argv[3] === "hvnetlab-facts") return done({ stdout: factsFor(argv) });
        if (!argv.includes("-D")) return done({ stdout: "Throughput\n9000.00\n" });
        return done(this.script(endpoint.name, (options.startAtMs ?? Date.now()) / 1000));
    }
}

const planOf = (test: NetperfTest, guests: number, method: Partial<Plan> = {}): Plan =>
    testPlan(2, { tests: [test], guestCounts: [guests] }, { durationSeconds: 10, warmupSeconds: 1, limitBasis: "ethernet", ...method });

async function measure(plan: Plan, script: Script, transport = new ScriptedTransport(script)): Promise<RunResult> {
    const doc = await runPlan(plan, { transport });
    assert.strictEqual(doc.runs.length, 1);
    return doc.runs[0];
}

/** A replayed stream starting 2 ms after the common start. */
const replay =
    (s: (endpoint: string) => Omit<ReplayedStream, "start">): Script =>
    (endpoint, start) => ({ stdout: netperfText({ start: start + 0.002, ...s(endpoint) }) });

const healthy = { test: "TCP_STREAM" as const, reports: steady(940, 0.5, 10), throughput: 940, elapsed: 10 };
const stream = (e: string, run: RunResult) => run.streams.find((s) => s.endpoint === e)!;

describe("kind A: a stream's time frame against the runner's", () => {
    // g2's clock steps forward 0.5 s at 5 s: 940 up to 5.0, then 470 over an interval that reads
    // 1.000 s stamped 6.0, then 940 every 0.5 s up to 10.5; netperf says 895.24 over 10.50 s.
    const stepped = {
        ...healthy,
        reports: [...steady(940, 0.5, 5), [470, 6] as [number, number], ...steady(940, 0.5, 10.5, 6)],
        throughput: 895.24,
        elapsed: 10.5,
    };

    it("case: g2's clock steps forward 0.5 s at 5 s: the run is partial, naming g2, and g2 keeps its figure", async () => {
        const run = await measure(
            planOf("TCP_STREAM", 2, { intervalSeconds: 0.5 }),
            replay((e) => (e === "g2" ? stepped : healthy)),
        );
        assert.strictEqual(run.status, "partial", run.error);
        const g2 = stream("g2", run);
        assert.strictEqual(g2.error, undefined, "a doubt, not a failure");
        const doubts = g2.warnings!.join("; ");
        assert.match(doubts, /its interim results end 0\.5 s after its start \+ the 10 s test length \(they span 10\.5 s\)/);
        assert.match(doubts, /netperf's elapsed time is 10\.5 s for a 10 s test \(-l 10\)/);
        assert.match(doubts, /an interval reads 1 s, 2 times the planned 0\.5 s \(470 Mb\/s, ending 6 s into the run\)/);
        assert.match(run.error!, /^g2's figure is in doubt: /);
        assert.strictEqual(g2.throughputMbps, 884.71, "the stream keeps its figure");
        assert.strictEqual(run.aggregate.throughputMbps, 1824.71);
        assert.strictEqual(stream("g1", run).warnings, undefined);
    });

    it("a clock stepped back 0.3 s inside an interval (stamps never go back): an interval too short, ELAPSED_TIME short", async () => {
        // 940 up to 5 s; the next report comes 0.5 s later but its clock went back 0.3 s: 0.2 s.
        const back = {
            ...healthy,
            reports: [...steady(940, 0.5, 5), [2350, 5.2] as [number, number], ...steady(940, 0.5, 9.7, 5.2)],
            throughput: 940 * (10 / 9.7),
            elapsed: 9.7,
        };
        const run = await measure(
            planOf("TCP_STREAM", 2),
            replay((e) => (e === "g2" ? back : healthy)),
        );
        assert.strictEqual(run.status, "partial", run.error);
        const doubts = stream("g2", run).warnings!.join("; ");
        assert.match(
            doubts,
            /an interval reads 0\.2 s, less than the planned 0\.5 s netperf waits before it reports \(ending 5\.2 s into the run\): its clock went back/,
        );
        assert.match(doubts, /netperf's elapsed time is 9\.7 s for a 10 s test \(-l 10\), 0\.3 s short/);
        assert.ok(stream("g2", run).throughputMbps > 900);
    });

    it("stamps that run past the planned span and past netperf's own elapsed time", async () => {
        // Stepped forward 0.5 s in the last interval, after netperf read its end time: the stamps run on.
        const past = { ...healthy, reports: [...steady(940, 0.5, 9.5), [940, 10.5] as [number, number]], throughput: 940, elapsed: 10 };
        const run = await measure(
            planOf("TCP_STREAM", 1),
            replay(() => past),
        );
        assert.strictEqual(run.status, "partial", run.error);
        const doubts = stream("g1", run).warnings!.join("; ");
        assert.match(doubts, /its interim results end 0\.5 s after its start \+ the 10 s test length/);
        assert.match(doubts, /its interim results span 10\.5 s, more than netperf's own elapsed time of 10 s/);
    });

    it("an interval whose stated length is not the gap between its stamps", async () => {
        const text = (start: number) =>
            netperfText({ ...healthy, start }).replace(
                new RegExp(`940\\.00,10\\^6bits/s,0\\.500,${(start + 6).toFixed(3).replace(".", "\\.")}`),
                `940.00,10^6bits/s,0.400,${(start + 6).toFixed(3)}`,
            );
        const run = await measure(planOf("TCP_STREAM", 1), (_e, start) => ({ stdout: text(start + 0.002) }));
        assert.strictEqual(run.status, "partial", run.error);
        assert.match(
            stream("g1", run).warnings!.join("; "),
            /an interval's stated length, 0\.4 s, is not the 0\.5 s between its stamp and the one before \(ending 6 s into the run\)/,
        );
    });

    it("intervals' stated lengths that drift from the span of the stamps, each within a stamp's rounding", async () => {
        // Every report 504 ms after the one before, each saying 0.500 s: 20 x 4 ms = 80 ms unaccounted for.
        const drift = (start: number) => {
            const lines = Array.from({ length: 20 }, (_, i) => `940.00,10^6bits/s,0.500,${(start + 0.504 * (i + 1)).toFixed(3)}`);
            return [bannerOf("TCP_STREAM"), ...lines, SELECTOR_TITLES, "940.00,10^6bits/s,940.00,940.00,7.40,7.40,10.08", ""].join("\n");
        };
        const run = await measure(planOf("TCP_STREAM", 1), (_e, start) => ({ stdout: drift(start + 0.002) }));
        assert.strictEqual(run.status, "partial", run.error);
        assert.match(stream("g1", run).warnings!.join("; "), /its intervals' stated lengths add up to 10 s, but its stamps span 10\.076 s/);
    });

    it("after the run each client's clock is read afresh: g2's moved 500 ms, named with both offsets, in the results", async () => {
        const transport = new ScriptedTransport(
            replay(() => healthy),
            (e) => ({ offsetMs: e === "g2" ? 500 : 1.5, rttMs: 0.4 }),
        );
        const run = await measure(
            planOf("TCP_STREAM", 2),
            replay(() => healthy),
            transport,
        );
        assert.deepStrictEqual(transport.freshReads.sort(), ["g1", "g2"]);
        assert.strictEqual(run.status, "partial");
        assert.match(
            run.error!,
            /g2's clock moved 500 ms during the run: its offset to the runner was 0 ms before and 500 ms after \(more than the 20 ms allowed/,
        );
        assert.deepStrictEqual(run.clocks, {
            g1: { beforeMs: 0, afterMs: 1.5, rttMs: 0.4, movedMs: 1.5 },
            g2: { beforeMs: 0, afterMs: 500, rttMs: 0.4, movedMs: 500 },
        });
        assert.match(stream("g2", run).warnings![0], /g2's clock moved 500 ms/);
        assert.strictEqual(stream("g1", run).warnings, undefined, "1.5 ms is within the tolerance");
        assert.strictEqual(run.aggregate.throughputMbps, 1880);
    });

    it("a clock that cannot be re-read is a warning, not a status", () => {
        const run = withClockCheck(judged(), [{ endpoint: "g1", beforeMs: 0, error: "ssh: connection refused" }]);
        assert.strictEqual(run.status, "ok");
        assert.deepStrictEqual(run.warnings, ["could not re-read g1's clock after the run: ssh: connection refused"]);
        assert.deepStrictEqual(run.clocks, { g1: { beforeMs: 0, error: "ssh: connection refused" } });
    });
});

describe("kind B: a stream's failure diagnosed from everything netperf printed", () => {
    const finalOnly = (test: NetperfTest, values: string, banner = bannerOf(test)) => `${banner}\n${SELECTOR_TITLES}\n${values}\n`;

    it("case (LNST issue 117): 0.00 over 64 s of a 60 s test, banner ': demo', exit 0: 'netperf moved no data', its figure kept", async () => {
        const run = await measure(planOf("TCP_STREAM", 1, { durationSeconds: 60 }), () => ({
            stdout: finalOnly("TCP_STREAM", "0.00,10^6bits/s,0.00,0.00,0.51,0.48,64.00"),
        }));
        assert.strictEqual(run.status, "failed");
        const g1 = run.streams[0];
        assert.strictEqual(g1.error, "netperf moved no data (0.00 10^6bits/s over 64.00 s of a 60 s test)");
        assert.strictEqual(g1.netperfReported, 0, "netperf's figure is kept");
        assert.strictEqual(g1.localCpuPct, 0.51);
    });

    const zero: [NetperfTest, string, RegExp][] = [
        [
            "TCP_MAERTS",
            "0.00,10^6bits/s,0.00,0.00,0.51,0.48,10.00",
            /^netperf moved no data \(0\.00 10\^6bits\/s over 10\.00 s of a 1[01] s test\)$/,
        ],
        [
            "UDP_STREAM",
            "0.00,10^6bits/s,961.50,0.00,0.51,0.48,10.00",
            /^netperf's datagrams did not arrive \(0\.00 10\^6bits\/s received of 961\.50 sent, over 10\.00 s of a 10 s test\)$/,
        ],
        [
            "TCP_RR",
            "0.00,Trans/s,0.00,0.00,0.51,0.48,10.00",
            /^netperf completed no transactions \(0\.00 Trans\/s over 10\.00 s of a 10 s test\)$/,
        ],
    ];
    for (const [test, values, says] of zero) {
        it(`${test}: a final figure of 0 and no interim line is 'no data' in the test's own units`, async () => {
            const run = await measure(planOf(test, 1), () => ({ stdout: finalOnly(test, values) }));
            assert.strictEqual(run.status, "failed");
            assert.match(run.streams[0].error!, says);
            assert.strictEqual(run.streams[0].netperfReported, 0);
        });
    }

    it("no interim line, a normal figure and no ': demo' in the banner: built without demo mode, netperf's figure kept", async () => {
        const banner = bannerOf("TCP_STREAM").replace(" : demo", "");
        const run = await measure(planOf("TCP_STREAM", 1), () => ({
            stdout: finalOnly("TCP_STREAM", "941.20,10^6bits/s,941.20,941.20,7.40,7.40,10.00", banner),
        }));
        assert.strictEqual(run.status, "failed");
        const g1 = run.streams[0];
        assert.match(g1.error!, /^netperf printed no interim results: its banner has no ': demo', so it was built without demo mode/);
        assert.strictEqual(g1.netperfReported, 941.2);
        assert.strictEqual(g1.throughputMbps, 941.2);
        assert.strictEqual(g1.figureFrom, "netperf");
    });

    it("no interim line and an elapsed time far shorter than planned: the test was cut short", async () => {
        const run = await measure(planOf("TCP_STREAM", 1), () => ({
            stdout: finalOnly("TCP_STREAM", "935.00,10^6bits/s,935.00,935.00,7.40,7.40,0.31"),
        }));
        assert.match(
            run.streams[0].error!,
            /^netperf ran only 0\.31 s of a 10 s test \(ELAPSED_TIME, 935\.00 10\^6bits\/s\) and printed no interim result: the test was cut short$/,
        );
        assert.strictEqual(run.streams[0].netperfReported, 935);
    });

    it("exit 0 without a final line: said so, and the interim results it printed are kept", async () => {
        const run = await measure(
            planOf("TCP_STREAM", 1),
            replay(() => ({ ...healthy, final: false })),
        );
        const g1 = run.streams[0];
        assert.match(
            g1.error!,
            /^netperf exited 0 but printed no final result \(netperf printed no result: .*\); its 20 interim results are kept$/,
        );
        assert.strictEqual(g1.samples.length, 20);
        assert.strictEqual(g1.throughputMbps, 940);
        assert.strictEqual(g1.figureFrom, "samples");
    });

    it("a non-zero exit with stderr: netperf's words, and what it measured before kept with its figure", async () => {
        const run = await measure(planOf("TCP_STREAM", 2), (e, start) =>
            e === "g2"
                ? {
                      code: 1,
                      stderr: "send_data: data send error: Connection reset by peer (errno 104)\n",
                      stdout: netperfText({ ...healthy, start: start + 0.002, reports: steady(940, 0.5, 4), final: false }),
                  }
                : { stdout: netperfText({ ...healthy, start: start + 0.002 }) },
        );
        assert.strictEqual(run.status, "partial");
        const g2 = stream("g2", run);
        assert.strictEqual(g2.error, "netperf exited 1: send_data: data send error: Connection reset by peer (errno 104)");
        assert.strictEqual(g2.samples.length, 8);
        // Over the run's window (1 s to 9.5 s) g2 carried 940 Mb/s for 3 of 8.5 s.
        assert.strictEqual(g2.throughputMbps, Math.round(((940 * 3) / 8.5) * 100) / 100);
    });
});

// Kind C: a guest's netperf held to 2% of a CPU from 3 s into an 8 s run: g2 falls from the
// wire's 956 Mb/s to 10. On the local lab's tbf limit (956.4 Mb/s), 2 s warm-up, 0.5 s intervals.
const T0 = 1000;
const planC = testPlan(2, { guestCounts: [1, 2] }, { durationSeconds: 8, warmupSeconds: 2, intervalSeconds: 0.5, limitBasis: "tbf" });
const cells = expandMatrix(planC.matrix, planC.wires);
const wireFast = { test: "TCP_STREAM" as const, reports: steady(956, 0.5, 8), throughput: 956, elapsed: 8 };
const heldAt3 = {
    test: "TCP_STREAM" as const,
    reports: [...steady(956, 0.5, 3), ...steady(10, 0.5, 8, 3)],
    throughput: (3 * 956 + 5 * 10) / 8,
    elapsed: 8,
};
const outcomesOf = (guests: number, byEndpoint: (e: string) => Omit<ReplayedStream, "start">): StreamOutcome[] =>
    streamsOf(cells[guests - 1], planC.endpoints).map((stream) => ({
        stream,
        parsed: parseNetperfOutput(netperfText({ start: T0, ...byEndpoint(stream.wire.guest) })),
        plannedStart: T0,
    }));
const stat = (user: number, idle: number) =>
    [`cpu  ${user * 2} 0 0 ${idle * 2} 0 0 0 0 0 0`, `cpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0`, `cpu1 ${user} 0 0 ${idle} 0 0 0 0 0 0`].join(
        "\n",
    );
// Readings at 1000 and 1008.5 s over the run's clients (g1, or g1 and g2) and the peer's
// netservers: the held guest's netperf, in a 0.02-CPU cgroup, used 0.2 s of CPU (2.35% of a CPU,
// 117.5% of its limit), the other's 1 s, the netservers 0.5 s each.
const samplerSources = (clients: string[], held: string) => {
    const procs = (ns: (i: number) => number) => [
        ...clients.map((c, i) => `proc ns-${c} ${i + 1} netperf ${ns(i)}`),
        "proc ns-peer 8 netserver " + (ns(-1) > 0 ? 500000000 : 0),
        "proc ns-peer 9 netserver " + (ns(-1) > 0 ? 500000000 : 0),
    ];
    const output = parseSamplerOutput(
        [
            `clock ${T0} 7.00`,
            "up 7.00",
            stat(0, 0),
            `limit ${clients.indexOf(held) + 1} 2000 100000`,
            ...procs(() => 0),
            "up 15.50",
            stat(100, 750),
            ...procs((i) => (i < 0 ? 1 : clients[i] === held ? 200000000 : 1000000000)),
        ].join("\n"),
    );
    return [{ machine: "host", endpoints: { "ns-g1": "g1", "ns-g2": "g2", "ns-peer": "peer" }, output }];
};
const sources = samplerSources(["g1"], "g1");
const judgeC = (guests: number, byEndpoint: (e: string) => Omit<ReplayedStream, "start">, held = guests === 1 ? "g1" : "g2") =>
    withCpu(
        planC,
        cells[guests - 1],
        aggregateCell(planC, cells[guests - 1], outcomesOf(guests, byEndpoint)),
        samplerSources(guests === 1 ? ["g1"] : ["g1", "g2"], held),
        [],
        T0,
    );

/** A healthy 2-guest run of planC, judged. */
function judged(): RunResult {
    return aggregateCell(
        planC,
        cells[1],
        outcomesOf(2, () => wireFast),
    );
}

describe("kind C: a check marks a stream, it never throws its figure away", () => {
    const slowFigure = Math.round(((956 * 1 + 10 * 4.5) / 5.5) * 100) / 100;

    it("case, 2 guests: g2 keeps its figure, its rate's fall is named with when, the run keeps CPU figures and names g2's netperf", () => {
        const run = judgeC(2, (e) => (e === "g2" ? heldAt3 : wireFast));
        const g2 = stream("g2", run);
        assert.strictEqual(g2.error, undefined, "netperf's figure agrees with all its samples: nothing failed");
        assert.strictEqual(g2.throughputMbps, slowFigure, "its window mean: 956 for 1 s, then 10 for 4.5 s");
        assert.strictEqual(g2.samples.length, 16);
        assert.strictEqual(g2.netperfReported, 364.75);
        assert.strictEqual(g2.warnings, undefined, "a fall is what happened, not a doubt of the figure");
        assert.ok(
            run.warnings!.includes(
                "g2: its rate fell from 956 to 10 Mb/s at 3 s into the run (its means in the window before and after), a change of 99%, more than 50%",
            ),
            JSON.stringify(run.warnings),
        );
        assert.strictEqual(run.status, "ok", "a warning does not change the status");
        assert.strictEqual(run.aggregate.throughputMbps, Math.round((956 + slowFigure) * 100) / 100);
        assert.ok(run.cpu, "the partial run keeps its CPU figures");
        assert.strictEqual(run.bottleneck!.kind, "cpu");
        assert.match(run.bottleneck!.says, /^g2's netperf at 117\.5% of its cgroup CPU limit of 0\.02 CPU/);
    });

    it("case, 1 guest: the run keeps its figure, its CPU figures and its verdict", () => {
        const run = judgeC(1, () => heldAt3);
        assert.strictEqual(run.status, "ok");
        assert.match(run.warnings!.join("; "), /g1: its rate fell from 956 to 10 Mb\/s at 3 s/);
        assert.strictEqual(run.streams[0].throughputMbps, slowFigure);
        assert.strictEqual(run.aggregate.throughputMbps, slowFigure);
        assert.ok(run.cpu!.processes.some((p) => p.endpoint === "g1"));
        assert.match(run.bottleneck!.says, /^g1's netperf at 117\.5% of its cgroup CPU limit of 0\.02 CPU/);
    });

    it("a run that failed keeps its CPU figures and bottleneck, over its window or, without one, over its planned test", () => {
        const dead = { ...wireFast, reports: steady(0, 0.5, 8), throughput: 0 };
        const failed = judgeC(1, () => dead);
        assert.strictEqual(failed.status, "failed");
        assert.ok(failed.cpu && failed.bottleneck, "failed, with a window");
        const [stream0] = streamsOf(cells[0], planC.endpoints);
        const none = aggregateCell(planC, cells[0], [{ stream: stream0, error: "netperf exited 255: establish control" }]);
        const withFigures = withCpu(planC, cells[0], none, sources, [], T0);
        assert.strictEqual(withFigures.status, "failed");
        assert.ok(withFigures.cpu, "over the planned test");
        assert.ok(withFigures.bottleneck);
    });

    it("the verdict names what held the slow stream, not what the fast one used", () => {
        const b = bottleneck({
            goodputPct: 59,
            streams: [
                { endpoint: "g1", goodputPct: 99.9, machines: ["g1", "peer"] },
                { endpoint: "g2", goodputPct: 19, machines: ["g2", "peer"] },
            ],
            cpu: {
                machines: [],
                processes: [
                    { endpoint: "g1", program: "netperf", pid: 1, cpuPct: 97 },
                    { endpoint: "g2", program: "netperf", pid: 2, cpuPct: 92 },
                ],
                missing: [],
            },
        });
        assert.strictEqual(b.kind, "cpu");
        assert.match(b.says, /^g2's netperf at 92% of a CPU; g1's netperf at 97% of a CPU$/);
    });

    it("repeats keep each repeat's CPU figures and verdict, and repeats that all failed keep their figures", () => {
        const a = judgeC(1, () => heldAt3);
        const b = judgeC(1, () => heldAt3);
        const combined = combineRepeats([a, b]);
        assert.ok(combined.repeats!.every((r) => r.cpu && r.bottleneck && r.warnings && r.error === undefined));
        const failedA = { ...a, status: "failed" as const };
        const both = combineRepeats([failedA, { ...b, status: "failed" as const }]);
        assert.strictEqual(both.status, "failed");
        assert.strictEqual(both.aggregate.throughputMbps, a.aggregate.throughputMbps);
        assert.strictEqual(both.stats, undefined, "no repeat measured: no spread");
    });

    // Done when: every check that can mark a stream also leaves its figure and samples in the results.
    type Case = {
        check: string;
        g1: Omit<ReplayedStream, "start">;
        field: "error" | "warnings" | "run warnings";
        says: RegExp;
        plannedStart?: number;
    };
    const cases: Case[] = [
        {
            check: "traffic carried",
            g1: { ...healthy, reports: steady(0.5, 0.5, 10), throughput: 0.5 },
            field: "error",
            says: /carried no traffic/,
        },
        {
            check: "ran the planned duration (ELAPSED_TIME)",
            g1: { ...healthy, reports: steady(940, 0.5, 8.5), elapsed: 8.5 },
            field: "error",
            says: /netperf ran 8\.5 s/,
        },
        {
            check: "covers the time netperf ran",
            g1: { ...healthy, reports: steady(940, 0.5, 6), throughput: 564 },
            field: "error",
            says: /stopped reporting/,
        },
        { check: "started on time", g1: healthy, field: "error", says: /after the common start/, plannedStart: -3 },
        {
            check: "clock never goes back",
            g1: { ...healthy, reports: [...steady(940, 0.5, 5), ...steady(940, 0.5, 8, 3)] as [number, number][] },
            field: "error",
            says: /go back in time/,
        },
        {
            check: "no stall",
            g1: { ...healthy, reports: [...steady(940, 0.5, 4), [10, 7] as [number, number], ...steady(940, 0.5, 10, 7)], throughput: 661 },
            field: "error",
            says: /stalled/,
        },
        {
            check: "consistent with netperf's figure",
            g1: { ...healthy, throughput: 600 },
            field: "error",
            says: /mean of all its interim results/,
        },
        {
            check: "time frame",
            g1: { ...healthy, reports: [...steady(940, 0.5, 9.5), [940, 10.5] as [number, number]] },
            field: "warnings",
            says: /span 10\.5 s/,
        },
        {
            check: "covers start + duration",
            g1: { ...healthy, reports: steady(940, 0.5, 8.8), elapsed: 9.7 },
            field: "warnings",
            says: /short of its start \+ the 10 s duration/,
        },
        {
            check: "steady in the window",
            g1: { ...healthy, reports: [...steady(940, 0.5, 5), ...steady(100, 0.5, 10, 5)], throughput: 520 },
            field: "run warnings",
            says: /its rate fell from 940 to 100 Mb\/s at 5 s/,
        },
    ];
    const plan10 = planOf("TCP_STREAM", 1);
    const cell10 = expandMatrix(plan10.matrix, plan10.wires)[0];
    const [s10] = streamsOf(cell10, plan10.endpoints);
    for (const c of cases) {
        it(`the check '${c.check}' marks the stream and leaves its figure and samples`, () => {
            const parsed = parseNetperfOutput(netperfText({ start: T0, ...c.g1 }));
            const run = aggregateCell(plan10, cell10, [{ stream: s10, parsed, plannedStart: T0 + (c.plannedStart ?? 0) }]);
            const g1 = run.streams[0];
            const marks =
                c.field === "error"
                    ? (g1.error ?? "")
                    : c.field === "run warnings"
                      ? (run.warnings ?? []).join("; ")
                      : (g1.warnings ?? []).join("; ");
            assert.match(marks, c.says, JSON.stringify({ error: g1.error, warnings: g1.warnings, run: run.warnings }));
            if (c.field !== "run warnings") assert.notStrictEqual(run.status, "ok");
            assert.strictEqual(g1.samples.length, parsed.samples.length, "every sample kept");
            assert.strictEqual(g1.netperfReported, parsed.throughput, "netperf's figure kept");
            assert.ok(g1.throughputMbps > 0, `its window figure kept: ${g1.throughputMbps}`);
            assert.strictEqual(run.aggregate.throughputMbps, g1.throughputMbps, "and the run's");
        });
    }

    it("the run-level checks (a short common window, start skew, a moved clock) leave every figure too", () => {
        // g2 starts 0.6 s after g1: more than the 0.5 s skew bound (5% of 10 s).
        const outcomes = streamsOf(cells[1], planC.endpoints).map((stream, i) => ({
            stream,
            parsed: parseNetperfOutput(netperfText({ start: T0 + (i === 1 ? 0.6 : 0), ...healthy })),
        }));
        const plan = { ...planC, durationSeconds: 10, warmupSeconds: 1 };
        const run = withClockCheck(aggregateCell(plan, cells[1], outcomes), [
            { endpoint: "g1", beforeMs: 0, after: { offsetMs: 80, rttMs: 1 } },
        ]);
        assert.strictEqual(run.status, "partial");
        assert.match(run.error!, /start skew/);
        assert.match(run.error!, /g1's clock moved 80 ms/);
        assert.ok(run.streams.every((s) => s.throughputMbps > 900 && s.samples.length > 0));
        assert.ok(run.aggregate.throughputMbps > 1800);
    });
});
