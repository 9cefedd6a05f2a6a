// How long a netperf client may be held armed before its common start, within what the netserver
// allows. netperf 2.7.0's netserver starts its test timer when the test is set up, before the
// client's -s wait, and is never told of that wait (src/nettest_omni.c, recv_omni: start_timer(
// test_length + pad_time)). Its only slack is PAD_TIME (src/netlib.h: 4 s), and a netserver that
// only sends (TCP_MAERTS: NETPERF_XMIT_ONLY) gets none. A client held longer than that slack loses
// the end of its test: the netserver stops first (upstream netperf issue 77). The client connects
// its data connection only after the wait (send_omni_inner: WAIT_BEFORE_DATA_TRAFFIC).
import type { NetperfTest } from "./types";

/** netperf 2.7.0's PAD_TIME (src/netlib.h), seconds a receiving netserver's timer runs past the test length. */
export const NETPERF_PAD_SECONDS = 4;

/**
 * The longest -s wait the runner gives an armed client (s): one second inside PAD_TIME, so that a
 * client that waits its full -s (its release was missed) still ends before its netserver does.
 */
export const MAX_ARMED_SECONDS = NETPERF_PAD_SECONDS - 1;

/** The time left between the release and the end of the -s wait, for a release that comes late (ms). */
export const RELEASE_MARGIN_MS = 500;

/**
 * The largest start lead (ms) for which a client is armed: the lead plus the release margin stays
 * inside MAX_ARMED_SECONDS. hvnetlab:startLeadMs is bounded by it.
 */
export const MAX_ARMED_LEAD_MS = MAX_ARMED_SECONDS * 1000 - RELEASE_MARGIN_MS;

/**
 * How one netperf client is started: armed (-s armedSeconds) and released at the start, or launched
 * at the start; and the test length to ask of netperf (-l netperfSeconds).
 */
export type ClientStart =
    | { readonly release: true; readonly armedSeconds: number; readonly netperfSeconds: number }
    | { readonly release: false; readonly netperfSeconds: number };

/**
 * How to start a client of the given test, durationSeconds long, launched leadMs ahead of the
 * common start, on an endpoint whose transport can (canRelease) or cannot release armed clients.
 * - Armed clients wait with -s ceil(lead)+1 s, at most MAX_ARMED_SECONDS: a receiving netserver's
 *   timer (test length + PAD_TIME) outlasts the wait, and the release has a margin to come late.
 * - TCP_MAERTS is armed too, but its netserver sends and its timer has no pad: it stops sending
 *   test length after setup, so every second the client waits is cut from the end of the stream
 *   (measured: -l 4 -s 2 gives an ELAPSED_TIME of 1.99 s). Its test length is therefore the
 *   duration plus the lead in whole seconds, ceil(lead): the stream runs at least the duration
 *   after the start, and ends less than a second after it.
 * - A lead too long to arm within the pad (over MAX_ARMED_LEAD_MS), or a transport that cannot
 *   release, launches the client at the start with -l duration.
 */
export function clientStart(test: NetperfTest, leadMs: number, durationSeconds: number, canRelease: boolean): ClientStart {
    if (!canRelease || leadMs > MAX_ARMED_LEAD_MS) return { release: false, netperfSeconds: durationSeconds };
    const leadSeconds = Math.ceil(leadMs / 1000);
    return {
        release: true,
        armedSeconds: Math.min(leadSeconds + 1, MAX_ARMED_SECONDS),
        netperfSeconds: test === "TCP_MAERTS" ? durationSeconds + leadSeconds : durationSeconds,
    };
}
