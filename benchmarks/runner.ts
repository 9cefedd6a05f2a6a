// The benchmark runner: checks every netserver answers, then runs every cell of the plan's matrix
// with a synchronized start, and returns one results document.
import { clientStart } from "./armed-wait";
import { commonWindow, meanOverWindow, startSkewMs, sum } from "./aggregate";
import { factsArgs, parseFacts } from "./facts";
import { goodputLimit, round } from "./limits";
import type { Cell, StreamPlan } from "./matrix";
import { expandMatrix, streamsOf, wireEnds } from "./matrix";
import type { InterimSample, NetperfResult } from "./netperf-client";
import { interimSamples, isMegabits, netperfArgs, parseNetperfOutput, reachabilityArgs } from "./netperf-client";
import { maxSkewOf, validatePlan } from "./plan-check";
import type { Transport } from "./transport";
import { spread } from "./stats";
import type {
    ClockReading,
    EndpointReport,
    Limits,
    Measurement,
    Plan,
    ResultsDocument,
    RunKey,
    RunResult,
    Sample,
    StreamResult,
} from "./types";

export type ProgressEvent =
    | { kind: "endpoints"; reports: Record<string, EndpointReport> }
    | { kind: "check"; pairs: number }
    | { kind: "start"; index: number; total: number; cell: Cell }
    | { kind: "done"; index: number; total: number; run: RunResult };

export interface RunnerOptions {
    readonly transport: Transport;
    readonly onProgress?: (event: ProgressEvent) => void;
    /**
     * Aborting stops the run: running netperf clients are killed, no further cell starts, and the
     * document comes back with what was measured, the rest marked not run (the reason is the
     * signal's reason).
     */
    readonly signal?: AbortSignal;
    /** Called with the results so far after every run, so that a caller can keep them safe. */
    readonly onResults?: (doc: ResultsDocument) => void;
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

const CPU_NOTE =
    "CPU utilization (netperf -c -C) is recorded as netperf reports it; inside a guest, CPU figures are unreliable because the hypervisor steals and accounts time the guest cannot see.";

/**
 * Checks the endpoints (facts, clocks, wires, every netserver), then measures every cell of the
 * matrix. A failing stream or run is recorded with its reason and the next cell runs; an abort
 * returns what was measured. Only a lab unfit to measure (the checks) throws.
 */
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
    const document = (incomplete?: string): ResultsDocument => ({
        schemaVersion: 1,
        platform: plan.platform,
        fingerprint: plan.fingerprint,
        ...(plan.comparable ? { comparable: plan.comparable } : {}),
        startedAt,
        finishedAt: new Date().toISOString(),
        notes: plan.cpu ? [CPU_NOTE] : [],
        endpoints,
        maxClockOffsetMs: plan.maxClockOffsetMs,
        ...(incomplete ? { incomplete } : {}),
        runs: [...runs, ...cells.slice(runs.length).map((c) => notRun(plan, c, incomplete ?? "not measured yet"))],
    });
    for (let i = 0; i < cells.length && !options.signal?.aborted; i++) {
        options.onProgress?.({ kind: "start", index: i, total: cells.length, cell: cells[i] });
        let run = await measureCell(plan, cells[i], offsets, options);
        if (options.signal?.aborted && run.status !== "ok") {
            run = {
                ...run,
                status: "failed",
                aggregate: NO_AGGREGATE,
                error: `interrupted (${abortReason(options.signal)}) while measuring`,
            };
        }
        runs.push(run);
        options.onProgress?.({ kind: "done", index: i, total: cells.length, run });
        if (i + 1 < cells.length) options.onResults?.(document(`${runs.length} of ${cells.length} runs measured so far`));
    }
    const measured = runs.filter((r) => !r.error?.startsWith("interrupted")).length;
    const done = document(
        options.signal?.aborted ? `${abortReason(options.signal)}: ${measured} of ${cells.length} runs measured` : undefined,
    );
    options.onResults?.(done);
    return done;
}

/** What stopped the run, in words: the abort signal's reason. */
export function abortReason(signal: AbortSignal): string {
    const r: unknown = signal.reason;
    if (typeof r === "string") return r;
    if (r instanceof Error && r.name !== "AbortError") return r.message;
    return "stopped";
}

/** A cell the runner never got to: failed, with why, and no numbers. */
export function notRun(plan: Pick<Plan, "limitBasis" | "uplinkMbps">, cell: Cell, why: string): RunResult {
    return {
        ...runIdentity(plan, cell),
        status: "failed",
        skewMs: 0,
        window: EMPTY_WINDOW,
        aggregate: NO_AGGREGATE,
        streams: [],
        error: `not run: ${why}`,
    };
}

/**
 * How far ahead of the common start the clients are launched: the plan's lead, but at least
 * 15 ms per stream (and 100 ms), since launching a process costs milliseconds on a busy machine
 * and a client launched after the start time starts late.
 */
export function startLeadMs(plan: Pick<Plan, "startLeadMs">, streams: number): number {
    return Math.max(plan.startLeadMs, 100 + 15 * streams);
}

/**
 * How long a netperf client may take before the runner kills it: its start lead, its duration,
 * and a grace of half the duration (at least 10 s) for connecting and the final handshake. A
 * stream on a dead wire or netserver therefore fails on time instead of hanging the run.
 */
export function netperfDeadlineMs(plan: Pick<Plan, "startLeadMs" | "durationSeconds">): number {
    return plan.startLeadMs + 1000 * (plan.durationSeconds + Math.max(10, plan.durationSeconds / 2));
}

/** Each endpoint's facts (kernel, CPU, hypervisor, its wire NICs) and clock offset, read in parallel. */
async function describeEndpoints(plan: Plan, options: RunnerOptions): Promise<Record<string, EndpointReport>> {
    const reports = await Promise.all(
        plan.endpoints.map(async (e): Promise<[string, EndpointReport]> => {
            const clock = await options.transport.clock(e, options.signal);
            const r = await options.transport.run(e, factsArgs(wireEnds(plan.wires, e.name).map((end) => `addr:${end.address}`)), {
                timeoutMs: 20000,
                signal: options.signal,
            });
            if (r.code !== 0)
                throw new ReachabilityError(
                    `cannot read the facts of endpoint ${e.name}: ${firstLine(r.stderr || r.stdout) || `exit ${r.code ?? r.signal}`}`,
                );
            return [e.name, { facts: parseFacts(r.stdout), clock }];
        }),
    );
    return Object.fromEntries(reports);
}

/** Refuses to go on when an endpoint's clock is further off than the plan allows. */
export function checkClocks(reports: Record<string, { clock: ClockReading }>, maxOffsetMs: number): void {
    const off = Object.entries(reports).filter(([, r]) => Math.abs(r.clock.offsetMs) > maxOffsetMs);
    if (off.length > 0) {
        throw new ClockOffsetError(
            `clock offset to the runner exceeds hvnetlab:maxClockOffsetMs (${maxOffsetMs} ms) on ${off.map(([n, r]) => `${n} (${r.clock.offsetMs.toFixed(1)} ms)`).join(", ")}: synchronize the clocks (chrony or ntpd against one source) and run again; concurrent streams cannot be aligned otherwise`,
        );
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
            if (
                plan.limitBasis === "ethernet" &&
                facts.virtualization === "none" &&
                nic.speedMbps !== undefined &&
                nic.speedMbps !== end.wire.speedMbps
            ) {
                problems.push(
                    `${e.name}: ${nic.name} (${end.address}) links at ${nic.speedMbps} Mb/s, the plan says ${end.wire.speedMbps}`,
                );
            }
        }
    }
    if (problems.length > 0) {
        throw new WireMismatchError(
            `the wires are not what the plan says:\n  ${problems.join("\n  ")}\nfix the NICs (or hvnetlab:mtu / hvnetlab:nicSpeedMbps) and run again: the limits would be wrong otherwise`,
        );
    }
}

/** One 1-byte transaction from every client to every server the matrix uses, all at once. */
async function checkReachable(plan: Plan, cells: readonly Cell[], options: RunnerOptions): Promise<void> {
    const pairs = new Map<string, StreamPlan>();
    for (const cell of cells) {
        for (const s of streamsOf(cell, plan.endpoints)) pairs.set(`${s.client.name}>${s.serverAddress}`, s);
    }
    options.onProgress?.({ kind: "check", pairs: pairs.size });
    const failures = await Promise.all(
        [...pairs.values()].map(async (s) => {
            const r = await options.transport.run(s.client, ["netperf", ...reachabilityArgs(s.serverAddress, plan.netserverPort)], {
                timeoutMs: 15000,
                signal: options.signal,
            });
            return r.code === 0
                ? undefined
                : `${s.client.name} -> netserver on ${s.server.name} at ${s.serverAddress}:${plan.netserverPort}: ${firstLine(r.stderr || r.stdout) || `exit ${r.code ?? r.signal}`}`;
        }),
    );
    const failed = failures.filter((f): f is string => f !== undefined);
    if (failed.length > 0) {
        throw new ReachabilityError(
            `netserver does not answer on ${failed.length} of ${pairs.size} wire(s); check that netserver runs on the port hvnetlab:netserverPort and that the wires are up:\n  ${failed.join("\n  ")}`,
        );
    }
}

/** Measures a cell hvnetlab:repeats times (stopping early on abort) and combines the repeats. */
async function measureCell(plan: Plan, cell: Cell, offsets: ReadonlyMap<string, number>, options: RunnerOptions): Promise<RunResult> {
    const repeats: RunResult[] = [];
    for (let i = 0; i < (plan.repeats ?? 1) && !(options.signal?.aborted && i > 0); i++) {
        repeats.push(await measureOnce(plan, cell, offsets, options));
    }
    return combineRepeats(repeats);
}

async function measureOnce(plan: Plan, cell: Cell, offsets: ReadonlyMap<string, number>, options: RunnerOptions): Promise<RunResult> {
    const streams = streamsOf(cell, plan.endpoints);
    const startAtMs = Date.now() + startLeadMs(plan, streams.length);
    const lead = startLeadMs(plan, streams.length);
    const outcomes = await Promise.all(
        streams.map(async (s): Promise<StreamOutcome> => {
            // Armed clients wait at most armedSeconds for their release, within the netserver's pad.
            const start = clientStart(cell.test, lead, plan.durationSeconds, options.transport.canRelease?.(s.client) ?? false);
            const release = start.release;
            const armedSeconds = start.release ? start.armedSeconds : 0;
            const timeoutMs = netperfDeadlineMs({
                startLeadMs: release ? armedSeconds * 1000 : lead,
                durationSeconds: start.netperfSeconds,
            });
            const argv = [
                "netperf",
                ...netperfArgs({
                    host: s.serverAddress,
                    port: plan.netserverPort,
                    test: cell.test,
                    durationSeconds: start.netperfSeconds,
                    intervalSeconds: plan.intervalSeconds,
                    messageBytes: cell.messageBytes,
                    cpu: plan.cpu,
                    ...(release ? { armedSeconds } : {}),
                }),
            ];
            try {
                const r = await options.transport.run(s.client, argv, { startAtMs, timeoutMs, signal: options.signal, release });
                const offset = offsets.get(s.client.name) ?? 0;
                if (r.code !== 0 || r.timedOut) {
                    // Keep what it measured before it stopped, with why it stopped.
                    const partial = toRunnerClock({ samples: interimSamples(r.stdout) }, offset).samples;
                    const why = r.timedOut
                        ? `netperf gave no result within its deadline of ${(timeoutMs / 1000).toFixed(0)} s (the wire or the netserver stopped answering)`
                        : `netperf exited ${r.code ?? r.signal}: ${netperfFailure(r.stdout, r.stderr)}`;
                    return { stream: s, error: why, partial };
                }
                const parsed = toRunnerClock(parseNetperfOutput(r.stdout), offset);
                if (parsed.samples.length === 0)
                    return { stream: s, error: "netperf printed no interim results (is it built with demo mode?)" };
                return { stream: s, parsed };
            } catch (err) {
                return { stream: s, error: (err as Error).message };
            }
        }),
    );
    return aggregateCell(plan, cell, outcomes);
}

/**
 * One run from its repeats: the aggregate is their mean over the repeats that measured, with the
 * spread (sd, CV, 95% t-interval); skew, window and streams are those of the repeat nearest the
 * mean. ok only when every repeat is ok.
 */
export function combineRepeats(repeats: readonly RunResult[]): RunResult {
    if (repeats.length === 0) throw new RangeError("no repeat to combine");
    if (repeats.length === 1) return repeats[0];
    const measured = repeats.filter((r) => r.status !== "failed");
    const measurements: Measurement[] = repeats.map(({ status, skewMs, window, aggregate, streams, error }) => ({
        status,
        skewMs,
        window,
        aggregate,
        streams,
        ...(error ? { error } : {}),
    }));
    const reasons = repeats.flatMap((r, i) => (r.error ? [`repeat ${i + 1}: ${r.error}`] : []));
    if (measured.length === 0) return { ...repeats[0], repeats: measurements, error: reasons.join("; ") };
    const s = spread(measured.map((r) => r.aggregate.throughputMbps));
    const mean = (pick: (r: RunResult) => number) => round(measured.reduce((a, r) => a + pick(r), 0) / measured.length, 2);
    const nearest = measured.reduce((best, r) =>
        Math.abs(r.aggregate.throughputMbps - s.mean) < Math.abs(best.aggregate.throughputMbps - s.mean) ? r : best,
    );
    const tps = measured.every((r) => r.aggregate.transactionsPerSec !== undefined)
        ? { transactionsPerSec: mean((r) => r.aggregate.transactionsPerSec!) }
        : {};
    const { error: _nearestError, ...representative } = nearest;
    return {
        ...representative,
        status: repeats.every((r) => r.status === "ok") ? "ok" : "partial",
        aggregate: {
            throughputMbps: mean((r) => r.aggregate.throughputMbps),
            lineRatePct: mean((r) => r.aggregate.lineRatePct),
            goodputPct: mean((r) => r.aggregate.goodputPct),
            ...tps,
        },
        stats: {
            n: s.n,
            meanMbps: round(s.mean, 2),
            sdMbps: round(s.sd, 2),
            cvPct: round(s.cvPct, 2),
            ci95Mbps: [round(s.ci95[0], 2), round(s.ci95[1], 2)],
        },
        repeats: measurements,
        ...(reasons.length > 0 ? { error: reasons.join("; ") } : {}),
    };
}

/** netperf stamps interim results with the client's clock; move them onto the runner's. */
export function toRunnerClock<T extends Pick<NetperfResult, "samples">>(result: T, offsetMs: number): T {
    if (offsetMs === 0) return result;
    return { ...result, samples: result.samples.map((x) => ({ ...x, at: x.at - offsetMs / 1000 })) };
}

export interface StreamOutcome {
    readonly stream: StreamPlan;
    readonly parsed?: NetperfResult;
    readonly error?: string;
    /** The interim samples of a stream that failed part-way. */
    readonly partial?: readonly InterimSample[];
}

/**
 * Why a run whose streams all measured is still not ok: streams that started too far apart to
 * share most of the test, or a window too short to leave out the warm-up (it then holds slow start).
 */
export function judge(skewMs: number, window: { seconds: number; trimmed?: boolean }, maxSkewMs: number, warmupSeconds: number): string[] {
    const reasons: string[] = [];
    if (skewMs > maxSkewMs) reasons.push(`start skew ${round(skewMs, 1)} ms exceeds hvnetlab:maxSkewMs (${maxSkewMs} ms)`);
    if (window.trimmed === false)
        reasons.push(
            `the common window (${round(window.seconds, 2)} s) was too short to leave out the ${warmupSeconds} s warm-up: run longer`,
        );
    return reasons;
}

const EMPTY_WINDOW = { start: 0, end: 0, seconds: 0 };
const NO_AGGREGATE = { throughputMbps: 0, lineRatePct: 0, goodputPct: 0 };

/**
 * A cell's key and limits: the sum of its wires', or a shared uplink's where that is tighter
 * (the basis says which).
 */
function runIdentity(plan: Pick<Plan, "limitBasis" | "uplinkMbps">, cell: Cell): RunKey & { limits: Limits } {
    const wire = cell.wires[0];
    const perWire = goodputLimit(wire.speedMbps, wire.mtu, plan.limitBasis, cell.test, cell.messageBytes);
    let limits: Limits = {
        lineRateMbps: perWire.lineRateMbps * cell.guests,
        goodputMbps: round(perWire.goodputMbps * cell.guests, 1),
        basis: `${cell.guests} x ${perWire.goodputMbps} Mb/s: ${perWire.basis}`,
    };
    if (plan.uplinkMbps !== undefined) {
        const uplink = goodputLimit(plan.uplinkMbps, wire.mtu, plan.limitBasis, cell.test, cell.messageBytes);
        if (uplink.goodputMbps < limits.goodputMbps) {
            limits = {
                lineRateMbps: uplink.lineRateMbps,
                goodputMbps: uplink.goodputMbps,
                basis: `the shared uplink, ${uplink.goodputMbps} Mb/s: ${uplink.basis}`,
            };
        }
    }
    return {
        id: cell.id,
        experiment: cell.experiment,
        peer: cell.peer,
        test: cell.test,
        messageBytes: cell.messageBytes,
        guests: cell.guests,
        limits,
    };
}

/** Turns the netperf outcomes of one cell into a run result (pure: tested on captured output). */
export function aggregateCell(
    plan: Pick<Plan, "limitBasis" | "uplinkMbps" | "warmupSeconds" | "intervalSeconds" | "durationSeconds" | "maxSkewMs">,
    cell: Cell,
    outcomes: readonly StreamOutcome[],
): RunResult {
    const ok = outcomes.filter((o) => o.parsed !== undefined);
    const base = runIdentity(plan, cell);
    const failedStream = (o: StreamOutcome): StreamResult => ({
        ...streamIdentity(o.stream),
        throughputMbps: 0,
        samples: samplesOf(o.parsed?.samples ?? o.partial),
        error: o.error ?? "no result",
    });
    if (ok.length === 0) {
        const reasons = [...new Set(outcomes.map((o) => o.error ?? "no result"))];
        return {
            ...base,
            status: "failed",
            skewMs: 0,
            window: EMPTY_WINDOW,
            aggregate: NO_AGGREGATE,
            streams: outcomes.map(failedStream),
            error: `every stream failed: ${reasons.join("; ")}`,
        };
    }
    const series = ok.map((o) => o.parsed!.samples);
    let window;
    try {
        window = commonWindow(series, plan.warmupSeconds, plan.intervalSeconds, plan.intervalSeconds * 2);
    } catch (err) {
        return {
            ...base,
            status: "failed",
            skewMs: round(startSkewMs(series), 1),
            window: EMPTY_WINDOW,
            aggregate: NO_AGGREGATE,
            streams: outcomes.map(failedStream),
            error: (err as Error).message,
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
        const throughputMbps = rr ? (mean * cell.messageBytes * 8) / 1e6 : megabits ? mean * delivered : 0;
        return {
            ...streamIdentity(o.stream),
            throughputMbps: round(throughputMbps, 2),
            ...(rr ? { transactionsPerSec: round(mean, 2) } : {}),
            netperfReported: p.throughput,
            samples: samplesOf(p.samples),
            ...(p.localCpuPct !== undefined ? { localCpuPct: p.localCpuPct } : {}),
            ...(p.remoteCpuPct !== undefined ? { remoteCpuPct: p.remoteCpuPct } : {}),
        };
    });
    const throughputMbps = round(sum(streams.map((s) => s.throughputMbps)), 2);
    const warnings = laggards(streams.filter((s) => !s.error));
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
            lineRatePct: round((100 * throughputMbps) / base.limits.lineRateMbps, 2),
            goodputPct: round((100 * throughputMbps) / base.limits.goodputMbps, 2),
            ...(rr ? { transactionsPerSec: round(sum(streams.map((s) => s.transactionsPerSec ?? 0)), 2) } : {}),
        },
        streams,
        ...(reasons.length > 0 ? { error: reasons.join("; ") } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
    };
}

/** A stream is a laggard when it carried less than half the mean of the run's other streams. */
export const LAGGARD_FRACTION = 0.5;

/** Warnings for the streams that lagged far behind the others of their run. */
export function laggards(streams: readonly Pick<StreamResult, "endpoint" | "throughputMbps">[]): string[] {
    if (streams.length < 2) return [];
    const total = sum(streams.map((s) => s.throughputMbps));
    return streams.flatMap((s) => {
        const others = (total - s.throughputMbps) / (streams.length - 1);
        return others > 0 && s.throughputMbps < LAGGARD_FRACTION * others
            ? [
                  `${s.endpoint}'s stream carried ${round(s.throughputMbps, 1)} Mb/s, ${round((100 * s.throughputMbps) / others, 1)}% of the others' mean (${round(others, 1)} Mb/s): look at its wire and NIC`,
              ]
            : [];
    });
}

function streamIdentity(s: StreamPlan) {
    return { endpoint: s.wire.guest, nic: s.wire.guestNic, client: s.client.name, server: s.server.name };
}

function samplesOf(samples: readonly InterimSample[] | undefined): Sample[] {
    return (samples ?? []).map((s) => [s.at, s.value] as Sample);
}

/**
 * What netperf said when it failed: its stderr, else the line of its output that reports the
 * failure (an armed netperf runs in debug mode and writes its setup steps before it).
 */
export function netperfFailure(stdout: string, stderr: string): string {
    const lines = (text: string) =>
        text
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter(Boolean);
    const err = lines(stderr);
    if (err.length > 0) return err[0];
    const out = lines(stdout).filter((l) => !/signal catcher/.test(l));
    const said = out.filter((l) => /could not|are you sure|error|refused|unreachable|timed out|failed/i.test(l));
    return said.find((l) => /are you sure/.test(l)) ?? said[said.length - 1] ?? out[out.length - 1] ?? "no output";
}

function firstLine(text: string): string {
    return text.trim().split(/\r?\n/)[0]?.trim() ?? "";
}
