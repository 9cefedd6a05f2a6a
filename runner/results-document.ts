// The results document: what the runner prints, with every cell of the matrix (those not
// measured marked so, with why).
import type { Cell } from "../model";
import { nicPathNotes } from "../model";
import { EMPTY_WINDOW, NO_AGGREGATE, runIdentity } from "./judging";
import type { EndpointReport, Plan, ResultsDocument, RunResult } from "../model";

export const CPU_NOTE =
    "CPU utilization (netperf -c -C) is recorded as netperf reports it; inside a guest, CPU figures are unreliable because the hypervisor steals and accounts time the guest cannot see.";

/** A cell the runner never got to: failed, with why, and no numbers. */
export function notRun(plan: Pick<Plan, "limitBasis" | "uplinkMbps">, cell: Cell, why: string): RunResult {
    return {
        ...runIdentity(plan, cell),
        status: "failed",
        skewMs: 0,
        window: EMPTY_WINDOW,
        aggregate: NO_AGGREGATE,
        streams: [],
        error: `not run: ${why}`,
    };
}

/**
 * The results document of a plan: the runs measured so far, then the plan's other cells, not
 * run for `incomplete` (or "not measured yet"), which is also stated when set.
 */
export function resultsDocument(
    plan: Plan,
    measured: { startedAt: string; endpoints: Record<string, EndpointReport>; cells: readonly Cell[]; runs: readonly RunResult[] },
    incomplete?: string,
): ResultsDocument {
    const { startedAt, endpoints, cells, runs } = measured;
    return {
        schemaVersion: 1,
        platform: plan.platform,
        fingerprint: plan.fingerprint,
        ...(plan.comparable ? { comparable: plan.comparable } : {}),
        startedAt,
        finishedAt: new Date().toISOString(),
        notes: [
            ...(plan.cpu ? [CPU_NOTE] : []),
            ...nicPathNotes(
                plan.comparable?.nicPath,
                plan.wires,
                Object.fromEntries(Object.entries(endpoints).map(([name, r]) => [name, r.facts])),
            ),
        ],
        endpoints,
        maxClockOffsetMs: plan.maxClockOffsetMs,
        ...(incomplete ? { incomplete } : {}),
        runs: [...runs, ...cells.slice(runs.length).map((c) => notRun(plan, c, incomplete ?? "not measured yet"))],
    };
}
