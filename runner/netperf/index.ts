// runner/netperf/: its public surface, what other folders import from it.
export { MAX_ARMED_LEAD_MS, NETPERF_PAD_SECONDS, clientStart } from "./armed-hold";
export type { ClientStart } from "./armed-hold";
export { diagnoseNetperf, netperfFailure } from "./diagnosis";
export type { DiagnosisPlan, NetperfRun } from "./diagnosis";
export { factsArgs, nicHoldingAddress, parseFacts } from "./endpoint-facts";
export { isMegabits, netperfArgs, parseNetperfOutput, reachabilityArgs } from "./netperf-client";
export type { InterimSample, NetperfResult } from "./netperf-client";
