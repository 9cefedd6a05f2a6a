// A cell's repeats (the plan's `repeats`) combined into one run: the mean of their figures with
// its spread (runner/judging/statistics.ts), the representative repeat's detail, and every repeat
// kept whole.
import { runLatency } from "./run-result";
import { spread } from "./statistics";
import { round } from "../../model";
import type { Measurement, RunResult } from "../../model";

/**
 * One run from its repeats: the aggregate is their mean over the repeats that measured (ok or
 * partial), with the spread (sd, CV, 95% t-interval); skew, window, streams, CPU figures and
 * bottleneck are those of the repeat nearest the mean. ok only when every repeat is ok; failed
 * when none measured, with the mean of the failed repeats' figures (each kept what it measured)
 * and no spread. Every repeat is kept whole in `repeats`, its CPU figures, verdict, warnings and
 * clocks included.
 */
export function combineRepeats(repeats: readonly RunResult[]): RunResult {
    if (repeats.length === 0) throw new RangeError("no repeat to combine");
    if (repeats.length === 1) return repeats[0];
    const ok = repeats.filter((r) => r.status !== "failed");
    const measured = ok.length > 0 ? ok : repeats;
    const measurements: Measurement[] = repeats.map(
        ({ status, skewMs, window, aggregate, streams, cpu, bottleneck, error, warnings, clocks }) => ({
            status,
            skewMs,
            window,
            aggregate,
            streams,
            ...(cpu ? { cpu } : {}),
            ...(bottleneck ? { bottleneck } : {}),
            ...(error ? { error } : {}),
            ...(warnings ? { warnings } : {}),
            ...(clocks ? { clocks } : {}),
        }),
    );
    const reasons = repeats.flatMap((r, i) => (r.error ? [`repeat ${i + 1}: ${r.error}`] : []));
    const s = spread(measured.map((r) => r.aggregate.throughputMbps));
    const mean = (pick: (r: RunResult) => number) => round(measured.reduce((a, r) => a + pick(r), 0) / measured.length, 2);
    const nearest = measured.reduce((best, r) =>
        Math.abs(r.aggregate.throughputMbps - s.mean) < Math.abs(best.aggregate.throughputMbps - s.mean) ? r : best,
    );
    const tps = measured.every((r) => r.aggregate.transactionsPerSec !== undefined)
        ? { transactionsPerSec: mean((r) => r.aggregate.transactionsPerSec!) }
        : {};
    const loss = measured.every((r) => r.aggregate.lossPct !== undefined) ? { lossPct: mean((r) => r.aggregate.lossPct!) } : {};
    const meanOf = (key: "messagesPerSec" | "sentPps" | "receivedPps") =>
        measured.every((r) => r.aggregate[key] !== undefined)
            ? {
                  [key]: round(
                      mean((r) => r.aggregate[key]!),
                      0,
                  ),
              }
            : {};
    // The repeats' round-trip times combine as streams' do: each repeat weighted by its transactions.
    const latency = runLatency(measured.map((r) => ({ latency: r.aggregate.latency, transactionsPerSec: r.aggregate.transactionsPerSec })));
    const { error: _nearestError, ...representative } = nearest;
    return {
        ...representative,
        status: ok.length === 0 ? "failed" : repeats.every((r) => r.status === "ok") ? "ok" : "partial",
        aggregate: {
            throughputMbps: mean((r) => r.aggregate.throughputMbps),
            lineRatePct: mean((r) => r.aggregate.lineRatePct),
            goodputPct: mean((r) => r.aggregate.goodputPct),
            ...tps,
            ...loss,
            ...meanOf("messagesPerSec"),
            ...meanOf("sentPps"),
            ...meanOf("receivedPps"),
            ...(latency ? { latency } : {}),
        },
        ...(ok.length > 0
            ? {
                  stats: {
                      n: s.n,
                      meanMbps: round(s.mean, 2),
                      sdMbps: round(s.sd, 2),
                      cvPct: round(s.cvPct, 2),
                      ci95Mbps: [round(s.ci95[0], 2), round(s.ci95[1], 2)] as [number, number],
                  },
              }
            : {}),
        repeats: measurements,
        ...(reasons.length > 0 ? { error: reasons.join("; ") } : {}),
    };
}
