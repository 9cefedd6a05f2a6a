// A run's host-side CPU in the results: withCpu on a judged run (service demand per stream and for
// the host, the bottleneck), and the service demand in the summary table, results.csv and the comparison.
import * as assert from "assert";
import { parseSamplerOutput } from "../../../runner/sampling/endpoint-sampler";
import type { Source } from "../../../analysis/compare";
import { comparisonTables, parseSource } from "../../../analysis/compare";
import { withCpu } from "../../../runner/judging/run-cpu";
import type { Cell } from "../../../model";
import { resultsCsv } from "../../../analysis/report";
import { formatTable, summarize } from "../../../analysis/summary";
import type { PlanWire, ResultsDocument, RunResult } from "../../../model";

const wire = (i: number): PlanWire => ({
    index: i,
    guest: `g${i}`,
    guestNic: "bench0",
    guestAddress: `10.0.0.${4 * i + 1}`,
    peer: "peer",
    peerNic: `p${i}`,
    peerAddress: `10.0.0.${4 * i + 2}`,
    speedMbps: 1000,
    mtu: 1500,
});
const cell: Cell = {
    id: "send-native-TCP_STREAM-16384B-2g",
    experiment: "send",
    peer: "native",
    test: "TCP_STREAM",
    messageBytes: 16384,
    guests: 2,
    wires: [wire(1), wire(2)],
} as Cell;

const judged = (g1Mbps: number): RunResult => ({
    id: cell.id,
    experiment: "send",
    peer: "native",
    test: "TCP_STREAM",
    messageBytes: 16384,
    guests: 2,
    status: "ok",
    skewMs: 1,
    window: { start: 101, end: 105, seconds: 4 },
    limits: { lineRateMbps: 2000, goodputMbps: 1912.8, basis: "tbf" },
    aggregate: { throughputMbps: g1Mbps + 956, lineRatePct: (g1Mbps + 956) / 20, goodputPct: (100 * (g1Mbps + 956)) / 1912.8 },
    streams: [1, 2].map((i) => ({
        endpoint: `g${i}`,
        nic: "bench0",
        client: `g${i}`,
        server: "peer",
        throughputMbps: i === 1 ? g1Mbps : 956,
        samples: [],
    })),
});

const stat = (user: number, idle: number) =>
    [`cpu  ${user * 2} 0 0 ${idle * 2} 0 0 0 0 0 0`, `cpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0`, `cpu1 ${user} 0 0 ${idle} 0 0 0 0 0 0`].join(
        "\n",
    );
// Readings at 100 and 106 s: 10% busy; g1's netperf 0.12 s of CPU in a 0.02-CPU cgroup (100% of
// it), g2's 0.18 s, the peer's two netservers 0.3 s each.
const output = parseSamplerOutput(
    [
        "clock 100 7.00",
        "up 7.00",
        stat(0, 0),
        "limit 1 2000 100000",
        "proc ns-g1 1 netperf 0",
        "proc ns-g2 2 netperf 0",
        "proc ns-peer 3 netserver 0",
        "proc ns-peer 4 netserver 0",
        "up 13.00",
        stat(60, 540),
        "proc ns-g1 1 netperf 120000000",
        "proc ns-g2 2 netperf 180000000",
        "proc ns-peer 3 netserver 300000000",
        "proc ns-peer 4 netserver 300000000",
    ].join("\n"),
);
const sources = [{ machine: "host", endpoints: { "ns-g1": "g1", "ns-g2": "g2", "ns-peer": "peer" }, output }];

describe("host-side CPU in the results", () => {
    const run = withCpu({ limitBasis: "tbf" }, cell, judged(300), sources);

    it("gives each stream's sender and receiver service demand, the host's, and names the CPU-limited guest", () => {
        assert.strictEqual(run.cpu!.machines[0].total.busyPct, 10);
        // g1: 2% of a CPU over 300 Mb/s (36621.09 KB/s) = 0.55 us/KB; g2: 3% over 956 Mb/s = 0.26.
        assert.strictEqual(run.streams[0].senderDemandUsPerKB, 0.55);
        assert.strictEqual(run.streams[1].senderDemandUsPerKB, 0.26);
        // The peer's netservers together: 10% of a CPU over 1256 Mb/s.
        assert.strictEqual(run.streams[0].receiverDemandUsPerKB, 0.65);
        // Host: 2 CPUs x 10% over 1256 Mb/s.
        assert.strictEqual(run.cpu!.hostDemandUsPerKB, 1.3);
        assert.strictEqual(run.bottleneck!.kind, "cpu");
        assert.strictEqual(run.bottleneck!.says, "g1's netperf at 100% of its cgroup CPU limit of 0.02 CPU");
    });

    it("names the wire for a run at its limit, and leaves a failed run without CPU figures", () => {
        assert.strictEqual(withCpu({ limitBasis: "tbf" }, cell, judged(956), sources).bottleneck!.kind, "wire");
        const failed = withCpu(
            { limitBasis: "tbf" },
            cell,
            { ...judged(0), status: "failed", window: { start: 0, end: 0, seconds: 0 } },
            sources,
        );
        assert.strictEqual(failed.cpu, undefined);
        assert.strictEqual(failed.bottleneck, undefined);
    });

    it("shows the host's service demand in the summary table, results.csv and the comparison", () => {
        const table = formatTable(summarize({ runs: [run] })).split("\n");
        assert.match(table[0], / host us\/KB +status$/);
        assert.match(table[2], / 1\.30 +ok$/);
        assert.strictEqual(summarize({ runs: [run] })[0].bottleneck, run.bottleneck!.says);
        const doc: ResultsDocument = {
            schemaVersion: 1,
            platform: "local",
            fingerprint: "sha256:f",
            startedAt: "2026-11-30T00:00:00Z",
            finishedAt: "2026-11-30T00:01:00Z",
            notes: [],
            endpoints: {},
            maxClockOffsetMs: 5,
            runs: [run],
        };
        const src: Source = parseSource(JSON.stringify(doc), "local.json");
        const csv = resultsCsv([src]).trim().split("\n");
        assert.match(csv[1], /,0\.55,0\.65,1\.3,host 10,g1's netperf at 100% of its cgroup CPU limit of 0\.02 CPU$/);
        assert.match(comparisonTables([src])[0].rows[1][1], /^1256\.0 Mb\/s 62\.8% 1\.30 us\/KB$/);
    });
});
