// Aggregation of concurrent streams over the window in which all of them ran.
//
// Each interim sample covers (at - intervalSeconds, at]. A stream starts where its first sample's
// interval begins and ends at its last sample. The aggregation window starts when the last stream
// has started (plus a warm-up) and ends when the first stream ends; each stream's rate is
// integrated over that window only, so partly overlapping intervals are never summed.
import type { InterimSample } from "../netperf";

export interface Window {
    readonly start: number;
    readonly end: number;
    readonly seconds: number;
    /** False when the window was too short to leave out the warm-up and cool-down (it then holds them). */
    readonly trimmed?: boolean;
}

export class AggregationError extends Error {
    readonly name = "AggregationError";
}

export function streamSpan(samples: readonly InterimSample[]): { start: number; end: number } {
    if (samples.length === 0) throw new AggregationError("stream has no interim samples (netperf demo mode output missing)");
    const first = samples[0];
    return { start: first.at - first.intervalSeconds, end: samples[samples.length - 1].at };
}

/** Spread of the streams' start times, in milliseconds. */
export function startSkewMs(streams: readonly (readonly InterimSample[])[]): number {
    if (streams.length < 2) return 0;
    const starts = streams.map((s) => streamSpan(s).start);
    return (Math.max(...starts) - Math.min(...starts)) * 1000;
}

/**
 * The window in which every stream ran, trimmed by `warmupSeconds` at its start (slow start,
 * buffers filling) and `cooldownSeconds` at its end (netperf's last interim result is cut short
 * by the end of the test). When the trimming would leave less than `minSeconds`, the untrimmed
 * common window is used.
 */
export function commonWindow(
    streams: readonly (readonly InterimSample[])[],
    warmupSeconds: number,
    cooldownSeconds: number,
    minSeconds: number,
): Window {
    if (streams.length === 0) throw new AggregationError("no stream to aggregate");
    const spans = streams.map(streamSpan);
    const start = Math.max(...spans.map((s) => s.start));
    const end = Math.min(...spans.map((s) => s.end));
    if (end - start <= 0) {
        throw new AggregationError(
            `the streams never ran at the same time (latest start ${start.toFixed(3)}, earliest end ${end.toFixed(3)})`,
        );
    }
    const from = start + warmupSeconds;
    const to = end - cooldownSeconds;
    if (to - from >= minSeconds) return { start: from, end: to, seconds: to - from, trimmed: true };
    return { start, end, seconds: end - start, trimmed: false };
}

/** Time-weighted mean of a stream's rate over the window. */
export function meanOverWindow(samples: readonly InterimSample[], window: Window): number {
    if (window.seconds <= 0) throw new AggregationError("empty aggregation window");
    let integral = 0;
    for (const s of samples) {
        const from = Math.max(s.at - s.intervalSeconds, window.start);
        const to = Math.min(s.at, window.end);
        if (to > from) integral += s.value * (to - from);
    }
    return integral / window.seconds;
}

export function sum(values: readonly number[]): number {
    return values.reduce((a, b) => a + b, 0);
}
