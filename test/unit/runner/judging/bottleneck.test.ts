// The bottleneck verdict on constructed runs: the wire, a saturated CPU or process, or unexplained.
import * as assert from "assert";
import { bottleneck } from "../../../../runner/judging/bottleneck";
import type { RunCpuFigures } from "../../../../model";

const use = (busyPct: number) => ({
    busyPct,
    userPct: busyPct / 2,
    systemPct: busyPct / 4,
    softirqPct: busyPct / 4,
    irqPct: 0,
    stealPct: 0,
    iowaitPct: 0,
});
const cpu = (perCpu: number[], processes: RunCpuFigures["processes"] = [], missing: string[] = []): RunCpuFigures => ({
    machines: [
        {
            machine: "host",
            from: 0,
            to: 1,
            cpus: perCpu.length,
            total: use(perCpu.reduce((a, b) => a + b, 0) / perCpu.length),
            perCpu: Object.fromEntries(perCpu.map((p, i) => [`cpu${i}`, use(p)])),
        },
    ],
    processes,
    missing,
});

describe("bottleneck", () => {
    it("names the wire when every stream is at its limit", () => {
        const b = bottleneck({
            goodputPct: 99.1,
            streams: [
                { endpoint: "g1", goodputPct: 99.3 },
                { endpoint: "g2", goodputPct: 98.9 },
            ],
            cpu: cpu([40, 30]),
        });
        assert.strictEqual(b.kind, "wire");
        assert.match(b.says, /the wire: 99\.1% of the goodput limit, the slowest \(g2\) at 98\.9%/);
    });

    it("names a process at its cgroup CPU limit before anything else", () => {
        const b = bottleneck({
            goodputPct: 60,
            streams: [
                { endpoint: "g1", goodputPct: 20 },
                { endpoint: "g2", goodputPct: 99 },
            ],
            cpu: cpu(
                [95, 30],
                [
                    { endpoint: "g1", program: "netperf", pid: 1, cpuPct: 19.8, limitCpus: 0.2, limitPct: 99 },
                    { endpoint: "g2", program: "netperf", pid: 2, cpuPct: 40 },
                ],
            ),
        });
        assert.strictEqual(b.kind, "cpu");
        assert.strictEqual(
            b.says,
            "g1's netperf at 99% of its cgroup CPU limit of 0.2 CPU; host cpu0 at 95% busy (user 47.5, system 23.8, softirq 23.8, steal 0)",
        );
    });

    it("names a process at a whole CPU, and a machine's CPU", () => {
        const b = bottleneck({
            goodputPct: 70,
            streams: [{ endpoint: "g1", goodputPct: 70 }],
            cpu: cpu([50, 92], [{ endpoint: "peer", program: "netserver", pid: 3, cpuPct: 97 }]),
        });
        assert.strictEqual(b.kind, "cpu");
        assert.match(b.says, /^peer's netserver at 97% of a CPU; host cpu1 at 92% busy/);
    });

    it("is unexplained with the figures when no CPU is near saturation, or when CPU was not measured", () => {
        const b = bottleneck({
            goodputPct: 80,
            streams: [{ endpoint: "g1", goodputPct: 80 }],
            cpu: cpu([50, 60], [{ endpoint: "g1", program: "netperf", pid: 1, cpuPct: 30, limitCpus: 1, limitPct: 30 }]),
        });
        assert.strictEqual(b.kind, "unexplained");
        assert.strictEqual(
            b.says,
            "unexplained: 80% of the goodput limit, slowest stream g1 at 80% of its wire's, busiest CPU host cpu1 at 60%, busiest process g1's netperf at 30% of a CPU",
        );
        const none = bottleneck({
            goodputPct: 80,
            streams: [{ endpoint: "g1", goodputPct: 80 }],
            cpu: { machines: [], processes: [], missing: ["host: no CPU sample (cannot run sh)"] },
        });
        assert.match(none.says, /missing: host: no CPU sample \(cannot run sh\)/);
    });
});
