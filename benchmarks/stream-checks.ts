// The checks a stream's figure must pass before it counts: that its interim results cover the
// time netperf ran, without a stall; that netperf ran the planned duration; that it carried
// traffic (for UDP: that traffic arrived); and that its window mean agrees with netperf's own
// whole-test figure. Pure functions over parsed netperf output, so that they are tested on
// replayed output.
//
// In demo mode (-D) netperf prints an interim result only after a send (or, in TCP_MAERTS, a
// receive; in TCP_RR, a transaction) completes and the interval has passed, each with the
// length of the interval it covers; its first interval starts with the data phase. A stream
// that stalls therefore leaves either one long interval or, when it stalls to the end, no
// interim result at all for the stall: only netperf's ELAPSED_TIME and THROUGHPUT on the final
// line show it. For UDP_STREAM the interim results are the sender's rate (netperf's
// LOCAL_SEND_THROUGHPUT over the whole test); THROUGHPUT is what the netserver received
// (REMOTE_RECV_THROUGHPUT).
import { round } from "./limits";
import type { InterimSample, NetperfResult } from "./netperf-client";
import type { NetperfTest, Plan } from "./types";

/** What the checks read of the plan. */
export type CheckPlan = Pick<Plan, "durationSeconds" | "intervalSeconds" | "warmupSeconds"> & { readonly maxSkewMs: number };

/**
 * A gap between consecutive interim results (or a first interval) longer than this many demo
 * intervals is a stall: with `-D -<interval>` netperf checks the clock on every send, so a
 * healthy stream reports once per interval, give or take one send.
 */
export const STALL_INTERVALS = 4;

/**
 * Interim results may end this many demo intervals short of netperf's end (first interval's
 * start + ELAPSED_TIME) before the stream counts as having stopped reporting: netperf prints its
 * last, partial interval at the end of the test, so a healthy stream falls short by one send.
 */
export const COVERAGE_TOLERANCE_INTERVALS = 2;

/**
 * ELAPSED_TIME may differ from the plan's duration (-l) by the larger of this fraction of the
 * duration and two demo intervals: netperf stops at the first send completed after its timer.
 */
export const ELAPSED_TOLERANCE_FRACTION = 0.1;

/**
 * The first interim interval may start this long after the run's common start (seconds): the
 * larger of the plan's start-skew bound and 10% of the duration. Later, the client did not start
 * when it was told to (an armed client that missed its release, a slow login).
 */
export function lateStartToleranceSeconds(plan: CheckPlan): number {
    return Math.max(plan.maxSkewMs / 1000, 0.1 * plan.durationSeconds, 2 * plan.intervalSeconds);
}

/**
 * A stream test carried no traffic when netperf's THROUGHPUT is below this fraction of its wire's
 * goodput limit (1 Mb/s on 1 GbE).
 */
export const NO_TRAFFIC_FRACTION = 0.001;

/** A TCP_RR stream carried no traffic below this many transactions per second. */
export const NO_TRANSACTIONS_PER_SEC = 1;

/** UDP loss (percent of what was sent) from which a run warns. */
export const UDP_LOSS_WARN_PCT = 1;

/**
 * Beyond what the left-out time explains, netperf's whole-test figure may differ from the window
 * mean by this fraction: the warm-up can run above the window's rate (tbf's burst, a fast start),
 * and netperf's figure counts bytes until its last send returns.
 */
export const AGREEMENT_MARGIN = 0.05;

/**
 * How far netperf's whole-test figure may be from the stream's window mean, as a fraction of the
 * window mean. The window leaves out the warm-up, the last interval (the cool-down) and up to the
 * plan's start skew; if the stream ran at the window's rate r inside it and at anything from 0 to
 * r outside it, the whole-test figure lies in [r (1 - f), r], with f = (warm-up + interval +
 * max skew) / duration. The tolerance is f plus AGREEMENT_MARGIN. A 10 s run with a 1 s warm-up,
 * 0.5 s interval and 0.5 s skew bound: 25%.
 */
export function agreementTolerance(plan: CheckPlan): number {
    return (plan.warmupSeconds + plan.intervalSeconds + plan.maxSkewMs / 1000) / plan.durationSeconds + AGREEMENT_MARGIN;
}

/** What a UDP_STREAM sent and what arrived, over the whole test (Mb/s), and the loss (%). */
export interface UdpDelivery {
    /** netperf's LOCAL_SEND_THROUGHPUT: the sender's rate, what the interim results show. */
    readonly sentMbps: number;
    /** netperf's THROUGHPUT for UDP_STREAM: what the netserver received (REMOTE_RECV_THROUGHPUT). */
    readonly receivedMbps: number;
    /** 100 x (1 - received / sent); 0 when nothing was sent. */
    readonly lossPct: number;
    /** received / sent, in [0, 1]: the factor that turns the sender's interim rate into an estimate of what arrived. */
    readonly deliveredFraction: number;
    /** LOCAL_SEND_CALLS and REMOTE_RECV_CALLS: datagrams sent and received, where netperf gave them. */
    readonly sentDatagrams?: number;
    readonly receivedDatagrams?: number;
    /** The counts over ELAPSED_TIME, datagrams per second. */
    readonly sentPps?: number;
    readonly receivedPps?: number;
}

/**
 * A UDP stream's delivery from netperf's final line. Without LOCAL_SEND_THROUGHPUT (an old
 * netperf), the sender's rate is read from the interim results' mean. Where netperf gave the
 * datagram counts (LOCAL_SEND_CALLS, REMOTE_RECV_CALLS), the loss and the fraction delivered are
 * theirs, exact where the rates are rounded to 0.01 Mb/s, and the packet rates are the counts over
 * ELAPSED_TIME.
 */
export function udpDelivery(
    p: Pick<NetperfResult, "throughput" | "localSendThroughput" | "samples" | "elapsedSeconds" | "localSendCalls" | "remoteRecvCalls">,
): UdpDelivery {
    const sent = p.localSendThroughput !== undefined && p.localSendThroughput > 0 ? p.localSendThroughput : samplesMean(p.samples);
    const received = p.throughput;
    const counted = p.localSendCalls !== undefined && p.remoteRecvCalls !== undefined && p.localSendCalls > 0;
    const ratio = counted ? p.remoteRecvCalls! / p.localSendCalls! : sent > 0 ? received / sent : 0;
    const fraction = Math.min(1, Math.max(0, ratio));
    const perSecond = (n: number) => (p.elapsedSeconds > 0 ? round(n / p.elapsedSeconds, 0) : undefined);
    const packets = counted
        ? {
              sentDatagrams: p.localSendCalls!,
              receivedDatagrams: p.remoteRecvCalls!,
              ...(perSecond(p.localSendCalls!) !== undefined
                  ? { sentPps: perSecond(p.localSendCalls!)!, receivedPps: perSecond(p.remoteRecvCalls!)! }
                  : {}),
          }
        : {};
    return {
        sentMbps: round(sent, 2),
        receivedMbps: round(received, 2),
        lossPct: counted || sent > 0 ? round(100 * (1 - fraction), 2) : 0,
        deliveredFraction: fraction,
        ...packets,
    };
}

/** Time-weighted mean of interim results over the time they cover. */
function samplesMean(samples: readonly InterimSample[]): number {
    const time = samples.reduce((a, s) => a + s.intervalSeconds, 0);
    return time > 0 ? samples.reduce((a, s) => a + s.value * s.intervalSeconds, 0) / time : 0;
}

/** The unit a test's figures are in, as the checks' messages print it. */
function unitOf(test: NetperfTest): string {
    return test === "TCP_RR" ? "trans/s" : "Mb/s";
}

/**
 * What is wrong with one stream's output on its own, each problem one phrase (the caller names
 * the stream): no traffic (none arrived, for UDP), ELAPSED_TIME far from the duration, interim
 * results that stop before netperf's end, a late first interval, timestamps that go back (a clock
 * stepped mid-run), a stall. Empty when it is sound.
 *
 * `goodputMbps` is the stream's wire's goodput limit (benchmarks/limits.ts); `plannedStart` the
 * run's common start on the runner's clock (epoch seconds), when known.
 */
export function streamProblems(test: NetperfTest, p: NetperfResult, plan: CheckPlan, goodputMbps: number, plannedStart?: number): string[] {
    const problems: string[] = [];
    const noTraffic = noTrafficProblem(test, p, goodputMbps);
    if (noTraffic) problems.push(noTraffic);
    const elapsedTolerance = Math.max(ELAPSED_TOLERANCE_FRACTION * plan.durationSeconds, 2 * plan.intervalSeconds);
    if (Math.abs(p.elapsedSeconds - plan.durationSeconds) > elapsedTolerance) {
        problems.push(
            `netperf ran ${fmt(p.elapsedSeconds)} s (ELAPSED_TIME), not the planned ${plan.durationSeconds} s (more than ${fmt(elapsedTolerance)} s off)`,
        );
    }
    if (p.samples.length === 0) return problems;
    const first = p.samples[0];
    const last = p.samples[p.samples.length - 1];
    const start = first.at - first.intervalSeconds;
    const covered = last.at - start;
    const short = p.elapsedSeconds - covered;
    if (short > COVERAGE_TOLERANCE_INTERVALS * plan.intervalSeconds) {
        problems.push(
            `stopped reporting ${fmt(short)} s before the end: its last interim result ends ${fmt(covered)} s into the ${fmt(p.elapsedSeconds)} s netperf ran (ELAPSED_TIME), and a stream that stalls to the end leaves no interim result for the stall`,
        );
    }
    if (plannedStart !== undefined && start - plannedStart > lateStartToleranceSeconds(plan)) {
        problems.push(
            `started ${fmt(start - plannedStart)} s after the common start (more than ${fmt(lateStartToleranceSeconds(plan))} s): the client did not start when told to`,
        );
    }
    const back = p.samples.findIndex((x, i) => i > 0 && x.at <= p.samples[i - 1].at);
    if (back > 0) {
        problems.push(
            `its interim results go back in time (${fmt(p.samples[back - 1].at - start)} s, then ${fmt(p.samples[back].at - start)} s into the run): the client's clock was stepped while it measured, so the samples cannot be placed`,
        );
    }
    const stall = longestGap(p.samples);
    if (stall.seconds > STALL_INTERVALS * plan.intervalSeconds) {
        problems.push(
            `stalled: no interim result for ${fmt(stall.seconds)} s (${fmt(stall.from - start)} s to ${fmt(stall.to - start)} s into the run), more than ${STALL_INTERVALS} intervals of ${plan.intervalSeconds} s`,
        );
    }
    return problems;
}

/** The longest time between consecutive interim results (the first counts from its interval's start). */
export function longestGap(samples: readonly InterimSample[]): { seconds: number; from: number; to: number } {
    let best = { seconds: 0, from: 0, to: 0 };
    let prev = samples.length > 0 ? samples[0].at - samples[0].intervalSeconds : 0;
    for (const s of samples) {
        if (s.at - prev > best.seconds) best = { seconds: s.at - prev, from: prev, to: s.at };
        prev = s.at;
    }
    return best;
}

/** Why a stream carried no traffic, or undefined when it carried some. */
export function noTrafficProblem(
    test: NetperfTest,
    p: Pick<NetperfResult, "throughput" | "localSendThroughput" | "samples" | "elapsedSeconds">,
    goodputMbps: number,
): string | undefined {
    if (test === "TCP_RR") {
        return p.throughput < NO_TRANSACTIONS_PER_SEC
            ? `carried no traffic: ${fmt(p.throughput)} transactions/s over ${fmt(p.elapsedSeconds)} s`
            : undefined;
    }
    const floor = NO_TRAFFIC_FRACTION * goodputMbps;
    if (p.throughput >= floor) return undefined;
    if (test === "UDP_STREAM") {
        const d = udpDelivery(p);
        return `delivered ${fmt(d.receivedMbps)} of ${fmt(d.sentMbps)} Mb/s sent (netperf's THROUGHPUT is what the netserver received, the interim results the sender's rate)`;
    }
    return `carried no traffic: netperf's THROUGHPUT is ${fmt(p.throughput)} Mb/s over ${fmt(p.elapsedSeconds)} s (below ${fmt(floor)} Mb/s, ${100 * NO_TRAFFIC_FRACTION}% of the wire's goodput limit)`;
}

/**
 * Whether a stream's window mean agrees with netperf's own whole-test figure, on the interim
 * results' basis (for UDP_STREAM the sender's: LOCAL_SEND_THROUGHPUT). Undefined when it does.
 */
export function agreementProblem(test: NetperfTest, p: NetperfResult, windowMean: number, plan: CheckPlan): string | undefined {
    const whole = test === "UDP_STREAM" ? udpDelivery(p).sentMbps : p.throughput;
    const tolerance = agreementTolerance(plan);
    const base = Math.max(windowMean, whole);
    if (base <= 0) return undefined;
    const off = windowMean > 0 ? (whole - windowMean) / windowMean : 1;
    if (Math.abs(off) <= tolerance) return undefined;
    const unit = unitOf(test);
    const what = test === "UDP_STREAM" ? "netperf's own send rate (LOCAL_SEND_THROUGHPUT)" : "netperf's own figure (THROUGHPUT)";
    return `${what}, ${fmt(whole)} ${unit} over ${fmt(p.elapsedSeconds)} s, is ${fmt(Math.abs(100 * off), 1)}% ${off < 0 ? "below" : "above"} its window mean of ${fmt(windowMean)} ${unit}, more than the left-out warm-up, cool-down and start skew explain (${fmt(100 * tolerance, 1)}%)`;
}

/** A stream's span: from its first interval's start to its last interim result (epoch seconds). */
export interface Span {
    readonly endpoint: string;
    readonly start: number;
    readonly end: number;
}

/**
 * Why a run's common window is much shorter than the run should give, or undefined. A run of
 * duration D leaves D - warm-up - interval (the cool-down); the plan's start skew bound and two
 * intervals of jitter may take more. Below that, one stream started late or stopped early, and
 * the window (and so the figure) covers less of the run than planned: the message names it.
 */
export function windowProblem(window: { seconds: number }, spans: readonly Span[], plan: CheckPlan): string | undefined {
    const expected = plan.durationSeconds - plan.warmupSeconds - plan.intervalSeconds;
    const floor = expected - plan.maxSkewMs / 1000 - 2 * plan.intervalSeconds;
    if (spans.length === 0 || window.seconds >= floor) return undefined;
    const runStart = Math.min(...spans.map((s) => s.start));
    const lastStart = spans.reduce((a, s) => (s.start > a.start ? s : a));
    const firstEnd = spans.reduce((a, s) => (s.end < a.end ? s : a));
    const lateBy = lastStart.start - runStart;
    const earlyBy = Math.max(...spans.map((s) => s.end)) - firstEnd.end;
    const who =
        earlyBy >= lateBy
            ? `${firstEnd.endpoint}'s interim results end first, ${fmt(firstEnd.end - runStart)} s into the run`
            : `${lastStart.endpoint}'s interim results start last, ${fmt(lateBy)} s into the run`;
    return `the common window is ${fmt(window.seconds)} s, short of the ${fmt(expected)} s a ${plan.durationSeconds} s run leaves after its warm-up and cool-down (at least ${fmt(floor)} s with the allowed skew): ${who}`;
}

/** A figure as the messages print it: rounded, without trailing zeros (961.5, 0, 4.25). */
function fmt(n: number, digits = 2): string {
    return String(round(n, digits));
}
