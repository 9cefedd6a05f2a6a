// @integration: the local lab's host-side CPU and bottleneck, for real. Two guests send to the
// peer. Unrestricted, every run is at its limit and the wire is named. Then guest g1's netperf is
// started inside a cgroup whose CPU quota this test sets (cgroup v1's cpu.cfs_quota_us, or v2's
// cpu.max, whichever this machine mounts) to a small share of one CPU, so that its wire cannot be
// filled: the run is below its limit and its bottleneck names g1's netperf at its cgroup limit.
// Needs root, netperf and a cgroup CPU controller; skipped with a message otherwise.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { runPlan } from "../../runner/run-plan";
import { NetnsTransport } from "../../runner/transport/transport";
import type { Plan, RunResult } from "../../model";
import { CgroupTransport, makeCgroup } from "../../tools/experiments";
import { buildPlan } from "../../components/lab-plan";
import { netserverScripts } from "../../components/netperf-deployment";
import { localTopology, namespaceScripts, wireScripts } from "../../components/platforms/local";
import { leftovers, parseLocal, whyNoLocalLab } from "../lab-checks";

/** The share of one CPU g1's netperf gets: far less than a 1 Gbit/s stream needs (it took 0.017-0.02 CPU here, so 0.02 did not always hold it). */
const LIMIT_CPUS = 0.01;

const describeRun = (r: RunResult) =>
    `${r.id}: ${r.aggregate.goodputPct}% of the goodput limit; bottleneck: ${r.bottleneck?.says}; host ${JSON.stringify(r.cpu?.machines[0]?.total)}; processes ${JSON.stringify(r.cpu?.processes)}; missing ${JSON.stringify(r.cpu?.missing)}`;

describe("@integration host-side CPU and the bottleneck on the local lab", function () {
    this.timeout(180000);
    const values: Record<string, string> = {
        guests: "2",
        labPrefix: "hvcpu",
        subnet: "10.94.0.0/24",
        durationSeconds: "6",
        warmupSeconds: "1",
        experiments: "[send]",
    };
    const config = parseLocal(values);
    const topology = localTopology(config);
    const ns = (e: string) => topology.endpoints.find((x) => x.name === e)!.access.namespace;
    const steps = [
        ...topology.endpoints.map((e) => namespaceScripts(e.access.namespace)),
        ...topology.wires.map((w) => wireScripts(w, ns(w.guest), ns(w.peer))),
        netserverScripts(ns("peer"), config.netserverPort, config.netperfVersion),
    ];
    const sh = (s: string) => execFileSync("sh", ["-c", s], { stdio: ["ignore", "pipe", "pipe"] });
    let plan: Plan;
    let cgroup: ReturnType<typeof makeCgroup>;

    before(function () {
        const why = whyNoLocalLab();
        if (why) {
            console.log(`    (skipped: the local lab ${why})`);
            this.skip();
        }
        cgroup = makeCgroup(`hvnetlab-cpu-test-${process.pid}`, LIMIT_CPUS);
        if (!cgroup) {
            console.log("    (skipped: no writable cgroup CPU controller, v1 cpu or v2 cpu.max, at /sys/fs/cgroup)");
            this.skip();
        }
        steps.forEach((s) => sh(s.create));
        plan = buildPlan(config, { endpoints: topology.endpoints, wires: topology.wires, limitBasis: "tbf" });
    });

    after(() => {
        if (whyNoLocalLab() || !cgroup) return;
        [...steps].reverse().forEach((s) => sh(s.delete));
        cgroup.remove();
        assert.deepStrictEqual(leftovers("hvcpu"), []);
    });

    it("unrestricted: every run at its limit, the wire named, with host CPU and service demand", async () => {
        const doc = await runPlan({ ...plan, matrix: { ...plan.matrix, guestCounts: [1, 2] } }, { transport: new NetnsTransport() });
        for (const r of doc.runs) {
            console.log(`      ${describeRun(r)}`);
            assert.strictEqual(r.status, "ok", r.error);
            assert.ok(r.aggregate.goodputPct >= 97, describeRun(r));
            assert.strictEqual(r.bottleneck?.kind, "wire", describeRun(r));
            assert.deepStrictEqual(r.cpu?.missing, []);
            assert.strictEqual(r.cpu?.machines.length, 1);
            assert.strictEqual(r.cpu!.machines[0].machine, "host");
            assert.ok(r.cpu!.machines[0].total.busyPct > 0, "the machine did work");
            assert.ok(r.cpu!.hostDemandUsPerKB! > 0, "host-side service demand");
            for (const s of r.streams) {
                assert.ok(s.senderDemandUsPerKB! > 0, `${s.endpoint}: sender's service demand`);
                assert.ok(s.receiverDemandUsPerKB! > 0, `${s.endpoint}: receiver's service demand`);
            }
            const netperfs = r.cpu!.processes.filter((p) => p.program === "netperf");
            assert.deepStrictEqual(netperfs.map((p) => p.endpoint).sort(), r.streams.map((s) => s.client).sort());
        }
    });

    it(`g1's netperf held to ${LIMIT_CPUS} CPU by a cgroup: below its limit, and the bottleneck names g1's netperf`, async () => {
        const transport = new CgroupTransport("g1", cgroup!.procs);
        const doc = await runPlan({ ...plan, matrix: { ...plan.matrix, guestCounts: [2] } }, { transport });
        await transport.close();
        const r = doc.runs[0];
        console.log(`      ${describeRun(r)}`);
        assert.ok(r.aggregate.goodputPct < 97, describeRun(r));
        assert.strictEqual(r.bottleneck?.kind, "cpu", describeRun(r));
        assert.match(r.bottleneck!.says, new RegExp(`^g1's netperf at \\d+(\\.\\d+)?% of its cgroup CPU limit of ${LIMIT_CPUS} CPU`));
        const g1 = r.cpu!.processes.find((p) => p.endpoint === "g1" && p.program === "netperf")!;
        assert.strictEqual(g1.limitCpus, LIMIT_CPUS);
        assert.ok(g1.limitPct! >= 90 && g1.limitPct! <= 110, `g1's netperf at ${g1.limitPct}% of its limit`);
        const g2 = r.streams.find((s) => s.endpoint === "g2")!;
        assert.ok(g2.throughputMbps > 0.97 * 956.4, `g2, unrestricted, fills its wire: ${g2.throughputMbps} Mb/s`);
    });
});
