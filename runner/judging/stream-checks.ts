// The checks of a stream's figure: that its interim results cover the time netperf ran, without
// a stall; that netperf ran the planned duration; that it carried traffic (for UDP: that traffic
// arrived); that netperf's whole-test figure agrees with the mean of all its interim results;
// that its time frame (interval lengths, stamps, ELAPSED_TIME) is the runner's; and that its
// rate held steady inside the window. A check marks a stream (a failure or a doubt, each with its
// reason), it never takes its figure or samples away (docs/measuring.md, "Stream checks"). Pure
// functions over parsed netperf output, so that they are tested on replayed output.
//
// In demo mode (-D) netperf prints an interim result only after a send (or, in TCP_MAERTS, a
// receive; in TCP_RR, a transaction) completes and the interval has passed, each with the
// length of the interval it covers; its first interval starts with the data phase. A stream
// that stalls therefore leaves either one long interval or, when it stalls to the end, no
// interim result at all for the stall: only netperf's ELAPSED_TIME and THROUGHPUT on the final
// line show it. For UDP_STREAM the interim results are the sender's rate (netperf's
// LOCAL_SEND_THROUGHPUT over the whole test); THROUGHPUT is what the netserver received
// (REMOTE_RECV_THROUGHPUT).
import { round } from "../../model";
import type { InterimSample, NetperfResult } from "../netperf";
import type { NetperfTest, Plan } from "../../model";

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
 * How far netperf's whole-test figure (THROUGHPUT; for UDP_STREAM the sender's
 * LOCAL_SEND_THROUGHPUT, the interim results' basis) may be from the time-weighted mean of all
 * the stream's interim results, warm-up included, as a fraction of the larger. Both measure the
 * same bytes over nearly the same time: the interim results are printed to 0.01 and their
 * intervals to 1 ms (0.2% of a 0.5 s interval), and only the few ms between the last interim
 * result and netperf's end lie outside them. On the captured outputs (test/fixtures) they differ
 * by 0.01% (TCP_RR) to 0.5% (TCP_STREAM); 3% leaves room for a last interval printed late.
 */
export const CONSISTENCY_TOLERANCE = 0.03;

/**
 * netperf's ELAPSED_TIME, and the span of its interim results, may exceed its test length (-l)
 * by the larger of these (seconds; fraction of -l): netperf stops at the first send (TCP_RR:
 * transaction) completed after its timer, milliseconds at any rate a wire carries; 200 ms leaves
 * room for a loaded guest's scheduler. Beyond it the endpoint's clock ran fast against real time
 * (a step forward) while netperf's timer (real time) did not. The same bound holds ELAPSED_TIME
 * below -l (a step back) for every test but an armed TCP_MAERTS, whose netserver's timer started
 * before the client's wait (runner/netperf/armed-hold.ts).
 */
export const TIME_FRAME_SLACK_SECONDS = 0.2;
export const TIME_FRAME_SLACK_FRACTION = 0.02;

/** The slack of a test of `netperfSeconds` (-l): max(TIME_FRAME_SLACK_SECONDS, TIME_FRAME_SLACK_FRACTION x -l), seconds. */
export function timeFrameSlack(netperfSeconds: number): number {
    return Math.max(TIME_FRAME_SLACK_SECONDS, TIME_FRAME_SLACK_FRACTION * netperfSeconds);
}

/**
 * An interim result's stated interval may differ from the gap between its stamp and the one
 * before by the larger of this (seconds) and STAMP_SLACK_FRACTION of the planned interval. On
 * this machine's namespaces they differ by at most 1 ms (each is printed to 1 ms); in lab:xen's
 * PV guests under TCG by 8-19 ms, where the time between netperf's clock readings is long. The
 * sum of the stated intervals may differ from the span of the stamps by the larger of twice
 * STAMP_SLACK_SECONDS and STAMP_SLACK_FRACTION of the interval: a stamp's lateness does not add
 * up (the sum's error is the first and the last stamp's), a clock that drifts does.
 */
export const STAMP_SLACK_SECONDS = 0.005;
export const STAMP_SLACK_FRACTION = 0.1;

/** The slack of one stamp against its stated interval (seconds), for a planned interval (seconds). */
export function stampSlack(intervalSeconds: number): number {
    return Math.max(STAMP_SLACK_SECONDS, STAMP_SLACK_FRACTION * intervalSeconds);
}

/**
 * With `-D -<interval>` netperf checks the clock on every send and reports once an interval has
 * passed: an interim result covers one planned interval, give or take one send. One that reads
 * STRETCHED_INTERVALS planned intervals or more held a clock step forward (or a short stall:
 * longer ones are stalls, STALL_INTERVALS); one before the last that reads less than
 * SHORT_INTERVAL_FRACTION of it can only come from a clock stepped back.
 */
export const STRETCHED_INTERVALS = 1.9;
export const SHORT_INTERVAL_FRACTION = 0.8;

/**
 * Inside the window, a rate whose mean before some time and after it differ by more than this
 * fraction of the larger has changed (a fall to half or less, or a rise to double or more): the
 * window mean then describes neither part. Each part must be at least STEADY_MIN_SECONDS and two
 * intervals long, so that one slow interval is no change.
 */
export const STEADINESS_CHANGE = 0.5;
export const STEADY_MIN_SECONDS = 1;

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

/** Time-weighted mean of interim results over the time they cover (their stated intervals); 0 without any. */
export function samplesMean(samples: readonly InterimSample[]): number {
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
 * `goodputMbps` is the stream's wire's goodput limit (model/limits.ts); `plannedStart` the
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
 * Whether netperf's whole-test figure agrees with the time-weighted mean of all the stream's
 * interim results (warm-up included), on the interim results' basis (for UDP_STREAM the sender's:
 * LOCAL_SEND_THROUGHPUT), within CONSISTENCY_TOLERANCE. Undefined when it does, or when there is
 * nothing to compare.
 */
export function consistencyProblem(test: NetperfTest, p: NetperfResult): string | undefined {
    const whole = test === "UDP_STREAM" ? udpDelivery(p).sentMbps : p.throughput;
    const mean = samplesMean(p.samples);
    const base = Math.max(mean, whole);
    if (p.samples.length === 0 || base <= 0) return undefined;
    const off = (whole - mean) / base;
    if (Math.abs(off) <= CONSISTENCY_TOLERANCE) return undefined;
    const unit = unitOf(test);
    const what = test === "UDP_STREAM" ? "netperf's own send rate (LOCAL_SEND_THROUGHPUT)" : "netperf's own figure (THROUGHPUT)";
    const time = p.samples.reduce((a, s) => a + s.intervalSeconds, 0);
    return `${what}, ${fmt(whole)} ${unit} over ${fmt(p.elapsedSeconds)} s, is ${fmt(Math.abs(100 * off), 1)}% ${off < 0 ? "below" : "above"} the mean of all its interim results, ${fmt(mean)} ${unit} over ${fmt(time)} s (they must agree within ${100 * CONSISTENCY_TOLERANCE}%)`;
}

/**
 * Where a stream's time frame is not the runner's, each one phrase (the caller names the stream):
 * netperf's ELAPSED_TIME against its test length (-l: `netperfSeconds`), the span of its interim
 * results against -l and against ELAPSED_TIME, each interval's stated length against the planned
 * interval and against the gap between its stamps, the sum of the stated lengths against the span
 * of the stamps (`plannedStart`, the runner's common start in epoch seconds, places the messages'
 * times). An endpoint's clock stepped while it measured shows
 * here: forward, the interval that holds the step reads long at a rate that much lower, and
 * ELAPSED_TIME and the stamps run past -l while netperf's timer, real time, did not. These are
 * doubts, not failures: the stream keeps its figure and the run is partial.
 */
export function timeFrameProblems(
    test: NetperfTest,
    p: NetperfResult,
    plan: CheckPlan,
    netperfSeconds: number = plan.durationSeconds,
    plannedStart?: number,
): string[] {
    const problems: string[] = [];
    const slack = timeFrameSlack(netperfSeconds);
    const l = fmt(netperfSeconds);
    if (p.elapsedSeconds - netperfSeconds > slack) {
        problems.push(
            `netperf's elapsed time is ${fmt(p.elapsedSeconds)} s for a ${l} s test (-l ${l}), ${fmt(p.elapsedSeconds - netperfSeconds)} s more than its timer allows (${fmt(slack)} s): its clock ran ahead of real time`,
        );
    } else if (test !== "TCP_MAERTS" && netperfSeconds - p.elapsedSeconds > slack) {
        problems.push(
            `netperf's elapsed time is ${fmt(p.elapsedSeconds)} s for a ${l} s test (-l ${l}), ${fmt(netperfSeconds - p.elapsedSeconds)} s short: its clock went back, or the test was cut short`,
        );
    }
    if (p.samples.length === 0) return problems;
    const first = p.samples[0];
    const last = p.samples[p.samples.length - 1];
    const start = first.at - first.intervalSeconds;
    const span = last.at - start;
    if (span - netperfSeconds > slack) {
        problems.push(
            `its interim results end ${fmt(span - netperfSeconds)} s after its start + the ${l} s test length (they span ${fmt(span)} s)`,
        );
    }
    if (span - p.elapsedSeconds > slack) {
        problems.push(`its interim results span ${fmt(span)} s, more than netperf's own elapsed time of ${fmt(p.elapsedSeconds)} s`);
    }
    const at = (t: number) => fmt(t - (plannedStart ?? start));
    const stretched = p.samples.find((x) => x.intervalSeconds >= STRETCHED_INTERVALS * plan.intervalSeconds);
    // A long interval alone may be a guest descheduled for a while (under TCG intervals of 0.97 s
    // were seen for 0.5 s): it is the step's evidence only where the time frame already ran past -l.
    if (stretched && stretched.intervalSeconds <= STALL_INTERVALS * plan.intervalSeconds && problems.length > 0) {
        problems.push(
            `an interval reads ${fmt(stretched.intervalSeconds, 3)} s, ${fmt(stretched.intervalSeconds / plan.intervalSeconds, 1)} times the planned ${plan.intervalSeconds} s (${fmt(stretched.value)} ${unitOf(test)}, ending ${at(stretched.at)} s into the run): its clock stepped forward, or it stalled for ${fmt(stretched.intervalSeconds - plan.intervalSeconds)} s`,
        );
    }
    const short = p.samples.slice(0, -1).find((x) => x.intervalSeconds < SHORT_INTERVAL_FRACTION * plan.intervalSeconds);
    if (short) {
        problems.push(
            `an interval reads ${fmt(short.intervalSeconds, 3)} s, less than the planned ${plan.intervalSeconds} s netperf waits before it reports (ending ${at(short.at)} s into the run): its clock went back`,
        );
    }
    const mismatch = p.samples.findIndex(
        (x, i) => i > 0 && Math.abs(x.intervalSeconds - (x.at - p.samples[i - 1].at)) > stampSlack(plan.intervalSeconds),
    );
    if (mismatch > 0) {
        const x = p.samples[mismatch];
        problems.push(
            `an interval's stated length, ${fmt(x.intervalSeconds, 3)} s, is not the ${fmt(x.at - p.samples[mismatch - 1].at, 3)} s between its stamp and the one before (ending ${at(x.at)} s into the run)`,
        );
    }
    const stated = p.samples.reduce((a, x) => a + x.intervalSeconds, 0);
    const sumSlack = Math.max(2 * STAMP_SLACK_SECONDS, STAMP_SLACK_FRACTION * plan.intervalSeconds);
    if (Math.abs(stated - span) > sumSlack) {
        problems.push(`its intervals' stated lengths add up to ${fmt(stated, 3)} s, but its stamps span ${fmt(span, 3)} s`);
    }
    return problems;
}

/**
 * Whether a stream's interim results cover the planned duration (its start + duration), as a
 * doubt: their span may fall short of it by COVERAGE_TOLERANCE_INTERVALS intervals (netperf's last
 * interval is printed at its end). Undefined when they do.
 */
export function coverageProblem(p: NetperfResult, plan: CheckPlan): string | undefined {
    if (p.samples.length === 0) return undefined;
    const first = p.samples[0];
    const span = p.samples[p.samples.length - 1].at - (first.at - first.intervalSeconds);
    const short = plan.durationSeconds - span;
    if (short <= COVERAGE_TOLERANCE_INTERVALS * plan.intervalSeconds) return undefined;
    return `its interim results span ${fmt(span)} s, ${fmt(short)} s short of its start + the ${plan.durationSeconds} s duration`;
}

/**
 * Whether a stream's rate held inside the window (`window`, epoch seconds): the largest change
 * between the mean before a time and the mean after it (each part at least STEADY_MIN_SECONDS and
 * two intervals), against STEADINESS_CHANGE of the larger mean. The message names when, in seconds
 * after `runStart` (the run's common start, epoch seconds). Undefined when it held.
 */
export function steadinessProblem(
    test: NetperfTest,
    samples: readonly InterimSample[],
    window: { start: number; end: number },
    plan: Pick<CheckPlan, "intervalSeconds">,
    runStart: number,
): string | undefined {
    const part = Math.max(STEADY_MIN_SECONDS, 2 * plan.intervalSeconds);
    let worst: { change: number; at: number; before: number; after: number } | undefined;
    for (const s of samples) {
        if (s.at - window.start < part - 1e-9 || window.end - s.at < part - 1e-9) continue;
        const before = meanBetween(samples, window.start, s.at);
        const after = meanBetween(samples, s.at, window.end);
        const larger = Math.max(before, after);
        if (larger <= 0) continue;
        const change = Math.abs(after - before) / larger;
        if (!worst || change > worst.change) worst = { change, at: s.at, before, after };
    }
    if (!worst || worst.change <= STEADINESS_CHANGE) return undefined;
    const unit = unitOf(test);
    return `its rate ${worst.after < worst.before ? "fell" : "rose"} from ${fmt(worst.before, 1)} to ${fmt(worst.after, 1)} ${unit} at ${fmt(worst.at - runStart, 1)} s into the run (its means in the window before and after), a change of ${fmt(100 * worst.change, 0)}%, more than ${100 * STEADINESS_CHANGE}%`;
}

/** Time-weighted mean of interim results between two times (epoch seconds). */
function meanBetween(samples: readonly InterimSample[], from: number, to: number): number {
    let integral = 0;
    for (const s of samples) {
        const a = Math.max(s.at - s.intervalSeconds, from);
        const b = Math.min(s.at, to);
        if (b > a) integral += s.value * (b - a);
    }
    return to > from ? integral / (to - from) : 0;
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
