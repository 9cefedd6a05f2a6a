// The one-row-per-run summary exported as a stack output, and its text table.
import type { ResultsDocument, RunResult } from "../model";

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
    /** Stream tests: messages per second over the window (UDP: datagrams that arrived); see StreamResult.messagesPerSec. */
    readonly messagesPerSec?: number;
    /** UDP_STREAM runs: datagrams sent per second (netperf's LOCAL_SEND_CALLS over ELAPSED_TIME, streams summed). */
    readonly sentPps?: number;
    /** TCP_RR runs: the run's P50 and P99 round-trip time in us (the worst stream's, runner/judging/run-result.ts runLatency). */
    readonly p50LatencyUs?: number;
    readonly p99LatencyUs?: number;
    readonly skewMs: number;
    /** The run's host-side service demand (runner/sampling/endpoint-sampler.ts), in us of CPU per KB; absent when no machine was sampled. */
    readonly hostDemandUsPerKB?: number;
    /** What limited the run, in words (runner/judging/bottleneck.ts); absent for failed runs. */
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
        ...(r.aggregate.messagesPerSec !== undefined ? { messagesPerSec: r.aggregate.messagesPerSec } : {}),
        ...(r.aggregate.sentPps !== undefined ? { sentPps: r.aggregate.sentPps } : {}),
        ...(r.aggregate.latency ? { p50LatencyUs: r.aggregate.latency.p50Us, p99LatencyUs: r.aggregate.latency.p99Us } : {}),
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
    ["msg/s", (r) => (r.messagesPerSec === undefined ? "-" : r.messagesPerSec.toFixed(0))],
    ["sent pkt/s", (r) => (r.sentPps === undefined ? "-" : r.sentPps.toFixed(0))],
    ["loss %", (r) => (r.lossPct === undefined ? "-" : r.lossPct.toFixed(2))],
    ["P50 us", (r) => (r.p50LatencyUs === undefined ? "-" : String(r.p50LatencyUs))],
    ["P99 us", (r) => (r.p99LatencyUs === undefined ? "-" : String(r.p99LatencyUs))],
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
