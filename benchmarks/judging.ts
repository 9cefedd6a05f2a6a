// The judging: a cell's netperf outcomes turned into a run result (the common window, each
// stream's checks, the figures and the status), and a cell's repeats combined into one.
import { commonWindow, meanOverWindow, startSkewMs, streamSpan, sum } from "./aggregate";
import { goodputLimit, round } from "./limits";
import type { Cell, StreamPlan } from "./matrix";
import type { InterimSample, NetperfResult } from "./netperf-client";
import { isMegabits } from "./netperf-client";
import { maxSkewOf } from "./plan-check";
import { spread } from "./stats";
import { agreementProblem, noTrafficProblem, streamProblems, UDP_LOSS_WARN_PCT, udpDelivery, windowProblem } from "./stream-checks";
import type { LatencyFigures, Limits, Measurement, NetperfTest, Plan, RunKey, RunResult, Sample, StreamResult } from "./types";
import { bottleneck } from "./bottleneck";
import type { SamplerSource } from "./cpu-sampler";
import { hostDemandUsPerKB, processDemandUsPerKB, runCpu } from "./cpu-sampler";
import type { HostSamplerSource } from "./host-cpu";
import { withHostCpu } from "./host-cpu";

/** What one netperf client of a run gave: its parsed output, or why it failed (with what it measured before). */
export interface StreamOutcome {
    readonly stream: StreamPlan;
    readonly parsed?: NetperfResult;
    readonly error?: string;
    /** The interim samples of a stream that failed part-way. */
    readonly partial?: readonly InterimSample[];
    /** The run's common start on the runner's clock (epoch seconds): a later first interval is a late start. */
    readonly plannedStart?: number;
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
        status: repeats.every((r) => r.status === "ok") ? "ok" : "partial",
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
 * Every stream that measured is checked (benchmarks/stream-checks.ts): traffic carried (for UDP,
 * delivered), ELAPSED_TIME against the duration, interim results covering the time netperf ran
 * without a stall, a start on time (when the outcome carries the planned start), and its window
 * mean against netperf's own whole-test figure. A stream that fails a check counts as failed
 * (0 Mb/s, its reasons in `error`, its samples and netperf's figure kept); the run is then
 * partial, or failed when no stream is left. A common window much shorter than the run makes it
 * partial too. UDP streams carry what was sent and received, and the loss; a loss of
 * UDP_LOSS_WARN_PCT or more is a warning.
 */
export function aggregateCell(
    plan: Pick<Plan, "limitBasis" | "uplinkMbps" | "warmupSeconds" | "intervalSeconds" | "durationSeconds" | "maxSkewMs">,
    cell: Cell,
    outcomes: readonly StreamOutcome[],
): RunResult {
    const ok = outcomes.filter((o) => o.parsed !== undefined);
    const base = runIdentity(plan, cell);
    const udp = cell.test === "UDP_STREAM";
    const failedStream = (o: StreamOutcome): StreamResult => ({
        ...streamIdentity(o.stream),
        throughputMbps: 0,
        // A UDP sender's interim results say nothing of what arrived: kept apart, never as samples.
        ...(udp
            ? { samples: [], sentSamples: samplesOf(o.parsed?.samples ?? o.partial) }
            : { samples: samplesOf(o.parsed?.samples ?? o.partial) }),
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
    const checks = { ...plan, maxSkewMs: maxSkewOf(plan) };
    const wire = cell.wires[0];
    const wireGoodput = goodputLimit(wire.speedMbps, wire.mtu, plan.limitBasis, cell.test, cell.messageBytes).goodputMbps;
    const warnings: string[] = [];
    const streams: StreamResult[] = outcomes.map((o) => {
        if (!o.parsed) return failedStream(o);
        const p = o.parsed;
        const mean = meanOverWindow(p.samples, window);
        const megabits = isMegabits(p.units);
        const endpoint = o.stream.wire.guest;
        const problems = streamProblems(cell.test, p, checks, wireGoodput, o.plannedStart);
        // A stream without traffic has no figure to hold against netperf's.
        if (noTrafficProblem(cell.test, p, wireGoodput) === undefined) {
            const disagreement = agreementProblem(cell.test, p, mean, checks);
            if (disagreement) problems.push(disagreement);
        }
        // UDP interim samples count what the sender sent; scale them by the fraction delivered.
        const delivery = udp ? udpDelivery(p) : undefined;
        const factor = delivery?.deliveredFraction ?? 1;
        if (delivery && delivery.lossPct >= UDP_LOSS_WARN_PCT && problems.length === 0) {
            warnings.push(
                `${endpoint}'s UDP stream lost ${delivery.lossPct}%: ${delivery.receivedMbps} of ${delivery.sentMbps} Mb/s sent arrived`,
            );
        }
        const throughputMbps = rr ? (mean * cell.messageBytes * 8) / 1e6 : megabits ? mean * factor : 0;
        const sound = problems.length === 0;
        return {
            ...streamIdentity(o.stream),
            throughputMbps: sound ? round(throughputMbps, 2) : 0,
            ...(rr && sound ? { transactionsPerSec: round(mean, 2) } : {}),
            ...(rr && sound && p.latency ? { latency: p.latency } : {}),
            ...(!rr && sound ? { messagesPerSec: messagesPerSec(throughputMbps, cell.messageBytes) } : {}),
            netperfReported: p.throughput,
            samples: udp ? p.samples.map((s) => [s.at, round(s.value * factor, 2)] as Sample) : samplesOf(p.samples),
            ...(delivery
                ? {
                      sentSamples: samplesOf(p.samples),
                      udp: udpFigures(delivery),
                  }
                : {}),
            ...(p.localCpuPct !== undefined ? { localCpuPct: p.localCpuPct } : {}),
            ...(p.remoteCpuPct !== undefined ? { remoteCpuPct: p.remoteCpuPct } : {}),
            ...(problems.length > 0 ? { error: problems.join("; ") } : {}),
        };
    });
    const throughputMbps = round(sum(streams.map((s) => s.throughputMbps)), 2);
    const usable = streams.filter((s) => !s.error);
    warnings.push(...laggards(usable));
    const skewMs = round(startSkewMs(series), 1);
    const failed = streams.filter((s) => s.error);
    const spans = ok.map((o) => ({ endpoint: o.stream.wire.guest, ...streamSpan(o.parsed!.samples) }));
    const short = window.trimmed === false ? undefined : windowProblem(window, spans, checks);
    const reasons = [
        ...(failed.length > 0
            ? [
                  `${failed.length} of ${outcomes.length} streams failed`,
                  ...failed.filter((s) => ok.some((o) => o.stream.wire.guest === s.endpoint)).map((s) => `${s.endpoint}: ${s.error}`),
              ]
            : []),
        ...judge(skewMs, window, maxSkewOf(plan), plan.warmupSeconds),
        ...(short ? [short] : []),
    ];
    const status = usable.length === 0 ? "failed" : reasons.length === 0 ? "ok" : "partial";
    const udpTotals = udp ? udpRunLoss(streams) : undefined;
    const latency = rr ? runLatency(usable) : undefined;
    const pps = udp ? udpRunPps(usable) : undefined;
    return {
        ...base,
        status,
        skewMs,
        window: { start: round(window.start, 3), end: round(window.end, 3), seconds: round(window.seconds, 3) },
        aggregate:
            usable.length === 0
                ? NO_AGGREGATE
                : {
                      throughputMbps,
                      lineRatePct: round((100 * throughputMbps) / base.limits.lineRateMbps, 2),
                      goodputPct: round((100 * throughputMbps) / base.limits.goodputMbps, 2),
                      ...(rr ? { transactionsPerSec: round(sum(streams.map((s) => s.transactionsPerSec ?? 0)), 2) } : {}),
                      ...(udpTotals !== undefined ? { lossPct: udpTotals } : {}),
                      ...(!rr ? { messagesPerSec: round(sum(usable.map((s) => s.messagesPerSec ?? 0)), 0) } : {}),
                      ...(pps ?? {}),
                      ...(latency ? { latency } : {}),
                  },
        streams,
        ...(reasons.length > 0 ? { error: reasons.join("; ") } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
    };
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
 * A judged run with its host-side CPU over its window (from its samplers' outputs, and its
 * hypervisor hosts' samplers' in `hosts`: benchmarks/host-cpu.ts), each stream's
 * sender and receiver service demand, the run's host-side service demand and its bottleneck
 * (benchmarks/bottleneck.ts). A failed run keeps no CPU figures and no verdict. Pure.
 */
export function withCpu(
    plan: Pick<Plan, "limitBasis">,
    cell: Cell,
    run: RunResult,
    sources: readonly SamplerSource[],
    hosts: readonly HostSamplerSource[] = [],
): RunResult {
    if (run.status === "failed" || run.window.seconds <= 0) return run;
    const figures = withHostCpu(
        runCpu(sources, run.window),
        hosts,
        run.window,
        cell.wires.map((w) => w.guest),
    );
    const clientSends = senderIsClient(cell.test);
    const usable = run.streams.filter((s) => !s.error);
    const mbpsOf = (endpoint: string, program: string) =>
        sum(usable.filter((s) => (program === "netperf" ? s.client === endpoint : s.server === endpoint)).map((s) => s.throughputMbps));
    const demand = (endpoint: string, program: string) => processDemandUsPerKB(figures, endpoint, program, mbpsOf(endpoint, program));
    const streams = run.streams.map((s): StreamResult => {
        if (s.error) return s;
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
        streams: usable.map((s) => ({ endpoint: s.endpoint, goodputPct: (100 * s.throughputMbps) / perWire })),
        cpu,
    });
    return { ...run, streams, cpu, bottleneck: verdict };
}
