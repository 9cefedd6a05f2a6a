// runner/: its public surface, what other folders import from it.
export { readResultsSince, resultsFileOf, writeResultsFile } from "./results-store";
export { runPlan } from "./run-plan";
export type { ProgressEvent } from "./run-plan";
