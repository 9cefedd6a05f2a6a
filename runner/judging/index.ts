// runner/judging/: its public surface, what other folders import from it.
export { withClockCheck } from "./clock-check";
export type { ClockRereading } from "./clock-check";
export { combineRepeats } from "./repeats";
export { EMPTY_WINDOW, LAGGARD_FRACTION, NO_AGGREGATE, aggregateCell, judge, laggards, runIdentity, udpRunLoss } from "./run-result";
export { withCpu } from "./run-cpu";
export type { StreamOutcome } from "./stream-result";
