// runner/judging/: its public surface, what other folders import from it.
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
