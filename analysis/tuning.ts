// The tuning tables: for each platform measured with more than one virtual NIC path (hvnetlab:nic,
// the results' comparable.nicPath), each path by guest count as % of the baseline (native), with
// the host's CPU per Gb/s and what limited the run. Pure; the report writes them.
import type { RunResult } from "../model";
import { nicPathWords } from "../model";
import type { Source, Table } from "./compare";
import { findRun, groupKey, metricOf } from "./compare";

/**
 * KB (netperf's 1024 bytes) in one gigabit: 1e9 / 8 / 1024. Service demand in us of CPU per KB
 * times this is us of CPU per Gb, i.e. millionths of a CPU per Gb/s.
 */
export const KB_PER_GIGABIT = 1e9 / 8 / 1024;

/** The host CPU a run spent per Gb/s of its aggregate, in CPUs (busy CPUs per Gb/s), from its service demand. */
export function hostCpusPerGbps(r: RunResult): number | undefined {
    const demand = r.cpu?.hostDemandUsPerKB;
    return demand === undefined ? undefined : (demand * KB_PER_GIGABIT) / 1e6;
}

/** The sources of each platform that was measured with two NIC paths or more, by platform in the order first seen. */
export function pathsByPlatform(sources: readonly Source[]): Map<string, Source[]> {
    const out = new Map<string, Source[]>();
    for (const s of sources) {
        if (!s.results.comparable?.nicPath) continue;
        out.set(s.results.platform, [...(out.get(s.results.platform) ?? []), s]);
    }
    return new Map([...out].filter(([, list]) => new Set(list.map((s) => canonicalPath(s))).size > 1));
}

const canonicalPath = (s: Source) => (s.results.comparable?.nicPath ? nicPathWords(s.results.comparable.nicPath) : "");

/** One cell: "% of baseline" (or the figure where there is no baseline), the host CPUs per Gb/s, the bottleneck. */
function tuningRow(s: Source, group: string, guests: number, baseline: Source | undefined): string[] {
    const r = findRun(s, group, guests);
    if (!r) return [canonicalPath(s), String(guests), "not measured", "-", "-"];
    if (r.status === "failed") return [canonicalPath(s), String(guests), "failed", "-", (r.error ?? "failed").replace(/\|/g, "/")];
    const m = metricOf(r);
    const base = baseline ? findRun(baseline, group, guests) : undefined;
    const share =
        base && base.status !== "failed" && metricOf(base).value > 0 ? `${((100 * m.value) / metricOf(base).value).toFixed(1)}%` : "-";
    const cpus = hostCpusPerGbps(r);
    return [
        canonicalPath(s),
        String(guests),
        `${m.value.toFixed(1)} ${m.unit}${baseline ? ` (${share} of ${baseline.label})` : ""}`,
        cpus === undefined ? "not sampled" : cpus.toFixed(2),
        (r.bottleneck?.says ?? "-").replace(/\|/g, "/"),
    ];
}

/**
 * For each platform with two NIC paths or more and each test of the matrix: one row per path and
 * guest count, with the figure as % of the baseline, the host's CPUs per Gb/s (from the run's
 * service demand) and the bottleneck in words. Empty when no platform was measured with two paths.
 */
export function tuningTables(sources: readonly Source[], baseline?: Source): Table[] {
    const tables: Table[] = [];
    for (const [platform, paths] of pathsByPlatform(sources)) {
        const groups = [...new Set(paths.flatMap((s) => s.results.runs.map(groupKey)))];
        const guests = [...new Set(paths.flatMap((s) => s.results.runs.map((r) => r.guests)))].sort((a, b) => a - b);
        for (const group of groups) {
            tables.push({
                title: `${platform}: NIC paths, ${group}`,
                headers: [
                    "NIC path",
                    "guests",
                    baseline ? `throughput (% of ${baseline.label})` : "throughput",
                    "host CPUs per Gb/s",
                    "what limited it",
                ],
                rows: guests.flatMap((g) => paths.map((s) => tuningRow(s, group, g, baseline))),
            });
        }
    }
    return tables;
}
