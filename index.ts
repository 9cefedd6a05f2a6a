// hvnetlab: builds the lab the stack's config describes, measures it, and exports the outcome.
import { loadLabConfig } from "./components";
import { Lab } from "./components";

const built = new Lab("hvnetlab", { config: loadLabConfig() });

/** What was built: endpoints, NICs, addresses, speeds, netperf versions, and the fingerprint. */
export const lab = built.inventory;
/** What the benchmark runner was asked to measure. */
export const plan = built.plan;
/** The results document: every run, every stream, every interim sample. */
export const results = built.results;
/** One row per run: throughput, % of line rate, % of goodput limit. */
export const summary = built.summary;
