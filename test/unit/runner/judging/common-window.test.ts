import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { AggregationError, commonWindow, meanOverWindow, startSkewMs } from "../../../../runner/judging/common-window";
import { goodputLimit } from "../../../../model";
import { expandMatrix, serverEndpoints, streamsOf } from "../../../../model";
import type { InterimSample } from "../../../../runner/netperf/netperf-client";
import { parseNetperfOutput } from "../../../../runner/netperf/netperf-client";
import { aggregateCell } from "../../../../runner/judging/run-result";
import type { Plan, PlanEndpoint, PlanWire } from "../../../../model";

const s = (at: number, value: number, intervalSeconds = 1): InterimSample => ({ at, value, intervalSeconds, units: "10^6bits/s" });

describe("goodput limits (DESIGN.md section 4)", () => {
    const cases: [number, number, "ethernet" | "tbf", "TCP_STREAM" | "UDP_STREAM", number, number][] = [
        [1000, 1500, "ethernet", "TCP_STREAM", 16384, 941.5],
        [1000, 1500, "ethernet", "UDP_STREAM", 1472, 957.1],
        [1000, 9000, "ethernet", "TCP_STREAM", 16384, 990.0],
        [10000, 1500, "ethernet", "TCP_STREAM", 16384, 9414.8],
        [1000, 1500, "tbf", "TCP_STREAM", 16384, 956.4],
        [1000, 1500, "tbf", "UDP_STREAM", 1472, 972.3],
        // 16392-byte datagram in 12 fragments: 16384 / (16392 + 12 * 34) = 975.2
        [1000, 1500, "tbf", "UDP_STREAM", 16384, 975.2],
    ];
    for (const [speed, mtu, basis, test, msg, want] of cases) {
        it(`${test} ${msg} B at ${speed} Mb/s MTU ${mtu} (${basis}) = ${want}`, () => {
            const l = goodputLimit(speed, mtu, basis, test, msg);
            assert.strictEqual(l.goodputMbps, want);
            assert.strictEqual(l.lineRateMbps, speed);
            assert.ok(l.basis.length > 10);
        });
    }
});

describe("aggregation over the common window", () => {
    // Stream A runs 100..106, stream B 100.5..106.5; one-second samples.
    const a = [101, 102, 103, 104, 105, 106].map((t, i) => s(t, [900, 950, 950, 950, 950, 990][i]));
    const b = [101.5, 102.5, 103.5, 104.5, 105.5, 106.5].map((t) => s(t, 500));

    it("measures start skew from the first intervals", () => {
        assert.strictEqual(Math.round(startSkewMs([a, b])), 500);
        assert.strictEqual(startSkewMs([a]), 0);
    });

    it("starts after the last start plus warm-up and ends at the first end minus cool-down", () => {
        const w = commonWindow([a, b], 1, 1, 1);
        assert.deepStrictEqual(w, { start: 101.5, end: 105, seconds: 3.5, trimmed: true });
    });

    it("falls back to the untrimmed window when trimming leaves too little", () => {
        const w = commonWindow([a, b], 1, 1, 4);
        assert.deepStrictEqual(w, { start: 100.5, end: 106, seconds: 5.5, trimmed: false });
    });

    it("integrates each stream only over the window (hand-computed)", () => {
        const w = { start: 101.5, end: 105, seconds: 3.5 };
        // A: 0.5 s of 950 (101.5..102) + 3 s of 950 = 950
        assert.strictEqual(meanOverWindow(a, w), 950);
        // A over 100.5..103: 0.5 s at 900 + 2 s at 950 = 2350 / 2.5 = 940
        assert.strictEqual(meanOverWindow(a, { start: 100.5, end: 103, seconds: 2.5 }), 940);
        assert.strictEqual(meanOverWindow(b, w), 500);
    });

    it("refuses streams that never overlapped", () => {
        const late = [110, 111].map((t) => s(t, 1));
        assert.throws(() => commonWindow([a, late], 0, 0, 0), AggregationError);
        assert.throws(() => commonWindow([], 0, 0, 0), AggregationError);
    });
});

const endpoints: PlanEndpoint[] = [
    { name: "peer", role: "peer", access: { kind: "netns", namespace: "t-peer" } },
    { name: "g1", role: "guest", access: { kind: "netns", namespace: "t-g1" } },
    { name: "g2", role: "guest", access: { kind: "netns", namespace: "t-g2" } },
];
const wires: PlanWire[] = [1, 2].map((n, i) => ({
    index: i,
    guest: `g${n}`,
    guestNic: "bench0",
    guestAddress: `10.77.0.${4 * i + 2}`,
    peer: "peer",
    peerNic: `bench${i}`,
    peerAddress: `10.77.0.${4 * i + 1}`,
    speedMbps: 1000,
    mtu: 1500,
}));
const matrix = {
    experiments: ["send", "receive"] as ("send" | "receive")[],
    peer: "native" as const,
    tests: ["TCP_STREAM" as const],
    messageSizes: [16384],
    guestCounts: [1, 2],
};

describe("test matrix", () => {
    it("expands experiments x tests x sizes x guest counts in run order", () => {
        const cells = expandMatrix(matrix, wires);
        assert.deepStrictEqual(
            cells.map((c) => c.id),
            [
                "send-native-TCP_STREAM-16384B-1g",
                "send-native-TCP_STREAM-16384B-2g",
                "receive-native-TCP_STREAM-16384B-1g",
                "receive-native-TCP_STREAM-16384B-2g",
            ],
        );
        assert.deepStrictEqual(
            cells[1].wires.map((w) => w.index),
            [0, 1],
        );
    });

    it("puts the netperf client on the guest to send and on the peer to receive", () => {
        const [send2, recv2] = [expandMatrix(matrix, wires)[1], expandMatrix(matrix, wires)[3]];
        assert.deepStrictEqual(
            streamsOf(send2, endpoints).map((x) => [x.client.name, x.serverAddress]),
            [
                ["g1", "10.77.0.1"],
                ["g2", "10.77.0.5"],
            ],
        );
        assert.deepStrictEqual(
            streamsOf(recv2, endpoints).map((x) => [x.client.name, x.serverAddress]),
            [
                ["peer", "10.77.0.2"],
                ["peer", "10.77.0.6"],
            ],
        );
    });

    it("runs netserver only where something receives", () => {
        assert.deepStrictEqual(serverEndpoints({ matrix: { ...matrix, experiments: ["send"] }, wires, endpoints }), ["peer"]);
        assert.deepStrictEqual(serverEndpoints({ matrix: { ...matrix, experiments: ["receive"] }, wires, endpoints }), ["g1", "g2"]);
    });

    it("refuses more guests than wires", () => {
        assert.throws(() => expandMatrix({ ...matrix, guestCounts: [3] }, wires), /3 guests but the plan has 2 wires/);
    });
});

describe("aggregating one cell", () => {
    const plan: Pick<Plan, "limitBasis" | "warmupSeconds" | "intervalSeconds" | "durationSeconds" | "maxSkewMs"> = {
        limitBasis: "tbf",
        warmupSeconds: 0.5,
        intervalSeconds: 0.5,
        durationSeconds: 3,
    };
    const cell = expandMatrix(matrix, wires)[1];
    const streams = streamsOf(cell, endpoints);
    const parsed = parseNetperfOutput(readFileSync(path.join(__dirname, "..", "..", "..", "fixtures", "tcp_stream.out"), "utf8"));

    it("sums the streams and reports line-rate and goodput percentages", () => {
        const run = aggregateCell(
            plan,
            cell,
            streams.map((stream) => ({ stream, parsed })),
        );
        assert.strictEqual(run.status, "ok");
        // Streams span 046.967 .. 049.967; window 047.467 .. 049.467 (+0.5 s warm-up, -0.5 s cool-down).
        assert.deepStrictEqual(run.window, { start: 1795595047.467, end: 1795595049.467, seconds: 2 });
        assert.strictEqual(run.streams.length, 2);
        // (947.73*0.501 + 956.46*0.501 + 964.79*0.506 + 956.46*0.492) / 2 = 956.38
        const one = run.streams[0].throughputMbps;
        assert.ok(Math.abs(one - 956.38) <= 0.01, `stream ${one}`);
        assert.strictEqual(run.aggregate.throughputMbps, Math.round(2 * one * 100) / 100);
        assert.strictEqual(run.limits.goodputMbps, 1912.8);
        assert.strictEqual(run.limits.lineRateMbps, 2000);
        assert.strictEqual(run.aggregate.goodputPct, Math.round((10000 * run.aggregate.throughputMbps) / 1912.8) / 100);
        assert.strictEqual(run.skewMs, 0);
        assert.strictEqual(run.streams[0].samples.length, 6);
        assert.strictEqual(run.streams[0].localCpuPct, 7.48);
    });

    it("marks a run partial when one stream fails, and keeps the error", () => {
        const run = aggregateCell(plan, cell, [
            { stream: streams[0], parsed },
            { stream: streams[1], error: "netperf exited 255: establish control" },
        ]);
        assert.strictEqual(run.status, "partial");
        assert.strictEqual(run.streams[1].throughputMbps, 0);
        assert.match(run.streams[1].error!, /establish control/);
        assert.strictEqual(run.aggregate.throughputMbps, run.streams[0].throughputMbps);
        assert.match(run.error!, /1 of 2 streams failed/);
    });

    it("marks a run partial, with the reason, when its streams started further apart than hvnetlab:maxSkewMs", () => {
        // The second stream's samples 0.4 s later: the streams still overlap for 2.6 s.
        const late = { ...parsed, samples: parsed.samples.map((x) => ({ ...x, at: x.at + 0.4 })) };
        const run = aggregateCell(plan, cell, [
            { stream: streams[0], parsed },
            { stream: streams[1], parsed: late },
        ]);
        assert.strictEqual(run.skewMs, 400);
        assert.strictEqual(run.status, "partial");
        assert.match(run.error!, /start skew 400 ms exceeds hvnetlab:maxSkewMs \(150 ms\)/, "default: 5% of the 3 s duration");
        assert.ok(run.aggregate.throughputMbps > 0, "the figures are kept");
        const tolerant = aggregateCell({ ...plan, maxSkewMs: 500 }, cell, [
            { stream: streams[0], parsed },
            { stream: streams[1], parsed: late },
        ]);
        assert.strictEqual(tolerant.status, "ok");
    });

    it("marks a run partial when its window could not leave out the warm-up", () => {
        const run = aggregateCell(
            { ...plan, warmupSeconds: 2.5 },
            cell,
            streams.map((stream) => ({ stream, parsed })),
        );
        assert.strictEqual(run.status, "partial");
        assert.match(run.error!, /common window \(3 s\) was too short to leave out the 2\.5 s warm-up: run longer/);
    });

    it("marks a run failed when every stream fails", () => {
        const run = aggregateCell(
            plan,
            cell,
            streams.map((stream) => ({ stream, error: "boom" })),
        );
        assert.strictEqual(run.status, "failed");
        assert.strictEqual(run.aggregate.throughputMbps, 0);
    });
});
