// runner/judging/: a run's netperf outcomes judged: the common window of all streams, each
// stream's checks (marks, never discards), the run's figures, status and bottleneck, and a
// cell's repeats combined with their statistics.
export { withClockCheck } from "./clock-check";
export type { ClockRereading } from "./clock-check";
export { combineRepeats } from "./repeats";
export { withCpu } from "./run-cpu";
export { EMPTY_WINDOW, NO_AGGREGATE, aggregateCell, runIdentity } from "./run-result";
export type { StreamOutcome } from "./stream-result";
