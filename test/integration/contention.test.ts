// @integration: the local lab's shared-uplink wiring, where synchronization matters: four guests
// behind one bridge share one shaped uplink. With the clients' starts staggered by 1.2 s, the
// common-window sum stays within the uplink's goodput limit while the sum of each stream's
// whole-test mean (what tools that start streams one after another report) goes well beyond it.
// Needs root and netperf (CI installs both); skipped with a message otherwise.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { meanOverWindow } from "../../runner/judging/common-window";
import { runPlan } from "../../runner/run-plan";
import type { ProcessResult, RunOptions, Transport } from "../../runner/transport/transport";
import { NetnsTransport } from "../../runner/transport/transport";
import type { Plan, PlanEndpoint } from "../../model";
import { netserverScripts } from "../../components/netperf-deployment";
import { buildPlan } from "../../components/lab-plan";
import { bridgedWireScripts, hypervisorNamespace, localTopology, namespaceScripts, uplinkScripts } from "../../components/platforms/local";
import { leftovers, parseLocal, whyNoLocalLab } from "../lab-checks";

/** Starts guest gN's clients (N-1) x stepMs after the start the run's gate gives: streams that overlap only in part. */
class StaggeredTransport implements Transport {
    private readonly inner = new NetnsTransport();
    constructor(private readonly stepMs: number) {}
    run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        const late = (Number(endpoint.name.replace(/^g/, "")) - 1) * this.stepMs;
        const gate = options.gate;
        return this.inner.run(endpoint, argv, {
            ...options,
            ...(options.startAtMs !== undefined ? { startAtMs: options.startAtMs + late } : {}),
            ...(gate
                ? {
                      gate: {
                          ready: () => gate.ready(),
                          arrive: async (leadMs: number) => (await gate.arrive(leadMs)) + late,
                          leave: () => gate.leave(),
                      },
                  }
                : {}),
        });
    }
    clock(): Promise<{ offsetMs: number; rttMs: number }> {
        return this.inner.clock();
    }
    canRelease(): boolean {
        return true;
    }
}

describe("@integration the shared-uplink wiring", function () {
    this.timeout(120000);
    const values: Record<string, string> = {
        guests: "4",
        labPrefix: "hvshare",
        subnet: "10.93.0.0/24",
        localTopology: "shared-uplink",
        durationSeconds: "5",
        warmupSeconds: "1",
        experiments: "[send]",
    };
    const config = parseLocal(values);
    const topology = localTopology(config);
    const hv = hypervisorNamespace(config);
    const ns = (e: string) => `hvshare-${e}`;
    const steps = [
        ...[...topology.endpoints.map((e) => e.access.namespace), hv].map((n) => namespaceScripts(n)),
        uplinkScripts(hv, ns("peer"), topology.wires, config.uplinkMbps),
        ...topology.wires.map((w) => bridgedWireScripts(w, ns(w.guest), hv)),
        netserverScripts(ns("peer"), config.netserverPort, config.netperfVersion),
    ];
    const sh = (s: string) => execFileSync("sh", ["-c", s], { stdio: ["ignore", "pipe", "pipe"] });
    let plan: Plan;

    before(function () {
        const why = whyNoLocalLab();
        if (why) {
            console.log(`    (skipped: the local lab ${why})`);
            this.skip();
        }
        steps.forEach((s) => sh(s.create));
        plan = buildPlan(config, {
            endpoints: topology.endpoints,
            wires: topology.wires,
            limitBasis: "tbf",
            uplinkMbps: config.uplinkMbps,
        });
    });

    after(() => {
        if (whyNoLocalLab()) return;
        [...steps].reverse().forEach((s) => sh(s.delete));
        assert.deepStrictEqual(leftovers("hvshare"), []);
    });

    it("limits each run by the tighter of the wires and the uplink, and measures 4 synchronized guests at the uplink's limit", async () => {
        const doc = await runPlan({ ...plan, matrix: { ...plan.matrix, guestCounts: [1, 4] } }, { transport: new NetnsTransport() });
        const [one, four] = doc.runs;
        assert.strictEqual(one.limits.goodputMbps, 956.4, "one guest: its wire");
        assert.strictEqual(four.limits.goodputMbps, 956.4, "four guests: the uplink, not 4 x 956.4");
        assert.match(four.limits.basis, /^the shared uplink, 956\.4 Mb\/s/);
        for (const r of doc.runs) {
            assert.strictEqual(r.status, "ok", r.error);
            assert.ok(r.aggregate.goodputPct >= 95 && r.aggregate.goodputPct <= 100.5, `${r.id}: ${r.aggregate.goodputPct}% of the limit`);
        }
    });

    it("with starts staggered by 1.2 s: the late stream and the skew are named, each stream's samples are kept, their common-window sum stays within the uplink's limit, and the naive sum is far above", async () => {
        // 400 ms steps put g4 1.2 s late: clearly past the late-start bound (the larger of the skew
        // bound, 10% of 5 s and 2 intervals = 1 s), where a 1 s stagger would sit on it.
        const doc = await runPlan({ ...plan, matrix: { ...plan.matrix, guestCounts: [4] } }, { transport: new StaggeredTransport(400) });
        const run = doc.runs[0];
        assert.ok(run.skewMs >= 1150 && run.skewMs <= 1500, `skew ${run.skewMs} ms`);
        assert.ok(run.window.seconds > 1.5 && run.window.seconds < 3.5, `window ${run.window.seconds} s`);
        assert.notStrictEqual(run.status, "ok", "a run with a 1.2 s skew is never ok");
        assert.match(run.error!, /start skew \d+(\.\d)? ms exceeds hvnetlab:maxSkewMs \(250 ms\)/);
        const g4 = run.streams.find((s) => s.endpoint === "g4")!;
        assert.match(g4.error ?? "", /started 1\.\d+ s after the common start \(more than 1 s\): the client did not start when told to/);
        assert.ok(g4.throughputMbps > 0, "a stream that failed a check keeps its figure");
        // What the uplink carried while all four ran, from the samples every stream keeps.
        const windowSum = run.streams.reduce((a, s) => {
            assert.ok(s.samples.length > 0, `${s.endpoint} keeps its samples`);
            const interim = s.samples.map(([at, value], i) => ({
                at,
                value,
                units: "10^6bits/s",
                intervalSeconds: i === 0 ? plan.intervalSeconds : at - s.samples[i - 1][0],
            }));
            return a + meanOverWindow(interim, run.window);
        }, 0);
        const naive = run.streams.reduce((a, s) => a + (s.netperfReported ?? 0), 0);
        console.log(
            `      staggered: common window ${((100 * windowSum) / 956.4).toFixed(1)}% of the uplink's limit, sum of whole-test means ${((100 * naive) / 956.4).toFixed(1)}%`,
        );
        // 2% above: the shaper's 256 kB burst and the interim intervals' edges inside a window
        // under 3 s; the naive sum is ~20% above.
        assert.ok(windowSum <= 956.4 * 1.02 && windowSum >= 956.4 * 0.8, `common-window sum ${windowSum.toFixed(1)} Mb/s`);
        assert.ok(naive > 1.1 * 956.4, `the sum of whole-test means (${naive.toFixed(1)} Mb/s) overstates what the uplink carried`);
    });
});
