// The CPU sampler: its script run for real on this machine, its output parsed, and a run's CPU
// figures and service demand computed over a window from constructed readings.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import {
    hostDemandUsPerKB,
    parseSamplerOutput,
    processDemandUsPerKB,
    processSpan,
    runCpu,
    samplerArgs,
} from "../../../../runner/sampling/endpoint-sampler";

const stat = (user: number, idle: number) =>
    [`cpu  ${user * 2} 0 0 ${idle * 2} 0 0 0 0 0 0`, `cpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0`, `cpu1 ${user} 0 0 ${idle} 0 0 0 0 0 0`].join(
        "\n",
    );

// Two readings 2 s apart: cpu0/cpu1 50% busy; g1's netperf used 0.2 s of CPU in a 0.1-CPU cgroup,
// the peer's netserver 1 s (50% of one CPU) with no limit.
const OUTPUT = [
    "hz 100",
    "clock 100.000000000 5000.00",
    "up 5000.00",
    stat(1000, 1000),
    "limit 11 20000 200000",
    "proc ns-g1 11 netperf 5000000000",
    "limit 12 none",
    "proc ns-peer 12 netserver 1000000000",
    "up 5002.00",
    stat(1100, 1100),
    "proc ns-g1 11 netperf 5200000000",
    "proc ns-peer 12 netserver 2000000000",
].join("\n");

describe("CPU sampler", () => {
    it("parses readings, processes, cgroup limits and what is missing, on the runner's clock", () => {
        const o = parseSamplerOutput(OUTPUT + "\nmissing pgrep: not installed", 500);
        assert.deepStrictEqual(
            o.stats.map((s) => s.at),
            [99.5, 101.5],
        );
        assert.strictEqual(o.stats[1].cpus.cpu1.user, 1100);
        assert.deepStrictEqual(o.processes[0], { at: 99.5, scope: "ns-g1", pid: 11, comm: "netperf", cpuNs: 5e9 });
        assert.strictEqual(o.limits.get(11), 0.1);
        assert.strictEqual(o.limits.get(12), null);
        assert.deepStrictEqual(o.missing, ["pgrep: not installed"]);
    });

    it("computes machines' and processes' CPU over the window, with cgroup limits and service demand", () => {
        const cpu = runCpu([{ machine: "host", endpoints: { "ns-g1": "g1", "ns-peer": "peer" }, output: parseSamplerOutput(OUTPUT) }], {
            start: 100.5,
            end: 101.5,
        });
        assert.strictEqual(cpu.machines.length, 1);
        assert.strictEqual(cpu.machines[0].cpus, 2);
        assert.strictEqual(cpu.machines[0].total.busyPct, 50);
        assert.strictEqual(cpu.machines[0].perCpu.cpu0.busyPct, 50);
        assert.deepStrictEqual(cpu.processes, [
            { endpoint: "g1", program: "netperf", pid: 11, cpuPct: 10, limitCpus: 0.1, limitPct: 100 },
            { endpoint: "peer", program: "netserver", pid: 12, cpuPct: 50 },
        ]);
        assert.deepStrictEqual(cpu.missing, []);
        // 1 CPU-second per second (2 CPUs at 50%) over 100 Mb/s = 12207.03 KB/s: 81.92 us/KB.
        assert.strictEqual(hostDemandUsPerKB(cpu, 100), 81.92);
        // netserver: 0.5 CPU over 100 Mb/s: 40.96 us/KB.
        assert.strictEqual(processDemandUsPerKB(cpu, "peer", "netserver", 100), 40.96);
        assert.strictEqual(processDemandUsPerKB(cpu, "g2", "netperf", 100), undefined);
    });

    it("says what is missing instead of giving zeros", () => {
        const cpu = runCpu(
            [
                { machine: "host", endpoints: {}, error: "cannot run sh" },
                {
                    machine: "g1",
                    endpoints: { self: "g1" },
                    output: parseSamplerOutput(
                        "hz 100\nmissing /proc/stat: not readable on this machine\nclock 1.5 10.0\nup 10.0\nup 18.0",
                    ),
                },
                { machine: "g2", endpoints: { self: "g2" }, output: parseSamplerOutput("hz 100\nclock 1.0 10.0\nup 10.0\n" + stat(1, 1)) },
            ],
            { start: 2, end: 8 },
        );
        assert.deepStrictEqual(cpu.machines, []);
        assert.deepStrictEqual(cpu.missing, [
            "host: no CPU sample (cannot run sh)",
            "g1: /proc/stat: not readable on this machine",
            "g2: its /proc/stat readings do not cover the window (1 readings)",
        ]);
        assert.strictEqual(hostDemandUsPerKB(cpu, 100), undefined);
    });

    it("takes a process's readings inside the window when it ended before a reading after it", () => {
        const r = (at: number) => ({ at, scope: "s", pid: 1, comm: "netperf", cpuNs: at * 1e9 });
        assert.deepStrictEqual(
            processSpan([r(1), r(2), r(3), r(4)], { start: 1.5, end: 4.5 })?.map((x) => x.at),
            [1, 4],
        );
        assert.strictEqual(processSpan([r(3), r(4)], { start: 1.5, end: 4.5 }), undefined);
    });

    it("rejects a scope that is not a namespace name", () => {
        assert.throws(() => samplerArgs(1, 1, true, ["a;b"]), /not a namespace name/);
    });

    it("runs for real on this machine: timestamped /proc/stat readings every interval until its end", function () {
        this.timeout(10000);
        const argv = samplerArgs(Date.now() / 1000 + 1, 0.5, true, ["self"]);
        const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const o = parseSamplerOutput(r.stdout);
        assert.ok(o.stats.length >= 2, r.stdout);
        assert.ok(Object.keys(o.stats[0].cpus).length >= 1);
        assert.ok(o.stats[1].at > o.stats[0].at);
    });

    it("ends when its stdin closes, with a last reading taken after the close, long before its end time", async function () {
        this.timeout(10000);
        const argv = samplerArgs(Date.now() / 1000 + 60, 1, true, ["self"], true);
        const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
        const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
        await new Promise((r) => setTimeout(r, 1500));
        const closedAt = Date.now() / 1000;
        child.stdin.end();
        const code = await exited;
        const took = Date.now() / 1000 - closedAt;
        assert.strictEqual(code, 0);
        assert.ok(took < 0.5, `ended ${took.toFixed(3)} s after its stdin closed (its interval is 1 s)`);
        const o = parseSamplerOutput(out);
        assert.ok(o.stats.length >= 3, `readings at 0 and 1 s, then one after the close: ${o.stats.length}`);
        assert.ok(o.stats[o.stats.length - 1].at >= closedAt - 0.01, "the last reading is after the close");
    });

    it("keeps to its interval and its end time where its stdin is not watched", function () {
        this.timeout(10000);
        const argv = samplerArgs(Date.now() / 1000 + 1, 0.5, true, ["self"], false);
        assert.strictEqual(argv[7], "-");
        // stdin closed at once: without the watcher this does not end it.
        const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", input: "" });
        assert.ok(parseSamplerOutput(r.stdout).stats.length >= 2, r.stdout);
    });
});
