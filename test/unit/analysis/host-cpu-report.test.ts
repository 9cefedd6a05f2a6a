// The report's host CPU: a chart of throughput and host CPU (busy %) against guests per group,
// rendered with vega, and the "Where the CPU goes" table with each guest count's bottleneck.
import * as assert from "assert";
import { hostBusyPct, hostCpuSpec, renderSvg } from "../../../analysis/charts";
import { groupKey } from "../../../analysis/compare";
import { bottleneckRows, reportCharts, reportMarkdown } from "../../../analysis/report";
import type { RunResult } from "../../../model";
import type { MachineCpuFigures } from "../../../model";
import { sourceOf } from "../../plans";

const machine = (name: string, busyPct: number, cpus: number, hypervisor = false): MachineCpuFigures => ({
    machine: name,
    from: 1000,
    to: 1004,
    cpus,
    total: { busyPct },
    perCpu: {},
    ...(hypervisor ? { role: "hypervisor" as const, guests: ["g1", "g2"] } : {}),
});

function run(guests: number, perStream: number, hostBusy?: number): RunResult {
    const saturated = hostBusy !== undefined && hostBusy >= 90;
    return {
        id: `send-native-TCP_STREAM-16384B-${guests}g`,
        experiment: "send",
        peer: "native",
        test: "TCP_STREAM",
        messageBytes: 16384,
        guests,
        status: "ok",
        skewMs: 1,
        window: { start: 1000.5, end: 1004, seconds: 3.5 },
        limits: { lineRateMbps: 1000 * guests, goodputMbps: 941.5 * guests, basis: "ethernet" },
        aggregate: { throughputMbps: perStream * guests, lineRatePct: perStream / 10, goodputPct: perStream / 9.415 },
        streams: Array.from({ length: guests }, (_, i) => ({
            endpoint: `g${i + 1}`,
            nic: "bench0",
            client: `g${i + 1}`,
            server: "peer",
            throughputMbps: perStream,
            samples: [],
        })),
        ...(hostBusy !== undefined
            ? {
                  cpu: {
                      machines: [machine("g1", 99, 1), machine("dom0", hostBusy, 1, true)],
                      processes: [],
                      hostThreads: [
                          {
                              machine: "dom0",
                              guest: "dom0",
                              domain: "Domain-0",
                              thread: "domain",
                              label: "dom0 (all its vCPUs)",
                              cpuPct: hostBusy,
                              cpus: 1,
                          },
                      ],
                      missing: [],
                  },
                  bottleneck: saturated
                      ? { kind: "cpu" as const, says: `dom0 vCPU 0 at ${hostBusy}% busy` }
                      : { kind: "wire" as const, says: "the wire: 99% of the goodput limit" },
              }
            : { cpu: { machines: [], processes: [], missing: ["dom0 (xen host): no CPU sample (ssh: connection refused)"] } }),
    };
}

describe("report: host CPU against guests, and the bottleneck per guest count", function () {
    this.timeout(60000);
    const xen = sourceOf("xen", [run(1, 940, 40), run(2, 930, 75), run(3, 700, 99), run(4, 560, undefined)]);
    const group = groupKey(xen.results.runs[0]);

    it("takes the hypervisor host's busy %, not a guest's; and no figure where none was sampled", () => {
        assert.deepStrictEqual(hostBusyPct(xen.results.runs[2]), { machine: "dom0", busyPct: 99 });
        assert.strictEqual(hostBusyPct(xen.results.runs[3]), undefined);
        // Without a hypervisor host (local, native): the machine named "host".
        assert.deepStrictEqual(
            hostBusyPct({ cpu: { machines: [machine("peer", 5, 2), machine("host", 30, 2)], processes: [], missing: [] } }),
            {
                machine: "host",
                busyPct: 30,
            },
        );
    });

    it("draws throughput and host CPU against guests, leaving out the guest count without CPU figures", async () => {
        const spec = hostCpuSpec([xen], group) as { vconcat: { data: { values: { guests: number; value: number }[] } }[] };
        assert.deepStrictEqual(
            spec.vconcat[0].data.values.map((v) => [v.guests, v.value]),
            [
                [1, 940],
                [2, 1860],
                [3, 2100],
                [4, 2240],
            ],
        );
        assert.deepStrictEqual(
            spec.vconcat[1].data.values.map((v) => [v.guests, v.value]),
            [
                [1, 40],
                [2, 75],
                [3, 99],
            ],
        );
        const svg = await renderSvg(spec);
        assert.ok(svg.includes("host CPU busy (%)") && svg.includes("throughput (Mb/s)"), "both axes titled");
        assert.strictEqual((svg.match(/aria-roledescription="line mark"/g) ?? []).length, 2);
    });

    it("adds the chart to the report only for groups with host CPU figures", () => {
        assert.ok(reportCharts([xen]).some((c) => c.file.startsWith("host-cpu-")));
        const bare = sourceOf("native", [{ ...run(1, 940), cpu: undefined }]);
        assert.ok(!reportCharts([bare]).some((c) => c.file.startsWith("host-cpu-")));
    });

    it("tables each guest count's host CPU, busiest host thread and bottleneck, and says why a figure is missing", () => {
        const { rows, notes } = bottleneckRows([xen]);
        assert.deepStrictEqual(
            rows.map((r) => [r[2], r[4], r[6]]),
            [
                ["1", "40% (dom0)", "the wire: 99% of the goodput limit"],
                ["2", "75% (dom0)", "the wire: 99% of the goodput limit"],
                ["3", "99% (dom0)", "dom0 vCPU 0 at 99% busy"],
                ["4", "not sampled (note 1)", "-"],
            ],
        );
        assert.deepStrictEqual(notes, ["dom0 (xen host): no CPU sample (ssh: connection refused)"]);
        assert.strictEqual(rows[2][5], "dom0 (all its vCPUs) 99%");
        const md = reportMarkdown([xen], { mismatches: [], charts: [] });
        assert.match(md, /## Where the CPU goes[\s\S]*\| xen \| send-native-TCP_STREAM-16384B-3g \| 3 \| 2100.0 Mb\/s \| 99% \(dom0\) \|/);
        assert.match(
            md,
            /\| 4 \| 2240\.0 Mb\/s \| not sampled \(note 1\) \|[^\n]*\n\nNote 1: dom0 \(xen host\): no CPU sample \(ssh: connection refused\)\n/,
        );
    });
});
