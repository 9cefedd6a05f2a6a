// Judging one stream of a run: from what its netperf client gave (a StreamOutcome), its figure over
// the run's common window (or over its samples, or netperf's own), its samples, and the marks its
// checks give it (runner/judging/stream-checks.ts). run-result.ts judges the run from its streams.
import type { Window } from "./common-window";
import { meanOverWindow, streamSpan } from "./common-window";
import type { CheckPlan } from "./stream-checks";
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
} from "./stream-checks";
import { round } from "../../model";
import type { NetperfTest, Sample, StreamPlan, StreamResult } from "../../model";
import type { InterimSample, NetperfResult } from "../netperf";
import { isMegabits } from "../netperf";

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

/** What judging a cell's streams needs: its test and message size, the checks' plan, and one wire's goodput limit (Mb/s). */
export interface StreamJudging {
    readonly test: NetperfTest;
    readonly messageBytes: number;
    readonly checks: CheckPlan;
    readonly wireGoodputMbps: number;
}

/** An outcome whose netperf finished with interim results and a final line: the checks judge it. */
export function isMeasured(o: StreamOutcome): boolean {
    return o.error === undefined && o.parsed !== undefined && o.parsed.samples.length > 0;
}

/** Messages of `messageBytes` per second at `mbps` (10^6 bits/s), whole messages. */
export function messagesPerSec(mbps: number, messageBytes: number): number {
    return round((mbps * 1e6) / (8 * messageBytes), 0);
}

/**
 * A stream's figures from its mean rate (Mb/s, or trans/s for TCP_RR): throughput in Mb/s, and
 * transactions or messages per second; `from` says where the rate came from when not the window.
 */
function streamFigures(judging: StreamJudging, mean: number, from?: "samples" | "netperf") {
    const rr = judging.test === "TCP_RR";
    const throughputMbps = rr ? (mean * judging.messageBytes * 8) / 1e6 : mean;
    return {
        throughputMbps: round(throughputMbps, 2),
        ...(from ? { figureFrom: from } : {}),
        ...(rr ? { transactionsPerSec: round(mean, 2) } : { messagesPerSec: messagesPerSec(throughputMbps, judging.messageBytes) }),
    };
}

/**
 * A stream whose netperf finished (isMeasured), judged over the run's common window (`window`), or
 * over all its samples when the run has none.
 *
 * A check marks a stream, it never takes its figure away (docs/measuring.md, "Stream checks"):
 * every stream keeps its samples, netperf's own figure and its window mean, whatever the checks
 * say (runner/judging/stream-checks.ts). Failures, each a phrase in the stream's `error`: traffic
 * carried (for UDP, delivered), ELAPSED_TIME against the duration, interim results covering the
 * time netperf ran, without a stall, a start on time (when the outcome carries the planned start),
 * stamps that never go back, and netperf's whole-test figure against the mean of all its interim
 * results. Doubts, each a phrase in the stream's `warnings`: its time frame against the runner's
 * (ELAPSED_TIME and the stamps against -l, interval lengths against the planned interval and
 * against the stamps) and its coverage of start + duration. For the run, in `runWarnings`: its
 * rate's steadiness inside the window, and a UDP loss of UDP_LOSS_WARN_PCT or more. A UDP stream
 * carries what was sent and received, and the loss; its samples are scaled by the fraction delivered.
 */
export function judgedStream(
    judging: StreamJudging,
    o: StreamOutcome,
    window: Window | undefined,
): { stream: StreamResult; runWarnings: string[] } {
    const { test, checks } = judging;
    const p = o.parsed!;
    const endpoint = o.stream.wire.guest;
    const udp = test === "UDP_STREAM";
    const rr = test === "TCP_RR";
    const runWarnings: string[] = [];
    const mean = window ? meanOverWindow(p.samples, window) : samplesMean(p.samples);
    const problems = streamProblems(test, p, checks, judging.wireGoodputMbps, o.plannedStart);
    // A stream without traffic has no figure to hold against netperf's.
    if (noTrafficProblem(test, p, judging.wireGoodputMbps) === undefined) {
        const inconsistent = consistencyProblem(test, p);
        if (inconsistent) problems.push(inconsistent);
    }
    const steadiness = window
        ? steadinessProblem(test, p.samples, window, checks, o.plannedStart ?? streamSpan(p.samples).start)
        : undefined;
    const coverage = coverageProblem(p, checks);
    const doubts = [...timeFrameProblems(test, p, checks, o.netperfSeconds, o.plannedStart), ...(coverage ? [coverage] : [])];
    // A rate that changed inside the window is what happened, not a doubt of the figure: a warning, the status stays.
    if (steadiness) runWarnings.push(`${endpoint}: ${steadiness}`);
    // UDP interim samples count what the sender sent; scale them by the fraction delivered.
    const delivery = udp ? udpDelivery(p) : undefined;
    const factor = delivery?.deliveredFraction ?? 1;
    if (delivery && delivery.lossPct >= UDP_LOSS_WARN_PCT && problems.length === 0) {
        runWarnings.push(
            `${endpoint}'s UDP stream lost ${delivery.lossPct}%: ${delivery.receivedMbps} of ${delivery.sentMbps} Mb/s sent arrived`,
        );
    }
    const figure =
        rr || isMegabits(p.units) ? streamFigures(judging, mean * factor, window ? undefined : "samples") : { throughputMbps: 0 };
    const stream: StreamResult = {
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
    return { stream, runWarnings };
}

/**
 * A stream that failed netperf itself (runner/netperf/diagnosis.ts), marked with why, keeping what
 * it printed: its figure over the run's common window (`window`) from its samples (over all of them
 * when the run has none), or netperf's own when it printed none. A UDP sender's interim results say
 * nothing of what arrived: they are kept apart, never as samples, and only netperf's final line
 * says what arrived.
 */
export function failedStream(judging: StreamJudging, o: StreamOutcome, window: Window | undefined): StreamResult {
    const udp = judging.test === "UDP_STREAM";
    const p = o.parsed;
    const samples = p && p.samples.length > 0 ? p.samples : (o.partial ?? []);
    let figure: Partial<StreamResult> & { throughputMbps: number } = { throughputMbps: 0 };
    if (udp) {
        if (p) figure = streamFigures(judging, p.throughput, "netperf");
    } else if (samples.length > 0) {
        figure = window ? streamFigures(judging, meanOverWindow(samples, window)) : streamFigures(judging, samplesMean(samples), "samples");
    } else if (p) {
        figure = streamFigures(judging, p.throughput, "netperf");
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
}

/** A stream's UdpFigures from its delivery: rates, loss, and the datagram counts and rates where netperf gave them. */
function udpFigures(d: ReturnType<typeof udpDelivery>): StreamResult["udp"] {
    const { deliveredFraction: _fraction, ...figures } = d;
    return figures;
}

function streamIdentity(s: StreamPlan) {
    return { endpoint: s.wire.guest, nic: s.wire.guestNic, client: s.client.name, server: s.server.name };
}

function samplesOf(samples: readonly InterimSample[] | undefined): Sample[] {
    return (samples ?? []).map((s) => [s.at, s.value] as Sample);
}
