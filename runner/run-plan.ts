// The benchmark runner, as its steps: the checks before the first run (preflight.ts), then every
// cell of the plan's matrix with a synchronized start (measure-cell.ts), each judged (judging/), and
// one results document (results-document.ts).
import type { Cell } from "../model";
import { expandMatrix } from "../model";
import { measureCell } from "./measure-cell";
import { validatePlan } from "../model";
import { checkClocks, checkReachable, checkWires, describeEndpoints } from "./preflight";
import { resultsDocument } from "./results-document";
import type { Transport } from "./transport";
import type { EndpointReport, Plan, ResultsDocument, RunResult } from "../model";

export type ProgressEvent =
    | { kind: "endpoints"; reports: Record<string, EndpointReport> }
    | { kind: "check"; pairs: number }
    | { kind: "start"; index: number; total: number; cell: Cell }
    | { kind: "done"; index: number; total: number; run: RunResult };

export interface RunnerOptions {
    readonly transport: Transport;
    readonly onProgress?: (event: ProgressEvent) => void;
    /**
     * Aborting stops the run: running netperf clients are killed, no further cell starts, and the
     * document comes back with what was measured, the rest marked not run (the reason is the
     * signal's reason).
     */
    readonly signal?: AbortSignal;
    /** false: start no CPU sampler (runner/measure-cell.ts CellOptions); `npm run bench` compares runs with and without. */
    readonly cpuSamplers?: boolean;
    /** Called with the results so far after every run, so that a caller can keep them safe. */
    readonly onResults?: (doc: ResultsDocument) => void;
}

/**
 * Checks the endpoints (facts, clocks, wires, every netserver), then measures every cell of the
 * matrix. A failing stream or run is recorded with its reason and the next cell runs; an abort
 * returns what was measured. Only a lab unfit to measure (the checks) throws.
 */
export async function runPlan(plan: Plan, options: RunnerOptions): Promise<ResultsDocument> {
    validatePlan(plan);
    const startedAt = new Date().toISOString();
    const cells = expandMatrix(plan.matrix, plan.wires);
    const endpoints = await describeEndpoints(plan, options);
    // What each endpoint's transport offers (over SSH: whether clients can be armed there).
    await Promise.all(plan.endpoints.map((e) => options.transport.prepare?.(e, options.signal)));
    options.onProgress?.({ kind: "endpoints", reports: endpoints });
    checkClocks(endpoints, plan.maxClockOffsetMs);
    checkWires(plan, endpoints);
    await checkReachable(plan, cells, { ...options, onCheck: (pairs) => options.onProgress?.({ kind: "check", pairs }) });
    const offsets = new Map(Object.entries(endpoints).map(([name, r]) => [name, r.clock.offsetMs]));
    const runs: RunResult[] = [];
    const document = (incomplete?: string): ResultsDocument => resultsDocument(plan, { startedAt, endpoints, cells, runs }, incomplete);
    for (let i = 0; i < cells.length && !options.signal?.aborted; i++) {
        options.onProgress?.({ kind: "start", index: i, total: cells.length, cell: cells[i] });
        let run = await measureCell(plan, cells[i], offsets, options);
        // What the interrupted run measured stays, its figures and samples with it: it is marked failed.
        if (options.signal?.aborted && run.status !== "ok") {
            run = { ...run, status: "failed", error: `interrupted (${abortReason(options.signal)}) while measuring` };
        }
        runs.push(run);
        options.onProgress?.({ kind: "done", index: i, total: cells.length, run });
        if (i + 1 < cells.length) options.onResults?.(document(`${runs.length} of ${cells.length} runs measured so far`));
    }
    const measured = runs.filter((r) => !r.error?.startsWith("interrupted")).length;
    const done = document(
        options.signal?.aborted ? `${abortReason(options.signal)}: ${measured} of ${cells.length} runs measured` : undefined,
    );
    options.onResults?.(done);
    return done;
}

/** What stopped the run, in words: the abort signal's reason. */
export function abortReason(signal: AbortSignal): string {
    const r: unknown = signal.reason;
    if (typeof r === "string") return r;
    if (r instanceof Error && r.name !== "AbortError") return r.message;
    return "stopped";
}
