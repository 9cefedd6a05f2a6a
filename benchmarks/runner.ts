// The benchmark runner: checks every netserver answers, then runs every cell of the plan's matrix
// with a synchronized start, and returns one results document.
import { commonWindow, meanOverWindow, startSkewMs, sum } from "./aggregate";
import { factsArgs, parseFacts } from "./facts";
import { goodputLimit, round } from "./limits";
import { Cell, expandMatrix, StreamPlan, streamsOf, wireEnds } from "./matrix";
import { isMegabits, netperfArgs, NetperfResult, parseNetperfOutput, reachabilityArgs } from "./netperf";
import { maxSkewOf, validatePlan } from "./plan";
import { Transport } from "./transport";
import { ClockReading, EndpointReport, Plan, ResultsDocument, RunResult, Sample, StreamResult } from "./types";

export type ProgressEvent =
    | { kind: "endpoints"; reports: Record<string, EndpointReport> }
    | { kind: "check"; pairs: number }
    | { kind: "start"; index: number; total: number; cell: Cell }
    | { kind: "done"; index: number; total: number; run: RunResult };

export interface RunnerOptions {
    readonly transport: Transport;
    readonly onProgress?: (event: ProgressEvent) => void;
    /** Aborting stops the run: running netperf clients are killed and no further cell starts. */
    readonly signal?: AbortSignal;
}

export class ReachabilityError extends Error {
    readonly name = "ReachabilityError";
}

export class WireMismatchError extends Error {
    readonly name = "WireMismatchError";
}

export class ClockOffsetError extends Error {
    readonly name = "ClockOffsetError";
}

export class RunAbortedError extends Error {
    readonly name = "RunAbortedError";
}

const CPU_NOTE = "CPU utilization (netperf -c -C) is recorded as netperf reports it; inside a guest, CPU figures are unreliable because the hypervisor steals and accounts time the guest cannot see.";

export async function runPlan(plan: Plan, options: RunnerOptions): Promise<ResultsDocument> {
    validatePlan(plan);
    const startedAt = new Date().toISOString();
    const cells = expandMatrix(plan.matrix, plan.wires);
    const endpoints = await describeEndpoints(plan, options);
    options.onProgress?.({ kind: "endpoints", reports: endpoints });
    checkClocks(endpoints, plan.maxClockOffsetMs);
    checkWires(plan, endpoints);
    await checkReachable(plan, cells, options);
    const offsets = new Map(Object.entries(endpoints).map(([name, r]) => [name, r.clock.offsetMs]));
    const runs: RunResult[] = [];
    for (let i = 0; i < cells.length; i++) {
        if (options.signal?.aborted) throw new RunAbortedError(`run aborted after ${i} of ${cells.length} cells`);
        options.onProgress?.({ kind: "start", index: i, total: cells.length, cell: cells[i] });
        const run = await runCell(plan, cells[i], offsets, options);
        if (options.signal?.aborted) throw new RunAbortedError(`run aborted during cell ${cells[i].id}`);
        runs.push(run);
        options.onProgress?.({ kind: "done", index: i, total: cells.length, run });
    }
    return {
        schemaVersion: 1,
        platform: plan.platform,
        fingerprint: plan.fingerprint,
        ...(plan.comparable ? { comparable: plan.comparable } : {}),
        startedAt,
        finishedAt: new Date().toISOString(),
        notes: plan.cpu ? [CPU_NOTE] : [],
        endpoints,
        maxClockOffsetMs: plan.maxClockOffsetMs,
        runs,
    };
}

/** Each endpoint's facts (kernel, CPU, hypervisor, its wire NICs) and clock offset, read in parallel. */
async function describeEndpoints(plan: Plan, options: RunnerOptions): Promise<Record<string, EndpointReport>> {
    const reports = await Promise.all(plan.endpoints.map(async (e): Promise<[string, EndpointReport]> => {
        const clock = await options.transport.clock(e, options.signal);
        const r = await options.transport.run(e, factsArgs(wireEnds(plan.wires, e.name).map((end) => `addr:${end.address}`)), { timeoutMs: 20000, signal: options.signal });
        if (r.code !== 0) throw new ReachabilityError(`cannot read the facts of endpoint ${e.name}: ${firstLine(r.stderr || r.stdout) || `exit ${r.code ?? r.signal}`}`);
        return [e.name, { facts: parseFacts(r.stdout), clock }];
    }));
    return Object.fromEntries(reports);
}

/** Refuses to go on when an endpoint's clock is further off than the plan allows. */
export function checkClocks(reports: Record<string, { clock: ClockReading }>, maxOffsetMs: number): void {
    const off = Object.entries(reports).filter(([, r]) => Math.abs(r.clock.offsetMs) > maxOffsetMs);
    if (off.length > 0) {
        throw new ClockOffsetError(`clock offset to the runner exceeds hvnetlab:maxClockOffsetMs (${maxOffsetMs} ms) on ${off.map(([n, r]) => `${n} (${r.clock.offsetMs.toFixed(1)} ms)`).join(", ")}: synchronize the clocks (chrony or ntpd against one source) and run again; concurrent streams cannot be aligned otherwise`);
    }
}

/**
 * Every wire end as the plan says, read on its endpoint: a NIC holds the address, with the wire's
 * MTU; and on bare metal with an Ethernet limit, the wire's link speed (virtual NICs report speeds
 * that mean nothing, and the local lab's veths are shaped below theirs). A mismatch stops the run:
 * the limits would be wrong.
 */
export function checkWires(plan: Pick<Plan, "endpoints" | "wires" | "limitBasis">, reports: Record<string, EndpointReport>): void {
    const problems: string[] = [];
    for (const e of plan.endpoints) {
        const facts = reports[e.name]?.facts;
        if (!facts) continue;
        for (const end of wireEnds(plan.wires, e.name)) {
            const nic = facts.nics.find((n) => n.address === end.address);
            if (!nic || nic.name === "missing") {
                problems.push(`${e.name}: no NIC holds the wire address ${end.address}`);
                continue;
            }
            if (nic.mtu !== undefined && nic.mtu !== end.wire.mtu) {
                problems.push(`${e.name}: ${nic.name} (${end.address}) has MTU ${nic.mtu}, the plan says ${end.wire.mtu}`);
            }
            if (plan.limitBasis === "ethernet" && facts.virtualization === "none" && nic.speedMbps !== undefined && nic.speedMbps !== end.wire.speedMbps) {
                problems.push(`${e.name}: ${nic.name} (${end.address}) links at ${nic.speedMbps} Mb/s, the plan says ${end.wire.speedMbps}`);
            }
        }
    }
    if (problems.length > 0) {
        throw new WireMismatchError(`the wires are not what the plan says:\n  ${problems.join("\n  ")}\nfix the NICs (or hvnetlab:mtu / hvnetlab:nicSpeedMbps) and run again: the limits would be wrong otherwise`);
    }
}

/** One 1-byte transaction from every client to every server the matrix uses, all at once. */
async function checkReachable(plan: Plan, cells: readonly Cell[], options: RunnerOptions): Promise<void> {
    const pairs = new Map<string, StreamPlan>();
    for (const cell of cells) {
        for (const s of streamsOf(cell, plan.endpoints)) pairs.set(`${s.client.name}>${s.serverAddress}`, s);
    }
    options.onProgress?.({ kind: "check", pairs: pairs.size });
    const failures = await Promise.all([...pairs.values()].map(async (s) => {
        const r = await options.transport.run(s.client, ["netperf", ...reachabilityArgs(s.serverAddress, plan.netserverPort)], {
            timeoutMs: 15000, signal: options.signal,
        });
        return r.code === 0 ? undefined
            : `${s.client.name} -> netserver on ${s.server.name} at ${s.serverAddress}:${plan.netserverPort}: ${firstLine(r.stderr || r.stdout) || `exit ${r.code ?? r.signal}`}`;
    }));
    const failed = failures.filter((f): f is string => f !== undefined);
    if (failed.length > 0) {
        throw new ReachabilityError(`netserver does not answer on ${failed.length} of ${pairs.size} wire(s); check that netserver runs on the port hvnetlab:netserverPort and that the wires are up:\n  ${failed.join("\n  ")}`);
    }
}

async function runCell(plan: Plan, cell: Cell, offsets: ReadonlyMap<string, number>, options: RunnerOptions): Promise<RunResult> {
    const streams = streamsOf(cell, plan.endpoints);
    const startAtMs = Date.now() + plan.startLeadMs;
    const timeoutMs = (plan.durationSeconds + 30) * 1000;
    const outcomes = await Promise.all(streams.map(async (s) => {
        const argv = ["netperf", ...netperfArgs({
            host: s.serverAddress, port: plan.netserverPort, test: cell.test, durationSeconds: plan.durationSeconds,
            intervalSeconds: plan.intervalSeconds, messageBytes: cell.messageBytes, cpu: plan.cpu,
        })];
        try {
            const r = await options.transport.run(s.client, argv, { startAtMs, timeoutMs, signal: options.signal });
            if (r.code !== 0) return { stream: s, error: `netperf exited ${r.code ?? r.signal}: ${firstLine(r.stderr || r.stdout)}` };
            const parsed = toRunnerClock(parseNetperfOutput(r.stdout), offsets.get(s.client.name) ?? 0);
            if (parsed.samples.length === 0) return { stream: s, error: "netperf printed no interim results (is it built with demo mode?)" };
            return { stream: s, parsed };
        } catch (err) {
            return { stream: s, error: (err as Error).message };
        }
    }));
    return aggregateCell(plan, cell, outcomes);
}

/** netperf stamps interim results with the client's clock; move them onto the runner's. */
export function toRunnerClock(result: NetperfResult, offsetMs: number): NetperfResult {
    if (offsetMs === 0) return result;
    return { ...result, samples: result.samples.map((x) => ({ ...x, at: x.at - offsetMs / 1000 })) };
}

export interface StreamOutcome {
    readonly stream: StreamPlan;
    readonly parsed?: NetperfResult;
    readonly error?: string;
}

/** Turns the netperf outcomes of one cell into a run result (pure: tested on captured output). */
/**
 * Why a run whose streams all measured is still not ok: streams that started too far apart to
 * share most of the test, or a window too short to leave out the warm-up (it then holds slow start).
 */
export function judge(skewMs: number, window: { seconds: number; trimmed?: boolean }, maxSkewMs: number, warmupSeconds: number): string[] {
    const reasons: string[] = [];
    if (skewMs > maxSkewMs) reasons.push(`start skew ${round(skewMs, 1)} ms exceeds hvnetlab:maxSkewMs (${maxSkewMs} ms)`);
    if (window.trimmed === false) reasons.push(`the common window (${round(window.seconds, 2)} s) was too short to leave out the ${warmupSeconds} s warm-up: run longer`);
    return reasons;
}

export function aggregateCell(plan: Pick<Plan, "limitBasis" | "warmupSeconds" | "intervalSeconds" | "durationSeconds" | "maxSkewMs">, cell: Cell, outcomes: readonly StreamOutcome[]): RunResult {
    const wire = cell.wires[0];
    const perWire = goodputLimit(wire.speedMbps, wire.mtu, plan.limitBasis, cell.test, cell.messageBytes);
    const limits = {
        lineRateMbps: perWire.lineRateMbps * cell.guests,
        goodputMbps: round(perWire.goodputMbps * cell.guests, 1),
        basis: `${cell.guests} x ${perWire.goodputMbps} Mb/s: ${perWire.basis}`,
    };
    const ok = outcomes.filter((o) => o.parsed !== undefined);
    const base = { id: cell.id, experiment: cell.experiment, peer: cell.peer, test: cell.test, messageBytes: cell.messageBytes, guests: cell.guests, limits };
    const failedStream = (o: StreamOutcome): StreamResult => ({
        ...streamIdentity(o.stream), throughputMbps: 0, samples: samplesOf(o.parsed), error: o.error ?? "no result",
    });
    if (ok.length === 0) {
        return {
            ...base, status: "failed", skewMs: 0, window: { start: 0, end: 0, seconds: 0 },
            aggregate: { throughputMbps: 0, lineRatePct: 0, goodputPct: 0 },
            streams: outcomes.map(failedStream), error: "every stream failed",
        };
    }
    const series = ok.map((o) => o.parsed!.samples);
    let window;
    try {
        window = commonWindow(series, plan.warmupSeconds, plan.intervalSeconds, plan.intervalSeconds * 2);
    } catch (err) {
        return {
            ...base, status: "failed", skewMs: round(startSkewMs(series), 1), window: { start: 0, end: 0, seconds: 0 },
            aggregate: { throughputMbps: 0, lineRatePct: 0, goodputPct: 0 },
            streams: outcomes.map(failedStream), error: (err as Error).message,
        };
    }
    const rr = cell.test === "TCP_RR";
    const streams: StreamResult[] = outcomes.map((o) => {
        if (!o.parsed) return failedStream(o);
        const p = o.parsed;
        const mean = meanOverWindow(p.samples, window);
        const megabits = isMegabits(p.units);
        // UDP interim samples count what the sender sent; scale by what the receiver got.
        const delivered = cell.test === "UDP_STREAM" && p.localSendThroughput ? Math.min(1, p.throughput / p.localSendThroughput) : 1;
        const throughputMbps = rr ? mean * cell.messageBytes * 8 / 1e6 : megabits ? mean * delivered : 0;
        return {
            ...streamIdentity(o.stream),
            throughputMbps: round(throughputMbps, 2),
            ...(rr ? { transactionsPerSec: round(mean, 2) } : {}),
            netperfReported: p.throughput,
            samples: samplesOf(p),
            ...(p.localCpuPct !== undefined ? { localCpuPct: p.localCpuPct } : {}),
            ...(p.remoteCpuPct !== undefined ? { remoteCpuPct: p.remoteCpuPct } : {}),
        };
    });
    const throughputMbps = round(sum(streams.map((s) => s.throughputMbps)), 2);
    const skewMs = round(startSkewMs(series), 1);
    const reasons = [
        ...(ok.length < outcomes.length ? [`${outcomes.length - ok.length} of ${outcomes.length} streams failed`] : []),
        ...judge(skewMs, window, maxSkewOf(plan), plan.warmupSeconds),
    ];
    const status = reasons.length === 0 ? "ok" : "partial";
    return {
        ...base,
        status,
        skewMs,
        window: { start: round(window.start, 3), end: round(window.end, 3), seconds: round(window.seconds, 3) },
        aggregate: {
            throughputMbps,
            lineRatePct: round(100 * throughputMbps / limits.lineRateMbps, 2),
            goodputPct: round(100 * throughputMbps / limits.goodputMbps, 2),
            ...(rr ? { transactionsPerSec: round(sum(streams.map((s) => s.transactionsPerSec ?? 0)), 2) } : {}),
        },
        streams,
        ...(reasons.length > 0 ? { error: reasons.join("; ") } : {}),
    };
}

function streamIdentity(s: StreamPlan) {
    return { endpoint: s.wire.guest, nic: s.wire.guestNic, client: s.client.name, server: s.server.name };
}

function samplesOf(p: NetperfResult | undefined): Sample[] {
    return p ? p.samples.map((s) => [s.at, s.value] as Sample) : [];
}

function firstLine(text: string): string {
    return text.trim().split(/\r?\n/)[0]?.trim() ?? "";
}
