// runner/judging/: a run's netperf outcomes judged: the common window of all streams, each
// stream's checks (marks, never discards), the run's figures, status and bottleneck, and a
// cell's repeats combined with their statistics.
export {
    EMPTY_WINDOW,
    LAGGARD_FRACTION,
    NO_AGGREGATE,
    aggregateCell,
    combineRepeats,
    judge,
    laggards,
    runIdentity,
    udpRunLoss,
    withClockCheck,
    withCpu,
} from "./run-result";
export type { ClockRereading, StreamOutcome } from "./run-result";
