// How long a netperf client may be held armed before its common start, within what the netserver
// allows. netperf 2.7.0's netserver starts its test timer when the test is set up, before the
// client's -s wait, and is never told of that wait (src/nettest_omni.c, recv_omni: start_timer(
// test_length + pad_time)). Its only slack is PAD_TIME (src/netlib.h: 4 s), and a netserver that
// only sends (TCP_MAERTS: NETPERF_XMIT_ONLY) gets none. A client held longer than that slack loses
// the end of its test: the netserver stops first (upstream netperf issue 77). The client connects
// its data connection only after the wait (send_omni_inner: WAIT_BEFORE_DATA_TRAFFIC).
import type { NetperfTest } from "../../model";

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
 * The largest start lead (ms) of a timed start (a client launched at the start, on a transport that
 * cannot release armed clients): hvnetlab:startLeadMs is bounded by it, as it was when the lead
 * also bounded the armed wait.
 */
export const MAX_ARMED_LEAD_MS = MAX_ARMED_SECONDS * 1000 - RELEASE_MARGIN_MS;

/**
 * The seconds a TCP_MAERTS client's test runs past the duration: its netserver sends for -l s
 * from the test's setup, whatever the client's wait, so the armed wait of a run holding a
 * TCP_MAERTS stream is bounded by this (runner/transport/start-gate.ts) and the stream runs at least the
 * duration after the start, and less than this past it.
 */
export const MAERTS_EXTRA_SECONDS = 1;

/**
 * How one netperf client is started: armed (-s armedSeconds) and released at the start, which the
 * run's gate chooses once every client is armed, no later than maxWaitMs after the first armed; or
 * launched at a start fixed in advance. netperfSeconds is the test length to ask of netperf (-l).
 */
export type ClientStart =
    | { readonly release: true; readonly armedSeconds: number; readonly netperfSeconds: number; readonly maxWaitMs: number }
    | { readonly release: false; readonly netperfSeconds: number };

/**
 * How to start a client of the given test, durationSeconds long, on an endpoint whose transport
 * can (canRelease) or cannot release armed clients.
 * - Armed clients wait with -s MAX_ARMED_SECONDS, and are released at most MAX_ARMED_LEAD_MS after
 *   they armed: a receiving netserver's timer (test length + PAD_TIME, started at setup) outlasts
 *   the wait, and a release that comes late has RELEASE_MARGIN_MS before the -s wait ends.
 * - TCP_MAERTS is armed too, but its netserver sends and its timer has no pad: it stops sending
 *   test length after setup, so every second the client waits is cut from the end of the stream
 *   (measured: -l 4 -s 2 gives an ELAPSED_TIME of 1.99 s). Its test length is therefore the
 *   duration plus MAERTS_EXTRA_SECONDS, and its wait is bounded by that: the stream runs at least
 *   the duration after the start, and ends less than MAERTS_EXTRA_SECONDS after it.
 * - A transport that cannot release launches the client at the start with -l duration.
 */
export function clientStart(test: NetperfTest, durationSeconds: number, canRelease: boolean): ClientStart {
    if (!canRelease) return { release: false, netperfSeconds: durationSeconds };
    return test === "TCP_MAERTS"
        ? {
              release: true,
              armedSeconds: MAX_ARMED_SECONDS,
              netperfSeconds: durationSeconds + MAERTS_EXTRA_SECONDS,
              maxWaitMs: MAERTS_EXTRA_SECONDS * 1000,
          }
        : { release: true, armedSeconds: MAX_ARMED_SECONDS, netperfSeconds: durationSeconds, maxWaitMs: MAX_ARMED_LEAD_MS };
}
