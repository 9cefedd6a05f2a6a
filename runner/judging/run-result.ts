// Judging a run: a cell's netperf outcomes turned into a run result. Its streams are judged one by
// one (runner/judging/stream-result.ts), over the common window in which all of them ran
// (runner/judging/common-window.ts); the run gets the sum of their figures, its reasons and status,
// and the run-wide figures from its streams' (UDP loss and datagram rates, TCP_RR round-trip
// times) and warnings (laggards).
import type { Window } from "./common-window";
import { commonWindow, startSkewMs, streamSpan, sum } from "./common-window";
import type { CheckPlan } from "./stream-checks";
import { windowProblem } from "./stream-checks";
import type { StreamJudging, StreamOutcome } from "./stream-result";
import { failedStream, isMeasured, judgedStream } from "./stream-result";
import { goodputLimit, maxSkewOf, round } from "../../model";
import type { Cell, LatencyFigures, Limits, Plan, RunKey, RunResult, StreamResult } from "../../model";
import type { InterimSample } from "../netperf";

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

/** The plan fields a cell's run is judged by. */
export type JudgingPlan = Pick<Plan, "limitBasis" | "uplinkMbps" | "warmupSeconds" | "intervalSeconds" | "durationSeconds" | "maxSkewMs">;

/**
 * Turns the netperf outcomes of one cell into a run result (pure: tested on captured output).
 *
 * Each stream is judged first (runner/judging/stream-result.ts): one whose netperf finished with
 * interim results and a final line by its checks (judgedStream), one that failed netperf itself by
 * what it printed (failedStream). A check marks a stream, it never takes its figure away.
 *
 * The run's figure is the sum of its streams' figures over the common window; its status is
 * failed when no stream is free of failures, partial when a stream failed or is doubted, or the
 * common window is much shorter than the run or its streams started too far apart; else ok. A
 * run whose streams never ran at the same time has no common window and no figure of its own
 * (its streams keep theirs). UDP streams carry what was sent and received, and the loss; a loss
 * of UDP_LOSS_WARN_PCT or more is a warning.
 */
export function aggregateCell(plan: JudgingPlan, cell: Cell, outcomes: readonly StreamOutcome[]): RunResult {
    const measured = outcomes.filter(isMeasured);
    const series = measured.map((o) => o.parsed!.samples);
    const common = commonWindowOf(plan, series);
    const judging = streamJudging(plan, cell);
    const judged = outcomes.map((o) =>
        isMeasured(o) ? judgedStream(judging, o, common.window) : { stream: failedStream(judging, o, common.window), runWarnings: [] },
    );
    const streams: JudgedStreams = {
        outcomes,
        measured,
        series,
        results: judged.map((j) => j.stream),
        warnings: judged.flatMap((j) => j.runWarnings),
    };
    const base = runIdentity(plan, cell);
    return common.window ? runOverWindow(judging.checks, base, streams, common.window) : runWithoutWindow(base, streams, common.error);
}

/**
 * A cell's streams judged: their outcomes, those measured (isMeasured) and their samples, each
 * one's result, and the warnings they gave the run.
 */
interface JudgedStreams {
    readonly outcomes: readonly StreamOutcome[];
    readonly measured: readonly StreamOutcome[];
    readonly series: readonly (readonly InterimSample[])[];
    readonly results: readonly StreamResult[];
    readonly warnings: readonly string[];
}

/** What judging the cell's streams needs: the checks' plan (its start-skew bound: maxSkewOf) and one wire's goodput limit. */
function streamJudging(plan: JudgingPlan, cell: Cell): StreamJudging {
    const checks: CheckPlan = { ...plan, maxSkewMs: maxSkewOf(plan) };
    const wire = cell.wires[0];
    const wireGoodputMbps = goodputLimit(wire.speedMbps, wire.mtu, plan.limitBasis, cell.test, cell.messageBytes).goodputMbps;
    return { test: cell.test, messageBytes: cell.messageBytes, checks, wireGoodputMbps };
}

/**
 * The common window of the measured streams' samples (commonWindow, less the warm-up), or why they
 * have none (they never ran at the same time); neither when no stream measured.
 */
function commonWindowOf(plan: JudgingPlan, series: readonly (readonly InterimSample[])[]): { window?: Window; error?: string } {
    if (series.length === 0) return {};
    try {
        return { window: commonWindow(series, plan.warmupSeconds, plan.intervalSeconds, plan.intervalSeconds * 2) };
    } catch (err) {
        return { error: (err as Error).message };
    }
}

/** A run without a common window: failed, with no figure of its own (its streams keep theirs), and why. */
function runWithoutWindow(base: RunKey & { limits: Limits }, streams: JudgedStreams, windowError: string | undefined): RunResult {
    const reasons = [...new Set(streams.outcomes.map((o) => o.error ?? "no result"))];
    return {
        ...base,
        status: "failed",
        skewMs: streams.measured.length > 1 ? round(startSkewMs(streams.series), 1) : 0,
        window: EMPTY_WINDOW,
        aggregate: NO_AGGREGATE,
        streams: [...streams.results],
        error: windowError ?? `every stream failed: ${reasons.join("; ")}`,
        ...(streams.warnings.length > 0 ? { warnings: [...streams.warnings] } : {}),
    };
}

/**
 * A run over its common window: its streams' figures summed, its start skew, the reasons it is
 * not ok (runReasons), its status, and the warnings of its streams and of its laggards.
 */
function runOverWindow(checks: CheckPlan, base: RunKey & { limits: Limits }, streams: JudgedStreams, window: Window): RunResult {
    const results = [...streams.results];
    const usable = results.filter((s) => !s.error);
    const warnings = [...streams.warnings, ...laggards(usable)];
    const skewMs = round(startSkewMs(streams.series), 1);
    const reasons = runReasons(checks, streams, skewMs, window);
    return {
        ...base,
        status: usable.length === 0 ? "failed" : reasons.length === 0 ? "ok" : "partial",
        skewMs,
        window: { start: round(window.start, 3), end: round(window.end, 3), seconds: round(window.seconds, 3) },
        aggregate: runAggregate(base, results),
        streams: results,
        ...(reasons.length > 0 ? { error: reasons.join("; ") } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
    };
}

/**
 * Why a run over its common window is not ok: its failed streams (how many, and each measured
 * one's reasons), its doubted streams, its start skew and a window that kept the warm-up (judge),
 * and a window much shorter than the run (windowProblem, unless it kept the warm-up).
 */
function runReasons(checks: CheckPlan, streams: JudgedStreams, skewMs: number, window: Window): string[] {
    const failed = streams.results.filter((s) => s.error);
    const doubted = streams.results.filter((s) => s.warnings);
    const measuredBy = (endpoint: string) => streams.measured.some((o) => o.stream.wire.guest === endpoint);
    const spans = streams.measured.map((o) => ({ endpoint: o.stream.wire.guest, ...streamSpan(o.parsed!.samples) }));
    const short = window.trimmed === false ? undefined : windowProblem(window, spans, checks);
    return [
        ...(failed.length > 0
            ? [
                  `${failed.length} of ${streams.outcomes.length} streams failed`,
                  ...failed.filter((s) => measuredBy(s.endpoint)).map((s) => `${s.endpoint}: ${s.error}`),
              ]
            : []),
        ...doubted.map((s) => `${s.endpoint}'s figure is in doubt: ${s.warnings!.join("; ")}`),
        ...judge(skewMs, window, checks.maxSkewMs, checks.warmupSeconds),
        ...(short ? [short] : []),
    ];
}

/**
 * A run's aggregate from its streams' figures over the window: throughput (Mb/s) and its % of the
 * run's line rate and goodput limit; TCP_RR: transactions/s and the round-trip times (runLatency);
 * else messages/s; UDP: the loss and the datagram rates (udpRunLoss, udpRunPps).
 */
function runAggregate(base: RunKey & { limits: Limits }, streams: readonly StreamResult[]): RunResult["aggregate"] {
    const udp = base.test === "UDP_STREAM";
    const rr = base.test === "TCP_RR";
    const throughputMbps = round(sum(streams.map((s) => s.throughputMbps)), 2);
    const udpTotals = udp ? udpRunLoss(streams) : undefined;
    const latency = rr ? runLatency(streams.filter((s) => s.latency)) : undefined;
    const pps = udp ? udpRunPps(streams.filter((s) => s.udp)) : undefined;
    return {
        throughputMbps,
        lineRatePct: round((100 * throughputMbps) / base.limits.lineRateMbps, 2),
        goodputPct: round((100 * throughputMbps) / base.limits.goodputMbps, 2),
        ...(rr ? { transactionsPerSec: round(sum(streams.map((s) => s.transactionsPerSec ?? 0)), 2) } : {}),
        ...(udpTotals !== undefined ? { lossPct: udpTotals } : {}),
        ...(!rr ? { messagesPerSec: round(sum(streams.map((s) => s.messagesPerSec ?? 0)), 0) } : {}),
        ...(pps ?? {}),
        ...(latency ? { latency } : {}),
    };
}

/** A UDP run's loss: 100 x (1 - received / sent) over its streams that reported both; undefined when none did. */
export function udpRunLoss(streams: readonly Pick<StreamResult, "udp">[]): number | undefined {
    const withUdp = streams.flatMap((s) => (s.udp ? [s.udp] : []));
    const sent = sum(withUdp.map((u) => u.sentMbps));
    if (withUdp.length === 0 || sent <= 0) return undefined;
    return round(100 * (1 - sum(withUdp.map((u) => u.receivedMbps)) / sent), 2);
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
