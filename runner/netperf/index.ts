// runner/netperf/: what the runner asks of netperf and reads from it: command lines, the parsing
// and diagnosis of its output, how long a client may be held armed, and the endpoint facts script
// (kernel, CPU, NICs with their ethtool settings).
export { MAX_ARMED_LEAD_MS, NETPERF_PAD_SECONDS, clientStart } from "./armed-hold";
export type { ClientStart } from "./armed-hold";
export { diagnoseNetperf, netperfFailure } from "./diagnosis";
export type { DiagnosisPlan, NetperfRun } from "./diagnosis";
export { factsArgs, nicHoldingAddress, parseFacts } from "./endpoint-facts";
export { isMegabits, netperfArgs, parseNetperfOutput, reachabilityArgs } from "./netperf-client";
export type { InterimSample, NetperfResult } from "./netperf-client";
