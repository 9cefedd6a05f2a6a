// Whether a benchmark that measured should still fail (and so fail `pulumi up`): a documented
// choice, hvnetlab:failOn. The results are kept either way.
import type { ResultsDocument } from "../model";

/** failed: any run failed (the default); partial: any run not ok; never: only an unusable lab fails. */
export const FAIL_ON = ["failed", "partial", "never"] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** Why the benchmark fails under the policy, or undefined when it does not. */
export function failureOf(doc: Pick<ResultsDocument, "runs" | "incomplete">, failOn: FailOn): string | undefined {
    if (doc.incomplete) return `the benchmark was stopped: ${doc.incomplete}`;
    if (failOn === "never") return undefined;
    const bad = doc.runs.filter((r) => r.status === "failed" || (failOn === "partial" && r.status === "partial"));
    if (bad.length === 0) return undefined;
    const shown = bad.slice(0, 5).map((r) => `${r.id} ${r.status}${r.error ? ` (${r.error})` : ""}`);
    return `${bad.length} of ${doc.runs.length} runs ${failOn === "partial" ? "are not ok" : "failed"} (hvnetlab:failOn is ${failOn}): ${shown.join("; ")}${bad.length > 5 ? "; ..." : ""}`;
}
