// The judging: a cell's netperf outcomes turned into a run result (the common window, each
// stream's checks, the figures and the status), and a cell's repeats combined into one.
import type { Window } from "./common-window";
import { commonWindow, meanOverWindow, startSkewMs, streamSpan, sum } from "./common-window";
import { goodputLimit, round } from "../../model";
import type { Cell, StreamPlan } from "../../model";
import type { InterimSample, NetperfResult } from "../netperf";
import { isMegabits } from "../netperf";
import { maxSkewOf } from "../../model";
import { spread } from "./statistics";
import {
    consistencyProblem,
    coverageProblem,
    noTrafficProblem,
    samplesMean,
    steadinessProblem,
    streamProblems,
    timeFrameProblems,
    UDP_LOSS_WARN_PCT,
    udpDelivery,
    windowProblem,
} from "./stream-checks";
import type {
    ClockCheck,
    ClockReading,
    LatencyFigures,
    Limits,
    Measurement,
    NetperfTest,
    Plan,
    RunKey,
    RunResult,
    Sample,
    StreamResult,
} from "../../model";
import { bottleneck } from "./bottleneck";
import type { SamplerSource } from "../sampling";
import { hostDemandUsPerKB, processDemandUsPerKB, runCpu } from "../sampling";
import type { HostSamplerSource } from "../sampling";
import { withHostCpu } from "../sampling";

/**
 * What one netperf client of a run gave: its parsed output, or why it failed (runner/netperf/
 * diagnosis.ts), with whatever it printed kept (netperf's final figures in `parsed`, its
 * interim results in `partial`).
 */
export interface StreamOutcome {
    readonly stream: StreamPlan;
    readonly parsed?: NetperfResult;
    readonly error?: string;
    /** The interim samples of a stream that failed. */
    readonly partial?: readonly InterimSample[];
    /** The run's common start on the runner's clock (epoch seconds): a later first interval is a late start. */
    readonly plannedStart?: number;
    /** The test length the client was given (-l), in seconds; absent: the planned duration. */
    readonly netperfSeconds?: number;
}

/**
 * One run from its repeats: the aggregate is their mean over the repeats that measured (ok or
 * partial), with the spread (sd, CV, 95% t-interval); skew, window, streams, CPU figures and
 * bottleneck are those of the repeat nearest the mean. ok only when every repeat is ok; failed
 * when none measured, with the mean of the failed repeats' figures (each kept what it measured)
 * and no spread. Every repeat is kept whole in `repeats`, its CPU figures, verdict, warnings and
 * clocks included.
 */
export function combineRepeats(repeats: readonly RunResult[]): RunResult {
    if (repeats.length === 0) throw new RangeError("no repeat to combine");
    if (repeats.length === 1) return repeats[0];
    const ok = repeats.filter((r) => r.status !== "failed");
    const measured = ok.length > 0 ? ok : repeats;
    const measurements: Measurement[] = repeats.map(
        ({ status, skewMs, window, aggregate, streams, cpu, bottleneck, error, warnings, clocks }) => ({
            status,
            skewMs,
            window,
            aggregate,
            streams,
            ...(cpu ? { cpu } : {}),
            ...(bottleneck ? { bottleneck } : {}),
            ...(error ? { error } : {}),
            ...(warnings ? { warnings } : {}),
            ...(clocks ? { clocks } : {}),
        }),
    );
    const reasons = repeats.flatMap((r, i) => (r.error ? [`repeat ${i + 1}: ${r.error}`] : []));
    const s = spread(measured.map((r) => r.aggregate.throughputMbps));
    const mean = (pick: (r: RunResult) => number) => round(measured.reduce((a, r) => a + pick(r), 0) / measured.length, 2);
    const nearest = measured.reduce((best, r) =>
        Math.abs(r.aggregate.throughputMbps - s.mean) < Math.abs(best.aggregate.throughputMbps - s.mean) ? r : best,
    );
    const tps = measured.every((r) => r.aggregate.transactionsPerSec !== undefined)
        ? { transactionsPerSec: mean((r) => r.aggregate.transactionsPerSec!) }
        : {};
    const loss = measured.every((r) => r.aggregate.lossPct !== undefined) ? { lossPct: mean((r) => r.aggregate.lossPct!) } : {};
    const meanOf = (key: "messagesPerSec" | "sentPps" | "receivedPps") =>
        measured.every((r) => r.aggregate[key] !== undefined)
            ? {
                  [key]: round(
                      mean((r) => r.aggregate[key]!),
                      0,
                  ),
              }
            : {};
    // The repeats' round-trip times combine as streams' do: each repeat weighted by its transactions.
    const latency = runLatency(measured.map((r) => ({ latency: r.aggregate.latency, transactionsPerSec: r.aggregate.transactionsPerSec })));
    const { error: _nearestError, ...representative } = nearest;
    return {
        ...representative,
        status: ok.length === 0 ? "failed" : repeats.every((r) => r.status === "ok") ? "ok" : "partial",
        aggregate: {
            throughputMbps: mean((r) => r.aggregate.throughputMbps),
            lineRatePct: mean((r) => r.aggregate.lineRatePct),
            goodputPct: mean((r) => r.aggregate.goodputPct),
            ...tps,
            ...loss,
            ...meanOf("messagesPerSec"),
            ...meanOf("sentPps"),
            ...meanOf("receivedPps"),
            ...(latency ? { latency } : {}),
        },
        ...(ok.length > 0
            ? {
                  stats: {
                      n: s.n,
                      meanMbps: round(s.mean, 2),
                      sdMbps: round(s.sd, 2),
                      cvPct: round(s.cvPct, 2),
                      ci95Mbps: [round(s.ci95[0], 2), round(s.ci95[1], 2)] as [number, number],
                  },
              }
            : {}),
        repeats: measurements,
        ...(reasons.length > 0 ? { error: reasons.join("; ") } : {}),
    };
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

export const EMPTY_WINDOW = { start: 0, end: 0, seconds: 0 };
export const NO_AGGREGATE = { throughputMbps: 0, lineRatePct: 0, goodputPct: 0 };

/**
 * A cell's key and limits: the sum of its wires', or a shared uplink's where that is tighter
 * (the basis says which).
 */
export function runIdentity(plan: Pick<Plan, "limitBasis" | "uplinkMbps">, cell: Cell): RunKey & { limits: Limits } {
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

/**
 * Turns the netperf outcomes of one cell into a run result (pure: tested on captured output).
 *
 * A check marks a stream, it never takes its figure away (docs/measuring.md, "Stream checks"):
 * every stream keeps its samples, netperf's own figure and its window mean, whatever the checks
 * say. Every stream that printed interim results and a final line is checked
 * (runner/judging/stream-checks.ts). Failures, each a phrase in the stream's `error`: traffic carried
 * (for UDP, delivered), ELAPSED_TIME against the duration, interim results covering the time
 * netperf ran, without a stall, a start on time (when the outcome carries the planned start),
 * stamps that never go back, and netperf's whole-test figure against the mean of all its interim
 * results. Doubts, each a phrase in the stream's `warnings`: its time frame against the runner's
 * (ELAPSED_TIME and the stamps against -l, interval lengths against the planned interval and
 * against the stamps), its coverage of start + duration, and its rate's steadiness inside the
 * window. A stream that failed netperf itself (runner/netperf/diagnosis.ts) keeps what it
 * printed: its figure over the window from its samples, or netperf's own when it printed none.
 *
 * The run's figure is the sum of its streams' figures over the common window; its status is
 * failed when no stream is free of failures, partial when a stream failed or is doubted, or the
 * common window is much shorter than the run or its streams started too far apart; else ok. A
 * run whose streams never ran at the same time has no common window and no figure of its own
 * (its streams keep theirs). UDP streams carry what was sent and received, and the loss; a loss
 * of UDP_LOSS_WARN_PCT or more is a warning.
 */
export function aggregateCell(
    plan: Pick<Plan, "limitBasis" | "uplinkMbps" | "warmupSeconds" | "intervalSeconds" | "durationSeconds" | "maxSkewMs">,
    cell: Cell,
    outcomes: readonly StreamOutcome[],
): RunResult {
    const measured = outcomes.filter(isMeasured);
    const base = runIdentity(plan, cell);
    const udp = cell.test === "UDP_STREAM";
    const rr = cell.test === "TCP_RR";
    const checks = { ...plan, maxSkewMs: maxSkewOf(plan) };
    const wire = cell.wires[0];
    const wireGoodput = goodputLimit(wire.speedMbps, wire.mtu, plan.limitBasis, cell.test, cell.messageBytes).goodputMbps;
    const warnings: string[] = [];
    const series = measured.map((o) => o.parsed!.samples);
    let window: Window | undefined;
    let windowError: string | undefined;
    if (measured.length > 0) {
        try {
            window = commonWindow(series, plan.warmupSeconds, plan.intervalSeconds, plan.intervalSeconds * 2);
        } catch (err) {
            windowError = (err as Error).message;
        }
    }
    /** A stream's figures from its mean rate (Mb/s, or trans/s for TCP_RR), and where it came from when not the window. */
    const figures = (mean: number, from?: "samples" | "netperf") => {
        const throughputMbps = rr ? (mean * cell.messageBytes * 8) / 1e6 : mean;
        return {
            throughputMbps: round(throughputMbps, 2),
            ...(from ? { figureFrom: from } : {}),
            ...(rr ? { transactionsPerSec: round(mean, 2) } : { messagesPerSec: messagesPerSec(throughputMbps, cell.messageBytes) }),
        };
    };
    const judgedStream = (o: StreamOutcome, w: Window | undefined): StreamResult => {
        const p = o.parsed!;
        const endpoint = o.stream.wire.guest;
        const mean = w ? meanOverWindow(p.samples, w) : samplesMean(p.samples);
        const problems = streamProblems(cell.test, p, checks, wireGoodput, o.plannedStart);
        // A stream without traffic has no figure to hold against netperf's.
        if (noTrafficProblem(cell.test, p, wireGoodput) === undefined) {
            const inconsistent = consistencyProblem(cell.test, p);
            if (inconsistent) problems.push(inconsistent);
        }
        const steadiness = w ? steadinessProblem(cell.test, p.samples, w, plan, o.plannedStart ?? streamSpan(p.samples).start) : undefined;
        const coverage = coverageProblem(p, checks);
        const doubts = [...timeFrameProblems(cell.test, p, checks, o.netperfSeconds, o.plannedStart), ...(coverage ? [coverage] : [])];
        // A rate that changed inside the window is what happened, not a doubt of the figure: a warning, the status stays.
        if (steadiness) warnings.push(`${endpoint}: ${steadiness}`);
        // UDP interim samples count what the sender sent; scale them by the fraction delivered.
        const delivery = udp ? udpDelivery(p) : undefined;
        const factor = delivery?.deliveredFraction ?? 1;
        if (delivery && delivery.lossPct >= UDP_LOSS_WARN_PCT && problems.length === 0) {
            warnings.push(
                `${endpoint}'s UDP stream lost ${delivery.lossPct}%: ${delivery.receivedMbps} of ${delivery.sentMbps} Mb/s sent arrived`,
            );
        }
        const figure = rr || isMegabits(p.units) ? figures(mean * factor, w ? undefined : "samples") : { throughputMbps: 0 };
        return {
            ...streamIdentity(o.stream),
            ...figure,
            ...(rr && p.latency ? { latency: p.latency } : {}),
            netperfReported: p.throughput,
            samples: udp ? p.samples.map((s) => [s.at, round(s.value * factor, 2)] as Sample) : samplesOf(p.samples),
            ...(delivery ? { sentSamples: samplesOf(p.samples), udp: udpFigures(delivery) } : {}),
            ...(p.localCpuPct !== undefined ? { localCpuPct: p.localCpuPct } : {}),
            ...(p.remoteCpuPct !== undefined ? { remoteCpuPct: p.remoteCpuPct } : {}),
            ...(problems.length > 0 ? { error: problems.join("; ") } : {}),
            ...(doubts.length > 0 ? { warnings: doubts } : {}),
        };
    };
    const failedStream = (o: StreamOutcome): StreamResult => {
        const p = o.parsed;
        const samples = p && p.samples.length > 0 ? p.samples : (o.partial ?? []);
        // A UDP sender's interim results say nothing of what arrived: they are kept apart, never as
        // samples, and only netperf's final line says what arrived.
        let figure: Partial<StreamResult> & { throughputMbps: number } = { throughputMbps: 0 };
        if (udp) {
            if (p) figure = figures(p.throughput, "netperf");
        } else if (samples.length > 0) {
            figure = window ? figures(meanOverWindow(samples, window)) : figures(samplesMean(samples), "samples");
        } else if (p) {
            figure = figures(p.throughput, "netperf");
        }
        return {
            ...streamIdentity(o.stream),
            ...figure,
            ...(p ? { netperfReported: p.throughput } : {}),
            ...(udp ? { samples: [], sentSamples: samplesOf(samples) } : { samples: samplesOf(samples) }),
            ...(udp && p ? { udp: udpFigures(udpDelivery(p)) } : {}),
            ...(p?.latency ? { latency: p.latency } : {}),
            ...(p?.localCpuPct !== undefined ? { localCpuPct: p.localCpuPct } : {}),
            ...(p?.remoteCpuPct !== undefined ? { remoteCpuPct: p.remoteCpuPct } : {}),
            error: o.error ?? "no result",
        };
    };
    if (!window) {
        const reasons = [...new Set(outcomes.map((o) => o.error ?? "no result"))];
        return {
            ...base,
            status: "failed",
            skewMs: measured.length > 1 ? round(startSkewMs(series), 1) : 0,
            window: EMPTY_WINDOW,
            aggregate: NO_AGGREGATE,
            streams: outcomes.map((o) => (isMeasured(o) ? judgedStream(o, undefined) : failedStream(o))),
            error: windowError ?? `every stream failed: ${reasons.join("; ")}`,
            ...(warnings.length > 0 ? { warnings } : {}),
        };
    }
    const streams: StreamResult[] = outcomes.map((o) => (isMeasured(o) ? judgedStream(o, window) : failedStream(o)));
    const throughputMbps = round(sum(streams.map((s) => s.throughputMbps)), 2);
    const usable = streams.filter((s) => !s.error);
    warnings.push(...laggards(usable));
    const skewMs = round(startSkewMs(series), 1);
    const failed = streams.filter((s) => s.error);
    const doubted = streams.filter((s) => s.warnings);
    const spans = measured.map((o) => ({ endpoint: o.stream.wire.guest, ...streamSpan(o.parsed!.samples) }));
    const short = window.trimmed === false ? undefined : windowProblem(window, spans, checks);
    const reasons = [
        ...(failed.length > 0
            ? [
                  `${failed.length} of ${outcomes.length} streams failed`,
                  ...failed.filter((s) => measured.some((o) => o.stream.wire.guest === s.endpoint)).map((s) => `${s.endpoint}: ${s.error}`),
              ]
            : []),
        ...doubted.map((s) => `${s.endpoint}'s figure is in doubt: ${s.warnings!.join("; ")}`),
        ...judge(skewMs, window, maxSkewOf(plan), plan.warmupSeconds),
        ...(short ? [short] : []),
    ];
    const status = usable.length === 0 ? "failed" : reasons.length === 0 ? "ok" : "partial";
    const udpTotals = udp ? udpRunLoss(streams) : undefined;
    const latency = rr ? runLatency(streams.filter((s) => s.latency)) : undefined;
    const pps = udp ? udpRunPps(streams.filter((s) => s.udp)) : undefined;
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
            ...(udpTotals !== undefined ? { lossPct: udpTotals } : {}),
            ...(!rr ? { messagesPerSec: round(sum(streams.map((s) => s.messagesPerSec ?? 0)), 0) } : {}),
            ...(pps ?? {}),
            ...(latency ? { latency } : {}),
        },
        streams,
        ...(reasons.length > 0 ? { error: reasons.join("; ") } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
    };
}

/** An outcome whose netperf finished with interim results and a final line: the checks judge it. */
function isMeasured(o: StreamOutcome): boolean {
    return o.error === undefined && o.parsed !== undefined && o.parsed.samples.length > 0;
}

/** A UDP run's loss: 100 x (1 - received / sent) over its streams that reported both; undefined when none did. */
export function udpRunLoss(streams: readonly Pick<StreamResult, "udp">[]): number | undefined {
    const withUdp = streams.flatMap((s) => (s.udp ? [s.udp] : []));
    const sent = sum(withUdp.map((u) => u.sentMbps));
    if (withUdp.length === 0 || sent <= 0) return undefined;
    return round(100 * (1 - sum(withUdp.map((u) => u.receivedMbps)) / sent), 2);
}

/** Messages of `messageBytes` per second at `mbps` (10^6 bits/s), whole messages. */
export function messagesPerSec(mbps: number, messageBytes: number): number {
    return round((mbps * 1e6) / (8 * messageBytes), 0);
}

/** A stream's UdpFigures from its delivery: rates, loss, and the datagram counts and rates where netperf gave them. */
function udpFigures(d: ReturnType<typeof udpDelivery>): StreamResult["udp"] {
    const { deliveredFraction: _fraction, ...figures } = d;
    return figures;
}

/**
 * A UDP run's datagrams sent and received per second: its streams' (whole-test) rates summed;
 * undefined unless every stream has them (netperf gave the counts).
 */
export function udpRunPps(streams: readonly Pick<StreamResult, "udp">[]): { sentPps: number; receivedPps: number } | undefined {
    if (streams.length === 0 || streams.some((s) => s.udp?.sentPps === undefined || s.udp?.receivedPps === undefined)) return undefined;
    return {
        sentPps: round(sum(streams.map((s) => s.udp!.sentPps!)), 0),
        receivedPps: round(sum(streams.map((s) => s.udp!.receivedPps!)), 0),
    };
}

/**
 * A TCP_RR run's round-trip times from its streams' (each over its whole test): the smallest
 * minimum; the mean weighted by each stream's transactions (netperf's whole-test trans/s, its
 * THROUGHPUT, as all streams run the same duration), which is the pooled mean; and for P50, P90,
 * P99 and the maximum the worst stream's. Percentiles of separate histograms do not combine, but
 * the pooled percentile lies between the streams' smallest and largest (at most 1% of each
 * stream's transactions exceed its P99, so at most 1% of all exceed the largest), so the worst
 * stream's is an upper bound of it, and it is what the slowest guest saw. Undefined unless every
 * stream has latency figures.
 */
export function runLatency(
    streams: readonly Pick<StreamResult, "latency" | "netperfReported" | "transactionsPerSec">[],
): LatencyFigures | undefined {
    if (streams.length === 0 || streams.some((s) => s.latency === undefined)) return undefined;
    const all = streams.map((s) => s.latency!);
    const weights = streams.map((s) => s.netperfReported ?? s.transactionsPerSec ?? 1);
    const total = sum(weights);
    const mean = total > 0 ? sum(all.map((l, i) => l.meanUs * weights[i])) / total : sum(all.map((l) => l.meanUs)) / all.length;
    return {
        minUs: Math.min(...all.map((l) => l.minUs)),
        meanUs: round(mean, 2),
        p50Us: Math.max(...all.map((l) => l.p50Us)),
        p90Us: Math.max(...all.map((l) => l.p90Us)),
        p99Us: Math.max(...all.map((l) => l.p99Us)),
        maxUs: Math.max(...all.map((l) => l.maxUs)),
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

/**
 * An endpoint's clock may move this much during a run (ms) before the run is marked: NTP slews a
 * clock by at most 500 ppm, 20 ms over a 40 s run; and a reading is good to half its round trip,
 * so two readings may differ by up to the fresh reading's round trip. The tolerance is the
 * larger of CLOCK_MOVE_TOLERANCE_MS and that round trip.
 */
export const CLOCK_MOVE_TOLERANCE_MS = 20;

/** An endpoint's clock read afresh after a run, or why it could not be. */
export interface ClockRereading {
    readonly endpoint: string;
    /** The offset the run's samples were moved by (ms). */
    readonly beforeMs: number;
    readonly after?: ClockReading;
    readonly error?: string;
}

/**
 * A run with its client endpoints' clock offsets before and after it (`clocks`), and marked where
 * one moved by more than max(CLOCK_MOVE_TOLERANCE_MS, the fresh reading's round trip): the
 * endpoint's streams get the reason in their `warnings`, the run in its `error`, and an ok run
 * becomes partial (figures are kept: the samples were placed with the offset before). A clock
 * that could not be re-read is a run warning. Pure.
 */
export function withClockCheck(run: RunResult, readings: readonly ClockRereading[]): RunResult {
    if (readings.length === 0) return run;
    const clocks: Record<string, ClockCheck> = {};
    const moved = new Map<string, string>();
    const unread: string[] = [];
    for (const r of readings) {
        if (!r.after) {
            clocks[r.endpoint] = { beforeMs: r.beforeMs, error: r.error ?? "not read" };
            unread.push(`could not re-read ${r.endpoint}'s clock after the run: ${r.error ?? "not read"}`);
            continue;
        }
        const movedMs = round(r.after.offsetMs - r.beforeMs, 3);
        clocks[r.endpoint] = { beforeMs: r.beforeMs, afterMs: r.after.offsetMs, rttMs: r.after.rttMs, movedMs };
        const tolerance = Math.max(CLOCK_MOVE_TOLERANCE_MS, r.after.rttMs);
        if (Math.abs(movedMs) > tolerance) {
            moved.set(
                r.endpoint,
                `${r.endpoint}'s clock moved ${round(movedMs, 1)} ms during the run: its offset to the runner was ${round(r.beforeMs, 1)} ms before and ${round(r.after.offsetMs, 1)} ms after (more than the ${round(tolerance, 1)} ms allowed, max(${CLOCK_MOVE_TOLERANCE_MS} ms, the reading's round trip)); its samples were placed with the offset before`,
            );
        }
    }
    const streams = run.streams.map((s) => {
        const why = moved.get(s.client);
        return why ? { ...s, warnings: [...(s.warnings ?? []), why] } : s;
    });
    const reasons = [...moved.values()];
    const error = [run.error, ...reasons].filter((x): x is string => x !== undefined && x !== "").join("; ");
    const warnings = [...(run.warnings ?? []), ...unread];
    return {
        ...run,
        status: run.status === "ok" && reasons.length > 0 ? "partial" : run.status,
        streams,
        clocks,
        ...(error ? { error } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
    };
}
