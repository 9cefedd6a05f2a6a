// The rest of what netperf measures: TCP_RR round-trip times (netperf's latency selectors) and
// UDP_STREAM datagrams sent and received per second (LOCAL_SEND_CALLS, REMOTE_RECV_CALLS), on
// output captured from netperf 2.7.0 on this machine with the project's own command lines, through
// the judging, the repeats, the table, results.csv and the comparison.
import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { cell as compareCell } from "../../../analysis/compare";
import { combineRepeats } from "../../../runner/judging/repeats";
import { runLatency, udpRunPps } from "../../../runner/judging/run-result";
import { messagesPerSec } from "../../../runner/judging/stream-result";
import { expandMatrix, streamsOf } from "../../../model";
import { LATENCY_SELECTORS, netperfArgs, parseNetperfOutput } from "../../../runner/netperf/netperf-client";
import { resultsCsv } from "../../../analysis/report";
import { aggregateCell } from "../../../runner/judging/run-result";
import { formatTable, summarize } from "../../../analysis/summary";
import type { LatencyFigures, NetperfTest, ResultsDocument, RunResult } from "../../../model";
import { testPlan } from "../../plans";

const fixture = (name: string) => parseNetperfOutput(readFileSync(path.join(__dirname, "..", "..", "fixtures", name), "utf8"));

/** One cell of `guests` streams of `test`, each stream given the same captured output. */
function judged(test: NetperfTest, file: string, guests: number, messageBytes: number): RunResult {
    const plan = testPlan(guests, { tests: [test], messageSizes: [messageBytes], guestCounts: [guests] }, { durationSeconds: 3 });
    const cell = expandMatrix(plan.matrix, plan.wires)[0];
    const parsed = fixture(file);
    return aggregateCell(
        plan,
        cell,
        streamsOf(cell, plan.endpoints).map((stream) => ({ stream, parsed, plannedStart: parsed.samples[0].at - 0.6 })),
    );
}

describe("netperf's command lines ask for latency only of TCP_RR", () => {
    const inv = { host: "10.0.0.2", port: 12865, durationSeconds: 10, intervalSeconds: 0.5, messageBytes: 64, cpu: false };
    it("TCP_RR: the six figures and stddev; stream tests: the call counts, and no histogram", () => {
        const selectors = (test: NetperfTest) =>
            netperfArgs({ ...inv, test })
                .at(-1)!
                .split(",");
        for (const s of [...LATENCY_SELECTORS, "LOCAL_SEND_CALLS", "REMOTE_RECV_CALLS"]) assert.ok(selectors("TCP_RR").includes(s), s);
        for (const test of ["TCP_STREAM", "TCP_MAERTS", "UDP_STREAM"] as const) {
            assert.ok(selectors(test).includes("LOCAL_SEND_CALLS") && selectors(test).includes("REMOTE_RECV_CALLS"));
            assert.ok(!selectors(test).some((s) => s.endsWith("_LATENCY")), `${test} keeps no latency histogram`);
        }
    });
});

describe("TCP_RR round-trip times (captured: 64 B over a veth, 3 s)", () => {
    it("parses netperf's latency titles into microseconds", () => {
        const p = fixture("tcp_rr_latency.out");
        assert.deepStrictEqual(p.latency, { minUs: 14, meanUs: 17.42, p50Us: 15, p90Us: 15, p99Us: 73, maxUs: 4299, stddevUs: 26.91 });
        assert.strictEqual(p.localSendCalls, 171439);
        assert.strictEqual(p.remoteRecvCalls, 171439);
    });

    it("treats netperf's -1 (not measured) as absent, and an output without the titles as no latency", () => {
        const text = readFileSync(path.join(__dirname, "..", "..", "fixtures", "tcp_rr_latency.out"), "utf8").replace(
            ",14,17.42,",
            ",-1,17.42,",
        );
        assert.strictEqual(parseNetperfOutput(text).latency, undefined);
        assert.strictEqual(fixture("tcp_rr.out").latency, undefined);
    });

    it("each stream carries its latency, the run the worst stream's percentiles and the weighted mean", () => {
        const run = judged("TCP_RR", "tcp_rr_latency.out", 2, 64);
        assert.strictEqual(run.status, "ok", run.error);
        assert.deepStrictEqual(run.streams[0].latency?.p99Us, 73);
        assert.deepStrictEqual(run.aggregate.latency, { minUs: 14, meanUs: 17.42, p50Us: 15, p90Us: 15, p99Us: 73, maxUs: 4299 });
        assert.strictEqual(run.aggregate.messagesPerSec, undefined, "request/response has transactions, not a message rate");
    });

    it("combines streams: smallest minimum, transaction-weighted mean, worst percentiles and maximum", () => {
        const l = (minUs: number, meanUs: number, p: number, maxUs: number): LatencyFigures => ({
            minUs,
            meanUs,
            p50Us: p,
            p90Us: p * 2,
            p99Us: p * 4,
            maxUs,
        });
        const combined = runLatency([
            { latency: l(10, 20, 18, 500), netperfReported: 30000 },
            { latency: l(12, 50, 45, 900), netperfReported: 10000 },
        ]);
        // (20 x 30000 + 50 x 10000) / 40000 = 27.5: the pooled mean, not the mean of means (35).
        assert.deepStrictEqual(combined, { minUs: 10, meanUs: 27.5, p50Us: 45, p90Us: 90, p99Us: 180, maxUs: 900 });
        assert.strictEqual(runLatency([{ latency: l(1, 1, 1, 1) }, { latency: undefined }]), undefined, "not every stream measured it");
    });
});

describe("UDP_STREAM datagrams per second (captured: 64 B over an unshaped veth, 3 s, with loss)", () => {
    it("counts datagrams sent and received from LOCAL_SEND_CALLS and REMOTE_RECV_CALLS, per second of ELAPSED_TIME", () => {
        const run = judged("UDP_STREAM", "udp_stream_64.out", 1, 64);
        const u = run.streams[0].udp!;
        assert.strictEqual(u.sentDatagrams, 485064);
        assert.strictEqual(u.receivedDatagrams, 460870);
        assert.strictEqual(u.sentPps, Math.round(485064 / 3));
        assert.strictEqual(u.receivedPps, Math.round(460870 / 3));
        // The loss from the counts: 1 - 460870 / 485064 = 4.99%.
        assert.strictEqual(u.lossPct, 4.99);
        assert.strictEqual(run.aggregate.lossPct, 4.99);
        assert.deepStrictEqual(
            { sentPps: run.aggregate.sentPps, receivedPps: run.aggregate.receivedPps },
            { sentPps: 161688, receivedPps: 153623 },
        );
        // The counts and the rates agree: 460870 datagrams x 64 B x 8 / 3.00 s = 78.65 Mb/s (netperf: 78.64).
        assert.ok(Math.abs((460870 * 64 * 8) / 3 / 1e6 - u.receivedMbps) < 0.02);
    });

    it("sums the streams' packet rates for the run; none when a stream has no counts", () => {
        const s = (sentPps?: number, receivedPps?: number) => ({
            udp: { sentMbps: 1, receivedMbps: 1, lossPct: 0, ...(sentPps !== undefined ? { sentPps, receivedPps } : {}) },
        });
        assert.deepStrictEqual(udpRunPps([s(100, 90), s(50, 50)]), { sentPps: 150, receivedPps: 140 });
        assert.strictEqual(udpRunPps([s(100, 90), s()]), undefined);
    });

    it("a stream test's message rate is its window rate in messages of its size", () => {
        // 940 Mb/s of 1472-byte datagrams: 940e6 / (8 x 1472) = 79823.4 per second.
        assert.strictEqual(messagesPerSec(940, 1472), 79823);
        const run = judged("TCP_STREAM", "tcp_stream.out", 2, 16384);
        const each = run.streams.map((x) => x.messagesPerSec!);
        assert.strictEqual(each[0], messagesPerSec(run.streams[0].throughputMbps, 16384));
        assert.strictEqual(run.aggregate.messagesPerSec, each[0] + each[1]);
    });
});

describe("latency and packet rates in repeats, the table, results.csv and the comparison", () => {
    const rr = judged("TCP_RR", "tcp_rr_latency.out", 1, 64);
    const udp = judged("UDP_STREAM", "udp_stream_64.out", 1, 64);

    it("repeats: packet rates are the repeats' mean, latency combines as streams do", () => {
        const slower = { ...rr, aggregate: { ...rr.aggregate, latency: { ...rr.aggregate.latency!, p99Us: 200, meanUs: 40 } } };
        const both = combineRepeats([rr, slower]);
        assert.strictEqual(both.aggregate.latency?.p99Us, 200);
        // Equal transaction rates: the mean of the two means.
        assert.strictEqual(both.aggregate.latency?.meanUs, Math.round(((17.42 + 40) / 2) * 100) / 100);
        const twice = combineRepeats([udp, { ...udp, aggregate: { ...udp.aggregate, sentPps: udp.aggregate.sentPps! + 100 } }]);
        assert.strictEqual(twice.aggregate.sentPps, udp.aggregate.sentPps! + 50);
        assert.strictEqual(twice.aggregate.receivedPps, udp.aggregate.receivedPps);
    });

    it("the table: msg/s and sent pkt/s for UDP, P50 and P99 for TCP_RR, '-' elsewhere", () => {
        const ok = { ...udp, status: "ok" as const };
        const table = formatTable(summarize({ runs: [rr, ok] })).split("\n");
        assert.match(table[0], /trans\/s +msg\/s +sent pkt\/s +loss % +P50 us +P99 us +skew ms/);
        assert.match(table[2], /TCP_RR .* +- +- +- +15 +73 +[\d.]+ +- +ok$/);
        assert.match(table[3], new RegExp(`UDP_STREAM .* ${udp.aggregate.messagesPerSec ?? "-"} +161688 +4\\.99 +- +- `));
    });

    it("results.csv: each stream's message rate, datagram rates and round-trip times", () => {
        const doc = { schemaVersion: 1, platform: "local", fingerprint: "f", runs: [rr, udp] } as unknown as ResultsDocument;
        const [header, rrRow, udpRow] = resultsCsv([{ label: "local", origin: "x", results: doc }])
            .trim()
            .split("\n");
        const at = (row: string, column: string) => row.split(",")[header.split(",").indexOf(column)];
        assert.strictEqual(at(rrRow, "latency_p99_us"), "73");
        assert.strictEqual(at(rrRow, "latency_mean_us"), "17.42");
        assert.strictEqual(at(rrRow, "latency_max_us"), "4299");
        assert.strictEqual(at(udpRow, "udp_sent_pps"), "161688");
        assert.strictEqual(at(udpRow, "udp_received_pps"), "153623");
        assert.strictEqual(at(udpRow, "latency_p99_us"), "");
    });

    it("the comparison's cell: P50/P99 for TCP_RR, datagrams received per second and loss for UDP", () => {
        assert.match(compareCell(rr), /^\d+ trans\/s P50\/P99 15\/73 us$/);
        assert.match(compareCell({ ...udp, status: "ok" }), / 153623 pkt\/s loss 4\.99%$/);
    });
});
