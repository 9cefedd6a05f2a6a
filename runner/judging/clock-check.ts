// A run's clocks checked: each client endpoint's clock offset read afresh after the run, held
// against the offset its samples were moved by (Transport.clock; runner/measure-cell.ts rereadClocks).
import { round } from "../../model";
import type { ClockCheck, ClockReading, RunResult } from "../../model";

/**
 * An endpoint's clock may move this much during a run (ms) before the run is marked: NTP slews a
 * clock by at most 500 ppm, 20 ms over a 40 s run; and a reading is good to half its round trip,
 * so two readings may differ by up to the fresh reading's round trip. The tolerance is the
 * larger of CLOCK_MOVE_TOLERANCE_MS and that round trip.
 */
export const CLOCK_MOVE_TOLERANCE_MS = 20;

/** An endpoint's clock read afresh after a run, or why it could not be. */
export interface ClockRereading {
    readonly endpoint: string;
    /** The offset the run's samples were moved by (ms). */
    readonly beforeMs: number;
    readonly after?: ClockReading;
    readonly error?: string;
}

/**
 * A run with its client endpoints' clock offsets before and after it (`clocks`), and marked where
 * one moved by more than max(CLOCK_MOVE_TOLERANCE_MS, the fresh reading's round trip): the
 * endpoint's streams get the reason in their `warnings`, the run in its `error`, and an ok run
 * becomes partial (figures are kept: the samples were placed with the offset before). A clock
 * that could not be re-read is a run warning. Pure.
 */
export function withClockCheck(run: RunResult, readings: readonly ClockRereading[]): RunResult {
    if (readings.length === 0) return run;
    const clocks: Record<string, ClockCheck> = {};
    const moved = new Map<string, string>();
    const unread: string[] = [];
    for (const r of readings) {
        if (!r.after) {
            clocks[r.endpoint] = { beforeMs: r.beforeMs, error: r.error ?? "not read" };
            unread.push(`could not re-read ${r.endpoint}'s clock after the run: ${r.error ?? "not read"}`);
            continue;
        }
        const movedMs = round(r.after.offsetMs - r.beforeMs, 3);
        clocks[r.endpoint] = { beforeMs: r.beforeMs, afterMs: r.after.offsetMs, rttMs: r.after.rttMs, movedMs };
        const tolerance = Math.max(CLOCK_MOVE_TOLERANCE_MS, r.after.rttMs);
        if (Math.abs(movedMs) > tolerance) {
            moved.set(
                r.endpoint,
                `${r.endpoint}'s clock moved ${round(movedMs, 1)} ms during the run: its offset to the runner was ${round(r.beforeMs, 1)} ms before and ${round(r.after.offsetMs, 1)} ms after (more than the ${round(tolerance, 1)} ms allowed, max(${CLOCK_MOVE_TOLERANCE_MS} ms, the reading's round trip)); its samples were placed with the offset before`,
            );
        }
    }
    const streams = run.streams.map((s) => {
        const why = moved.get(s.client);
        return why ? { ...s, warnings: [...(s.warnings ?? []), why] } : s;
    });
    const reasons = [...moved.values()];
    const error = [run.error, ...reasons].filter((x): x is string => x !== undefined && x !== "").join("; ");
    const warnings = [...(run.warnings ?? []), ...unread];
    return {
        ...run,
        status: run.status === "ok" && reasons.length > 0 ? "partial" : run.status,
        streams,
        clocks,
        ...(error ? { error } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
    };
}
