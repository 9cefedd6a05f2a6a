// The CPU sampler of a run: one fixed sh script, started with the netperf clients on every
// machine of the run, that prints timestamped /proc/stat cpu lines every plan interval and the CPU
// time of the netperf/netserver processes of the machine's network namespace (or of the local
// lab's namespaces), each with its cgroup CPU limit. Parsed and turned into a run's CPU figures here
// (pure); runner/measure-cell.ts starts it.
//
// Sources:
// - /proc/stat (proc(5)): cumulative per-CPU ticks (USER_HZ, `getconf CLK_TCK`).
// - /proc/<pid>/schedstat (the kernel's Documentation/scheduler/sched-stats.rst): its first field
//   is the time the task spent on a CPU, in nanoseconds (exact, where /proc/<pid>/stat's utime +
//   stime are ticks sampled at USER_HZ). The sampler reads the process's main thread; netperf and
//   netserver are single-threaded.
// - cgroup v2 `cpu.max` ("$MAX $PERIOD" or "max $PERIOD", Documentation/admin-guide/cgroup-v2.rst)
//   and cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1: no limit,
//   Documentation/scheduler/sched-bwc.rst). A task's limit is the tightest along its cgroup's path.
import type { ProcStat } from "./cpu-accounting";
import type { MachineCpuFigures, ProcessCpuFigures, RunCpuFigures } from "../../model";
import { covering, CpuParseError, parseProcStat, procStatUse, serviceDemandUsPerKB } from "./cpu-accounting";

/**
 * Prints `clock EPOCH UPTIME` (the machine's clock against /proc/uptime, read once), then until the
 * epoch second $1 of the machine's clock, every $2 seconds: `up UPTIME` then, with $3 = 1, the
 * /proc/stat cpu lines, then `proc SCOPE PID COMM NS` for every netperf/netserver process in a
 * scope (the rest of the arguments: `self` for the sampler's own network namespace, or the name of
 * a namespace in /run/netns), NS its time on a CPU in nanoseconds. A process's cgroup CPU limit is
 * printed once, as `limit PID QUOTA_US PERIOD_US` or `limit PID none`. What cannot be read is
 * printed as `missing WHAT: WHY`. With $4 = `eof` it also ends when its stdin closes (a watcher,
 * `cat` then `kill -TERM`, wakes its wait), after a last reading taken then: the runner closes it
 * when the last client has ended, instead of waiting an interval for the next reading ($4 = `-`:
 * it keeps to its end time). Shell builtins read every file and walk /proc: per interval it
 * starts one process, sleep (date and pgrep cost 1 and 8 ms of CPU a call here, which at one
 * reading a second was above the 1% of a core the sampler may cost).
 */
export const SAMPLER_SCRIPT = [
    `until=$1; iv=$2; stat=$3; eof=$4; shift 4`,
    // With $4 = eof the sampler also ends when its stdin closes (a watcher signals it), after a last reading.
    `final=""; again=""; w=""`,
    // An asynchronous list's stdin is /dev/null in sh: the watcher reads the sampler's own through fd 3.
    `if [ "$eof" = eof ]; then trap 'final=1' TERM; exec 3<&0; (cat <&3 >/dev/null 2>&1; kill -TERM $$ 2>/dev/null) >/dev/null 2>&1 & w=$!; exec 3<&-; fi`,
    `echo "hz $(getconf CLK_TCK 2>/dev/null || echo 100)"`,
    `if [ "$stat" = 1 ] && ! [ -r /proc/stat ]; then echo "missing /proc/stat: not readable on this machine"; stat=0; fi`,
    `if ! read -r u0 _ 2>/dev/null < /proc/uptime; then echo "missing /proc/uptime: not readable, so no CPU readings"; exit 0; fi`,
    `e0=$(date +%s.%N)`,
    `echo "clock $e0 $u0"`,
    `end=$(( \${u0%.*} + until - \${e0%.*} ))`,
    `cg=/sys/fs/cgroup`,
    `limit() {`,
    `  bq=""; bp=""`,
    `  while IFS=: read -r _ ctl path; do`,
    `    case ",$ctl," in`,
    `      ,,) d=$cg; [ -e "$d/cgroup.controllers" ] || d=$cg/unified; f=max ;;`,
    `      *,cpu,*) d=""; for m in $cg/cpu $cg/cpu,cpuacct $cg/cpuacct,cpu; do if [ -e "$m/cpu.cfs_quota_us" ]; then d=$m; break; fi; done; f=cfs ;;`,
    `      *) continue ;;`,
    `    esac`,
    `    [ -n "$d" ] || continue`,
    `    p=$path`,
    `    while :; do`,
    `      q=""; per=""`,
    `      if [ $f = max ] && [ -r "$d$p/cpu.max" ]; then read -r q per < "$d$p/cpu.max"`,
    `      elif [ $f = cfs ] && [ -r "$d$p/cpu.cfs_quota_us" ]; then read -r q < "$d$p/cpu.cfs_quota_us"; read -r per < "$d$p/cpu.cfs_period_us"; fi`,
    `      case "$q" in ''|max|-*) ;; *) if [ -z "$bq" ] || [ $((q * bp)) -lt $((bq * per)) ]; then bq=$q; bp=$per; fi ;; esac`,
    `      [ -n "$p" ] && [ "$p" != / ] || break`,
    `      p=\${p%/*}`,
    `    done`,
    `  done < /proc/$1/cgroup`,
    `  if [ -n "$bq" ]; then echo "$bq $bp"; elif [ -d "$cg/cpu" ] || [ -e "$cg/cgroup.controllers" ]; then echo none; else echo "unknown (no cgroup file system at $cg)"; fi`,
    `}`,
    `seen=" "`,
    `while :; do`,
    `  read -r u _ < /proc/uptime`,
    `  echo "up $u"`,
    `  if [ "$stat" = 1 ]; then while read -r l; do case $l in cpu*) echo "$l" ;; *) break ;; esac; done < /proc/stat; fi`,
    `  for dir in /proc/[0-9]*; do`,
    `    read -r comm 2>/dev/null < "$dir/comm" || continue`,
    `    case $comm in netperf|netserver) ;; *) continue ;; esac`,
    `    pid=\${dir#/proc/}`,
    `    for s in "$@"; do`,
    `      if [ "$s" = self ]; then f=/proc/$$/ns/net; else f=/run/netns/$s; fi`,
    `      [ "$dir/ns/net" -ef "$f" ] || continue`,
    `      read -r ns _ 2>/dev/null < "$dir/schedstat" || continue`,
    `      case "$seen" in *" $pid "*) ;; *) seen="$seen$pid "; echo "limit $pid $(limit $pid)" ;; esac`,
    `      echo "proc $s $pid $comm $ns"`,
    `    done`,
    `  done`,
    `  if [ -n "$final" ]; then [ -z "$again" ] || break; again=1; continue; fi`,
    `  [ "\${u%.*}" -lt "$end" ] || break`,
    // The sleep holds no output open: a sampler that ends mid-interval closes its stdout at once.
    `  sleep "$iv" >/dev/null 2>&1 & wait $!`,
    `done`,
    `[ -z "$w" ] || kill "$w" 2>/dev/null`,
    `exit 0`,
].join("\n");

/**
 * The argument vector of a sampler: until `untilEpochSeconds` (the machine's clock), every
 * `intervalSeconds`, /proc/stat when `stat`, the processes of `scopes` (`self`, or namespace names).
 */
export function samplerArgs(
    untilEpochSeconds: number,
    intervalSeconds: number,
    stat: boolean,
    scopes: readonly string[],
    endOnEof = false,
): string[] {
    for (const s of scopes) {
        if (!/^[A-Za-z0-9_.-]+$/.test(s)) throw new RangeError(`sampler scope '${s}' is not a namespace name ([A-Za-z0-9_.-]+)`);
    }
    if (!(intervalSeconds > 0)) throw new RangeError(`sampler interval ${intervalSeconds} s is not above 0`);
    return [
        "sh",
        "-c",
        SAMPLER_SCRIPT,
        "hvnetlab-cpu",
        String(Math.ceil(untilEpochSeconds)),
        String(intervalSeconds),
        stat ? "1" : "0",
        endOnEof ? "eof" : "-",
        ...scopes,
    ];
}

/** One reading of one process: its CPU time so far. */
export interface ProcessReading {
    readonly at: number;
    readonly scope: string;
    readonly pid: number;
    readonly comm: string;
    /** Time on a CPU since it started, in nanoseconds (/proc/<pid>/schedstat). */
    readonly cpuNs: number;
}

/** What a sampler printed, parsed; times on the runner's clock. */
export interface SamplerOutput {
    readonly stats: ProcStat[];
    readonly processes: ProcessReading[];
    /** By pid: the tightest cgroup CPU limit, in CPUs (quota / period); null: none; undefined: unknown. */
    readonly limits: Map<number, number | null>;
    /** What the sampler could not read, and why. */
    readonly missing: string[];
}

/**
 * Parses a sampler's output; `offsetMs` (machine - runner, as ClockReading) moves its times onto
 * the runner's clock. Lines of another shape are ignored.
 */
export function parseSamplerOutput(stdout: string, offsetMs = 0): SamplerOutput {
    const stats: ProcStat[] = [];
    const processes: ProcessReading[] = [];
    const limits = new Map<number, number | null>();
    const missing: string[] = [];
    let at: number | undefined;
    let clock: { epoch: number; uptime: number } | undefined;
    let cpuLines: string[] = [];
    const flush = () => {
        if (at !== undefined && cpuLines.length > 0) stats.push(parseProcStat(cpuLines.join("\n"), at));
        cpuLines = [];
    };
    for (const line of stdout.split(/\r?\n/)) {
        let m: RegExpExecArray | null;
        if ((m = /^clock (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line))) clock = { epoch: Number(m[1]), uptime: Number(m[2]) };
        else if ((m = /^up (\d+(?:\.\d+)?)$/.exec(line)) && clock) {
            flush();
            at = clock.epoch + (Number(m[1]) - clock.uptime) - offsetMs / 1000;
        } else if (/^cpu\d*\s/.test(line)) cpuLines.push(line);
        else if ((m = /^proc (\S+) (\d+) (\S+) (\d+)$/.exec(line)) && at !== undefined)
            processes.push({ at, scope: m[1], pid: Number(m[2]), comm: m[3], cpuNs: Number(m[4]) });
        else if ((m = /^limit (\d+) (\d+) (\d+)$/.exec(line))) limits.set(Number(m[1]), Number(m[2]) / Number(m[3]));
        else if ((m = /^limit (\d+) none$/.exec(line))) limits.set(Number(m[1]), null);
        else if ((m = /^missing (.+)$/.exec(line))) missing.push(m[1]);
    }
    flush();
    return { stats, processes, limits, missing };
}

/** One sampler's output with the machine and the scopes' endpoints it stands for. */
export interface SamplerSource {
    /** The machine whose /proc/stat it read (absent: it read none). */
    readonly machine?: string;
    /** Scope (as printed) to endpoint name. */
    readonly endpoints: Record<string, string>;
    readonly output?: SamplerOutput;
    /** Why it gave nothing (it could not start, or failed). */
    readonly error?: string;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The CPU figures of a run over its window (runner's clock) from its samplers' outputs. A machine
 * appears only when two readings cover the window, a process only when it was read at both
 * covering times; everything else goes to `missing` with why.
 */
export function runCpu(sources: readonly SamplerSource[], window: { start: number; end: number }): RunCpuFigures {
    const machines: MachineCpuFigures[] = [];
    const processes: ProcessCpuFigures[] = [];
    const missing: string[] = [];
    for (const s of sources) {
        const where = s.machine ?? Object.values(s.endpoints).join(", ");
        if (!s.output) {
            missing.push(`${where}: no CPU sample (${s.error ?? "the sampler did not run"})`);
            continue;
        }
        const o = s.output;
        missing.push(...o.missing.map((m) => `${where}: ${m}`));
        if (s.machine !== undefined && !o.missing.some((m) => m.startsWith("/proc/stat"))) {
            const span = covering(o.stats, window);
            if (!span) missing.push(`${s.machine}: its /proc/stat readings do not cover the window (${o.stats.length} readings)`);
            else {
                const u = procStatUse(span[0], span[1]);
                machines.push({
                    machine: s.machine,
                    from: u.from,
                    to: u.to,
                    cpus: Object.keys(u.perCpu).length,
                    total: u.total,
                    perCpu: u.perCpu,
                });
            }
        }
        const byPid = new Map<number, ProcessReading[]>();
        for (const p of o.processes) byPid.set(p.pid, [...(byPid.get(p.pid) ?? []), p]);
        for (const [pid, readings] of byPid) {
            const span = processSpan(readings, window);
            if (!span) continue; // a process of another run, or one seen too briefly
            const [a, b] = span;
            const cpuPct = round2((100 * (b.cpuNs - a.cpuNs)) / 1e9 / (b.at - a.at));
            const limit = o.limits.get(pid);
            processes.push({
                endpoint: s.endpoints[b.scope] ?? b.scope,
                program: b.comm,
                pid,
                cpuPct,
                ...(typeof limit === "number" ? { limitCpus: round2(limit * 1000) / 1000, limitPct: round2(cpuPct / limit) } : {}),
            });
        }
    }
    return { machines, processes, missing };
}

/**
 * The readings of a process that best span a window: those that cover it, else (a client ends
 * right after its last interval, often before a reading after the window's end) the readings
 * nearest its ends inside it, when they span at least half of it.
 */
export function processSpan(
    readings: readonly ProcessReading[],
    window: { start: number; end: number },
): [ProcessReading, ProcessReading] | undefined {
    const whole = covering(readings, window);
    if (whole) return whole;
    const sorted = [...readings].sort((x, y) => x.at - y.at);
    const a = sorted.filter((r) => r.at <= window.start).pop() ?? sorted.find((r) => r.at >= window.start);
    const b = sorted.find((r) => r.at >= window.end) ?? sorted.filter((r) => r.at <= window.end).pop();
    return a && b && b.at - a.at >= (window.end - window.start) / 2 ? [a, b] : undefined;
}

/**
 * netperf's service demand (us of CPU per KB) of the processes named `program` on `endpoint`
 * over the streams they served, `mbps` their Mb/s together: the processes' CPU (% of one CPU,
 * summed) per KB. Where several streams share an endpoint (the local lab's peer namespace), it is
 * their processes' demand together. Undefined when no such process was measured.
 */
export function processDemandUsPerKB(cpu: RunCpuFigures, endpoint: string, program: string, mbps: number): number | undefined {
    const ps = cpu.processes.filter((p) => p.endpoint === endpoint && p.program === program);
    if (ps.length === 0) return undefined;
    return serviceDemandUsPerKB(
        ps.reduce((a, p) => a + p.cpuPct, 0),
        1,
        mbps,
    );
}

/**
 * The run's host-side service demand: the CPU of every sampled machine (busy % x CPUs, summed)
 * per KB of the run's aggregate `mbps`, in us/KB. A guest that runs on a sampled hypervisor host
 * is left out: its vCPUs' time is already in the host's. Undefined when no machine was sampled.
 */
export function hostDemandUsPerKB(cpu: RunCpuFigures, mbps: number): number | undefined {
    if (cpu.machines.length === 0) return undefined;
    const inHost = new Set(cpu.machines.flatMap((m) => m.guests ?? []));
    return serviceDemandUsPerKB(
        cpu.machines.filter((m) => !inHost.has(m.machine)).reduce((a, m) => a + m.total.busyPct * m.cpus, 0),
        1,
        mbps,
    );
}

/** Re-exported so callers of the sampler need one module. */
export { CpuParseError };
