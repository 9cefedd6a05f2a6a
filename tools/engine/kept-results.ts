// After a failed update or offline run: what the benchmark measured before it failed, read from
// the results file it keeps after every run.
import * as path from "path";
import { readResultsSince } from "../../runner";
import { formatTable, summarize } from "../../analysis";

/** The kept results as a table with where they are, or undefined when the benchmark kept none since `sinceMs`. */
export function describeKeptResults(file: string, sinceMs: number): string | undefined {
    const doc = readResultsSince(file, sinceMs);
    if (!doc) return undefined;
    const ok = doc.runs.filter((r) => r.status === "ok").length;
    return (
        `\nwhat the benchmark measured (${ok} of ${doc.runs.length} runs ok${doc.incomplete ? `; ${doc.incomplete}` : ""}):\n` +
        `${formatTable(summarize(doc))}\n\nresults kept in ${path.relative(process.cwd(), file) || file}\n`
    );
}
