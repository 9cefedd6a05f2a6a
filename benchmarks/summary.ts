// The one-row-per-run summary exported as a stack output, and its text table.
import type { ResultsDocument, RunResult } from "./types";

export interface SummaryRow {
    readonly id: string;
    readonly experiment: string;
    readonly peer: string;
    readonly test: string;
    readonly messageBytes: number;
    readonly guests: number;
    readonly status: string;
    readonly throughputMbps: number;
    readonly lineRatePct: number;
    readonly goodputPct: number;
    readonly transactionsPerSec?: number;
    /** UDP_STREAM runs: the share of what was sent that did not arrive, in percent. */
    readonly lossPct?: number;
    readonly skewMs: number;
    /** The run's host-side service demand (benchmarks/cpu-sampler.ts), in us of CPU per KB; absent when no machine was sampled. */
    readonly hostDemandUsPerKB?: number;
    /** What limited the run, in words (benchmarks/bottleneck.ts); absent for failed runs. */
    readonly bottleneck?: string;
}

export function summarize(results: Pick<ResultsDocument, "runs">): SummaryRow[] {
    return results.runs.map((r: RunResult) => ({
        id: r.id,
        experiment: r.experiment,
        peer: r.peer,
        test: r.test,
        messageBytes: r.messageBytes,
        guests: r.guests,
        status: r.status,
        throughputMbps: r.aggregate.throughputMbps,
        lineRatePct: r.aggregate.lineRatePct,
        goodputPct: r.aggregate.goodputPct,
        ...(r.aggregate.transactionsPerSec !== undefined ? { transactionsPerSec: r.aggregate.transactionsPerSec } : {}),
        ...(r.aggregate.lossPct !== undefined ? { lossPct: r.aggregate.lossPct } : {}),
        skewMs: r.skewMs,
        ...(r.cpu?.hostDemandUsPerKB !== undefined ? { hostDemandUsPerKB: r.cpu.hostDemandUsPerKB } : {}),
        ...(r.bottleneck ? { bottleneck: r.bottleneck.says } : {}),
    }));
}

const COLUMNS: [string, (r: SummaryRow) => string][] = [
    ["experiment", (r) => r.experiment],
    ["peer", (r) => r.peer],
    ["test", (r) => r.test],
    ["msg B", (r) => String(r.messageBytes)],
    ["guests", (r) => String(r.guests)],
    ["Mb/s", (r) => r.throughputMbps.toFixed(1)],
    ["% line", (r) => r.lineRatePct.toFixed(1)],
    ["% goodput", (r) => r.goodputPct.toFixed(1)],
    ["trans/s", (r) => (r.transactionsPerSec === undefined ? "-" : r.transactionsPerSec.toFixed(0))],
    ["loss %", (r) => (r.lossPct === undefined ? "-" : r.lossPct.toFixed(2))],
    ["skew ms", (r) => r.skewMs.toFixed(1)],
    ["host us/KB", (r) => (r.hostDemandUsPerKB === undefined ? "-" : r.hostDemandUsPerKB.toFixed(2))],
    ["status", (r) => r.status],
];

const TEXT_COLUMNS = new Set(["experiment", "peer", "test", "status"]);

/** A fixed-width table; text columns left-aligned, numbers right-aligned. */
export function formatTable(rows: readonly SummaryRow[]): string {
    const cells = rows.map((r) => COLUMNS.map(([, f]) => f(r)));
    const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const numeric = COLUMNS.map(([h]) => !TEXT_COLUMNS.has(h));
    const line = (values: string[]) =>
        values
            .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    return [line(COLUMNS.map(([h]) => h)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
