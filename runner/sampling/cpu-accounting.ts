// CPU accounting of the machines that take part in a run, read from what Linux, Xen and ESXi
// print, and turned into utilization over a run's aggregation window. Pure: the samplers that
// collect the text live with the transports.
//
// Sources:
// - Linux /proc/stat (proc(5)): per CPU, cumulative time in USER_HZ ticks spent in user, nice,
//   system, idle, iowait, irq, softirq, steal, guest, guest_nice. guest and guest_nice are already
//   counted in user and nice, so they are not added again.
// - Linux /proc/<pid>/task/<tid>/stat (proc(5)): fields 14 utime and 15 stime, in ticks; field 2
//   is the thread's name in parentheses (it may itself hold spaces and parentheses).
// - Xen's `xentop -b` (xentop(1)): one frame per delay, each starting with a header line
//   `NAME STATE CPU(sec) CPU(%) ...`; CPU(%) is the domain's share of one physical CPU over the
//   last delay (above 100 with several vCPUs). The first frame covers the time since boot.
// - ESXi's `esxtop -b` (VMware's esxtop batch mode): a perfmon-style CSV; its first row names the
//   columns `\\HOST\Object(Instance)\Counter`, each later row is one sample, the first column the
//   time. Physical Cpu(_Total) / Physical Cpu(N) "% Util Time" and Group Cpu(ID:NAME) "% Used"
//   are the columns read here.
import type { CpuUse } from "../../model";

/** Ticks of one CPU (or of all, for the `cpu` line) by state, as /proc/stat counts them. */
export interface CpuTicks {
    readonly user: number;
    readonly nice: number;
    readonly system: number;
    readonly idle: number;
    readonly iowait: number;
    readonly irq: number;
    readonly softirq: number;
    readonly steal: number;
}

/** One reading of /proc/stat: `cpu` (all CPUs) and each `cpuN`, at a time (epoch seconds). */
export interface ProcStat {
    readonly at: number;
    readonly total: CpuTicks;
    readonly cpus: Record<string, CpuTicks>;
}

export class CpuParseError extends Error {
    readonly name = "CpuParseError";
}

const FIELDS: (keyof CpuTicks)[] = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"];

/** Parses /proc/stat's cpu lines. Throws CpuParseError when there is no `cpu` line. */
export function parseProcStat(text: string, at: number): ProcStat {
    const cpus: Record<string, CpuTicks> = {};
    let total: CpuTicks | undefined;
    for (const line of text.split("\n")) {
        const m = /^(cpu\d*)\s+(\d+(?:\s+\d+){3,})\s*$/.exec(line);
        if (!m) continue;
        const n = m[2].split(/\s+/).map(Number);
        const ticks = Object.fromEntries(FIELDS.map((f, i) => [f, n[i] ?? 0])) as unknown as CpuTicks;
        if (m[1] === "cpu") total = ticks;
        else cpus[m[1]] = ticks;
    }
    if (!total) throw new CpuParseError(`no 'cpu' line in /proc/stat: ${text.slice(0, 80)}`);
    return { at, total, cpus };
}

function use(a: CpuTicks, b: CpuTicks): CpuUse {
    const d = (f: keyof CpuTicks) => Math.max(0, b[f] - a[f]);
    const all = FIELDS.reduce((s, f) => s + d(f), 0);
    const pct = (v: number) => (all > 0 ? round2((100 * v) / all) : 0);
    return {
        busyPct: pct(all - d("idle") - d("iowait")),
        userPct: pct(d("user") + d("nice")),
        systemPct: pct(d("system")),
        softirqPct: pct(d("softirq")),
        irqPct: pct(d("irq")),
        stealPct: pct(d("steal")),
        iowaitPct: pct(d("iowait")),
    };
}

/** A machine's CPU over a span: all CPUs together, and each one. */
export interface MachineCpu {
    readonly from: number;
    readonly to: number;
    readonly total: CpuUse;
    readonly perCpu: Record<string, CpuUse>;
}

/** Utilization between two /proc/stat readings. Throws CpuParseError when b is not after a. */
export function procStatUse(a: ProcStat, b: ProcStat): MachineCpu {
    if (!(b.at > a.at)) throw new CpuParseError(`the second /proc/stat reading (${b.at}) is not after the first (${a.at})`);
    return {
        from: a.at,
        to: b.at,
        total: use(a.total, b.total),
        perCpu: Object.fromEntries(Object.keys(b.cpus).flatMap((k) => (a.cpus[k] ? [[k, use(a.cpus[k], b.cpus[k])]] : []))),
    };
}

/**
 * The readings that best cover a window: the last at or before its start and the first at or
 * after its end (so the span holds the whole window); undefined when the readings do not reach
 * both ends. Readings are sorted by time first.
 */
export function covering<T extends { at: number }>(readings: readonly T[], window: { start: number; end: number }): [T, T] | undefined {
    const sorted = [...readings].sort((x, y) => x.at - y.at);
    const before = sorted.filter((r) => r.at <= window.start).pop();
    const after = sorted.find((r) => r.at >= window.end);
    return before && after && after.at > before.at ? [before, after] : undefined;
}

/** One thread's cumulative CPU time, from /proc/<pid>/task/<tid>/stat. */
export interface ThreadTicks {
    readonly tid: number;
    readonly name: string;
    /** utime + stime, in ticks. */
    readonly ticks: number;
}

/** Parses one /proc/<pid>/task/<tid>/stat line. Throws CpuParseError on another shape. */
export function parseTaskStat(line: string): ThreadTicks {
    const open = line.indexOf("(");
    const close = line.lastIndexOf(")");
    if (open < 0 || close < open) throw new CpuParseError(`not a /proc task stat line: ${line.slice(0, 80)}`);
    const tid = Number(line.slice(0, open).trim());
    // Fields after the name: 3 state, 4 ppid, ... 14 utime, 15 stime (proc(5)); index 0 here is field 3.
    const rest = line
        .slice(close + 1)
        .trim()
        .split(/\s+/);
    const utime = Number(rest[14 - 3]);
    const stime = Number(rest[15 - 3]);
    if (!Number.isInteger(tid) || !Number.isFinite(utime) || !Number.isFinite(stime))
        throw new CpuParseError(`not a /proc task stat line: ${line.slice(0, 80)}`);
    return { tid, name: line.slice(open + 1, close), ticks: utime + stime };
}

/**
 * Each thread's CPU between two readings, in % of one CPU: ticks over the span at `hz` ticks per
 * second (USER_HZ, 100 on Linux). Threads that exist in only one reading are left out.
 */
export function threadUse(
    a: readonly ThreadTicks[],
    b: readonly ThreadTicks[],
    seconds: number,
    hz = 100,
): { tid: number; name: string; cpuPct: number }[] {
    if (!(seconds > 0)) throw new CpuParseError(`a span of ${seconds} s holds no CPU time`);
    const before = new Map(a.map((t) => [t.tid, t]));
    return b.flatMap((t) => {
        const x = before.get(t.tid);
        return x ? [{ tid: t.tid, name: t.name, cpuPct: round2((100 * Math.max(0, t.ticks - x.ticks)) / hz / seconds) }] : [];
    });
}

/** One domain in one xentop frame. */
export interface XentopDomain {
    readonly name: string;
    readonly state: string;
    /** Share of one physical CPU over the frame's delay, in %. */
    readonly cpuPct: number;
    readonly vcpus: number;
}

/**
 * Parses `xentop -b` output into frames (each a list of domains). The first frame covers the time
 * since boot, so a caller takes the later ones. Throws CpuParseError when no frame has a header.
 */
export function parseXentop(text: string): XentopDomain[][] {
    const frames: XentopDomain[][] = [];
    let cols: string[] | undefined;
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "") continue;
        if (/^NAME\s+STATE\s+CPU\(sec\)\s+CPU\(%\)/.test(line)) {
            cols = line.split(/\s+/);
            frames.push([]);
            continue;
        }
        if (!cols) continue;
        // A name may hold spaces; the columns after it never do: read from the right.
        const words = line.split(/\s+/);
        const after = cols.length - 1;
        if (words.length < cols.length) continue;
        const name = words.slice(0, words.length - after).join(" ");
        const v = words.slice(words.length - after);
        const at = (col: string) => v[cols!.indexOf(col) - 1];
        const cpuPct = Number(at("CPU(%)"));
        const vcpus = Number(at("VCPUS"));
        if (!Number.isFinite(cpuPct)) continue;
        frames[frames.length - 1].push({ name, state: at("STATE") ?? "", cpuPct, vcpus: Number.isFinite(vcpus) ? vcpus : 0 });
    }
    if (frames.length === 0) throw new CpuParseError("no xentop frame (no 'NAME STATE CPU(sec) CPU(%)' header) in the output");
    return frames;
}

/** One sample of an esxtop batch CSV: its time, physical CPUs' utilization and each group's use. */
export interface EsxtopSample {
    /** The sample's time as esxtop printed it. */
    readonly time: string;
    /** Physical Cpu(_Total) % Util Time. */
    readonly totalUtilPct?: number;
    /** Physical Cpu(N) % Util Time, by N. */
    readonly perCpuUtilPct: Record<string, number>;
    /** Group Cpu(ID:NAME) % Used, by NAME (a VM, or a system world group). */
    readonly groupUsedPct: Record<string, number>;
}

/** Splits one CSV line (RFC 4180 quoting, as esxtop writes it). */
export function csvFields(line: string): string[] {
    const out: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quoted) {
            if (c === '"' && line[i + 1] === '"') {
                cur += '"';
                i++;
            } else if (c === '"') quoted = false;
            else cur += c;
        } else if (c === '"') quoted = true;
        else if (c === ",") {
            out.push(cur);
            cur = "";
        } else cur += c;
    }
    out.push(cur);
    return out;
}

/** Parses `esxtop -b` CSV output. Throws CpuParseError when the header names no Physical Cpu column. */
export function parseEsxtop(text: string): EsxtopSample[] {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
    if (lines.length === 0) throw new CpuParseError("esxtop printed nothing");
    const header = csvFields(lines[0]);
    type Col = { kind: "total" } | { kind: "cpu"; id: string } | { kind: "group"; id: string };
    const cols = new Map<number, Col>();
    header.forEach((h, i) => {
        const m = /^\\\\[^\\]+\\(Physical Cpu|Group Cpu)\(([^)]*)\)\\(.+)$/.exec(h);
        if (!m) return;
        const [, object, instance, counter] = m;
        if (object === "Physical Cpu" && counter === "% Util Time") {
            cols.set(i, instance === "_Total" ? { kind: "total" } : { kind: "cpu", id: instance });
        } else if (object === "Group Cpu" && counter === "% Used") {
            cols.set(i, { kind: "group", id: instance.replace(/^\d+:/, "") });
        }
    });
    if (![...cols.values()].some((c) => c.kind === "total" || c.kind === "cpu"))
        throw new CpuParseError("the esxtop header has no 'Physical Cpu(...)\\% Util Time' column: run esxtop -b with CPU counters");
    return lines.slice(1).map((line) => {
        const v = csvFields(line);
        const perCpuUtilPct: Record<string, number> = {};
        const groupUsedPct: Record<string, number> = {};
        let totalUtilPct: number | undefined;
        for (const [i, c] of cols) {
            const n = Number(v[i]);
            if (v[i] === undefined || v[i] === "" || !Number.isFinite(n)) continue;
            if (c.kind === "total") totalUtilPct = n;
            else if (c.kind === "cpu") perCpuUtilPct[c.id] = n;
            else groupUsedPct[c.id] = n;
        }
        return { time: v[0] ?? "", ...(totalUtilPct !== undefined ? { totalUtilPct } : {}), perCpuUtilPct, groupUsedPct };
    });
}

/**
 * netperf's service demand: CPU time per unit of data moved, in microseconds of CPU per KB
 * (netperf's "us/KB", KB = 1024 bytes). `cpuPct` is the machine's utilization over the span in %
 * of all its CPUs, `cpus` their count, `mbps` the data rate over the same span in 10^6 bits/s.
 * Undefined when nothing moved.
 */
export function serviceDemandUsPerKB(cpuPct: number, cpus: number, mbps: number): number | undefined {
    if (!(mbps > 0) || !(cpus > 0)) return undefined;
    const cpuSecondsPerSecond = (cpuPct / 100) * cpus;
    const kbPerSecond = (mbps * 1e6) / 8 / 1024;
    return round2((cpuSecondsPerSecond * 1e6) / kbPerSecond);
}

function round2(x: number): number {
    return Math.round(x * 100) / 100;
}
