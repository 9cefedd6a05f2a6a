// runner/: the benchmark runner, no Pulumi. runPlan checks the endpoints (preflight.ts), measures
// every cell of the plan's matrix with a synchronized start (measure-cell.ts) and assembles the
// results document (results-document.ts); results-store.ts keeps it safe after every run. Its
// rooms: transport/ (how a program runs on an endpoint), netperf/ (netperf's arguments, output
// and the endpoints' facts), sampling/ (CPU samplers), judging/ (the checks and figures of a run).
export { readResultsSince, resultsFileOf, writeResultsFile } from "./results-store";
export { runPlan } from "./run-plan";
export type { ProgressEvent } from "./run-plan";
