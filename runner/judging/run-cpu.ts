// A judged run's CPU: its machines' and processes' over its window (runner/sampling/), its hypervisor
// hosts', the service demand of each stream's sender and receiver and of the run's host side, and
// the verdict of what limited it (runner/judging/bottleneck.ts).
import { bottleneck } from "./bottleneck";
import { sum } from "./common-window";
import { goodputLimit } from "../../model";
import type { Cell, NetperfTest, Plan, RunResult, StreamResult } from "../../model";
import type { HostSamplerSource, SamplerSource } from "../sampling";
import { hostDemandUsPerKB, processDemandUsPerKB, runCpu, withHostCpu } from "../sampling";

/** Which program sends and which receives a stream's data: netperf's client sends except in TCP_MAERTS. */
export function senderIsClient(test: NetperfTest): boolean {
    return test !== "TCP_MAERTS";
}

/**
 * The span a run without a common window is sampled over (epoch seconds, runner's clock): its
 * planned test, from the common start `plannedStart` plus the warm-up to the duration less one
 * interval, as the window would have been. Undefined without a planned start.
 */
export function plannedWindow(
    plan: Partial<Pick<Plan, "durationSeconds" | "warmupSeconds" | "intervalSeconds">>,
    plannedStart?: number,
): { start: number; end: number; seconds: number } | undefined {
    if (plannedStart === undefined || plan.durationSeconds === undefined) return undefined;
    const start = plannedStart + (plan.warmupSeconds ?? 0);
    const end = plannedStart + plan.durationSeconds - (plan.intervalSeconds ?? 0);
    return end > start ? { start, end, seconds: end - start } : undefined;
}

/**
 * A judged run with its host-side CPU over its window (from its samplers' outputs, and its
 * hypervisor hosts' samplers' in `hosts`: runner/sampling/host-sampler.ts), each stream's sender and
 * receiver service demand, the run's host-side service demand and its bottleneck
 * (runner/judging/bottleneck.ts). Whatever the run's status: a failed or partial run keeps its CPU
 * figures and its verdict, over its common window, or, when it has none, over its planned test
 * (`plannedStart`, the run's common start in epoch seconds: plannedWindow). Every stream counts
 * with its figure, whatever its checks said. Pure.
 */
export function withCpu(
    plan: Pick<Plan, "limitBasis"> & Partial<Pick<Plan, "durationSeconds" | "warmupSeconds" | "intervalSeconds">>,
    cell: Cell,
    run: RunResult,
    sources: readonly SamplerSource[],
    hosts: readonly HostSamplerSource[] = [],
    plannedStart?: number,
): RunResult {
    const window = run.window.seconds > 0 ? run.window : plannedWindow(plan, plannedStart);
    if (!window) return run;
    const figures = withHostCpu(
        runCpu(sources, window),
        hosts,
        window,
        cell.wires.map((w) => w.guest),
    );
    const clientSends = senderIsClient(cell.test);
    const mbpsOf = (endpoint: string, program: string) =>
        sum(
            run.streams.filter((s) => (program === "netperf" ? s.client === endpoint : s.server === endpoint)).map((s) => s.throughputMbps),
        );
    const demand = (endpoint: string, program: string) => processDemandUsPerKB(figures, endpoint, program, mbpsOf(endpoint, program));
    const streams = run.streams.map((s): StreamResult => {
        const [sender, receiver] = clientSends
            ? [demand(s.client, "netperf"), demand(s.server, "netserver")]
            : [demand(s.server, "netserver"), demand(s.client, "netperf")];
        return {
            ...s,
            ...(sender !== undefined ? { senderDemandUsPerKB: sender } : {}),
            ...(receiver !== undefined ? { receiverDemandUsPerKB: receiver } : {}),
        };
    });
    const host = hostDemandUsPerKB(figures, run.aggregate.throughputMbps);
    const cpu = { ...figures, ...(host !== undefined ? { hostDemandUsPerKB: host } : {}) };
    const wire = cell.wires[0];
    const perWire = goodputLimit(wire.speedMbps, wire.mtu, plan.limitBasis, cell.test, cell.messageBytes).goodputMbps;
    const verdict = bottleneck({
        goodputPct: run.aggregate.goodputPct,
        streams: run.streams.map((s) => ({
            endpoint: s.endpoint,
            goodputPct: (100 * s.throughputMbps) / perWire,
            machines: [s.client, s.server],
        })),
        cpu,
    });
    return { ...run, streams, cpu, bottleneck: verdict };
}
