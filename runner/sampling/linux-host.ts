// What the Linux hosts' samplers (kvm-host.ts: the KVM host; xen-host.ts: Xen's dom0) share: the
// lines their scripts start and loop with, which read the host's clock, /proc/uptime and
// /proc/stat (proc(5)) as the endpoints' sampler does (endpoint-sampler.ts SAMPLER_SCRIPT), the
// parser of those lines, and the host's machine figures over a window from its /proc/stat. Pure.
import type { ProcStat } from "./cpu-accounting";
import { covering, procStatUse } from "./cpu-accounting";
import { parseSamplerOutput } from "./endpoint-sampler";
import type { HostSamplerOutput, TimeWindow } from "./host-sampler-interface";
import { hypervisorMachine } from "./host-sampler-interface";
import type { MachineCpuFigures, PlanHost } from "../../model";

/** Lines every Linux host script starts with: $1 until (machine's epoch s), $2 interval; see SAMPLER_SCRIPT. */
export const LINUX_PRELUDE = [
    `until=$1; iv=$2; shift 2`,
    `echo "hz $(getconf CLK_TCK 2>/dev/null || echo 100)"`,
    `stat=1; if ! [ -r /proc/stat ]; then echo "missing /proc/stat: not readable on this machine"; stat=0; fi`,
    `if ! read -r u0 _ 2>/dev/null < /proc/uptime; then echo "missing /proc/uptime: not readable, so no CPU readings"; exit 0; fi`,
    `e0=$(date +%s.%N)`,
    `echo "clock $e0 $u0"`,
    `end=$(( \${u0%.*} + until - \${e0%.*} ))`,
];

/** One reading of the loop: `up UPTIME`, then with $stat the /proc/stat cpu lines. */
export const LINUX_READING = [
    `  read -r u _ < /proc/uptime`,
    `  echo "up $u"`,
    `  if [ "$stat" = 1 ]; then while read -r l; do case $l in cpu*) echo "$l" ;; *) break ;; esac; done < /proc/stat; fi`,
];

export const LINUX_LOOP_END = [`  [ "\${u%.*}" -lt "$end" ] || break`, `  sleep "$iv"`, `done`];

/** A line of a Linux host script's output beyond its clock and `up` lines, with where its readings were then. */
export interface LinuxHostLine {
    readonly text: string;
    /** The time of the last `up` reading before it, on the runner's clock; undefined before the first. */
    readonly at?: number;
    /** A machine uptime (s) on the runner's clock (epoch s); undefined before the `clock` line. */
    readonly onRunner?: (uptime: number) => number;
}

/** A Linux host script's output, parsed: its /proc/stat readings, what it said is missing, and its other lines. */
export interface LinuxHostOutput {
    readonly stats: ProcStat[];
    readonly missing: string[];
    readonly lines: LinuxHostLine[];
}

/**
 * Parses what a Linux host script printed: `clock EPOCH UPTIME` ties the machine's uptime to its
 * clock, each `up UPTIME` stamps the lines after it, and the /proc/stat readings and `missing`
 * lines are read as the endpoints' sampler's (parseSamplerOutput). `offsetMs` (machine - runner)
 * moves the times onto the runner's clock. Every other line is handed on, for the kind to read.
 */
export function parseLinuxHostOutput(stdout: string, offsetMs: number): LinuxHostOutput {
    const base = parseSamplerOutput(stdout);
    const stats = base.stats.map((s) => ({ ...s, at: s.at - offsetMs / 1000 }));
    const lines: LinuxHostLine[] = [];
    let onRunner: ((uptime: number) => number) | undefined;
    let at: number | undefined;
    for (const text of stdout.split(/\r?\n/)) {
        let m: RegExpExecArray | null;
        if ((m = /^clock (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(text))) {
            const clock = { epoch: Number(m[1]), uptime: Number(m[2]) };
            onRunner = (uptime) => clock.epoch + (uptime - clock.uptime) - offsetMs / 1000;
        } else if ((m = /^up (\d+(?:\.\d+)?)$/.exec(text)) && onRunner) at = onRunner(Number(m[1]));
        else lines.push({ text, at, onRunner });
    }
    return { stats, missing: [...base.missing], lines };
}

/**
 * A Linux host's machine figures over a window from its /proc/stat readings (its CPUs named
 * `cpuNoun`: dom0's are vCPUs), or why there are none: nothing when the sampler said it could not
 * read /proc/stat or /proc/uptime (that is in its own `missing`), else a reason prefixed with `where`.
 */
export function procStatMachine(
    host: PlanHost,
    output: HostSamplerOutput,
    window: TimeWindow,
    where: string,
    cpuNoun?: MachineCpuFigures["cpuNoun"],
): { machine?: MachineCpuFigures; missing: string[] } {
    if (output.missing.some((m) => m.startsWith("/proc/stat") || m.startsWith("/proc/uptime"))) return { missing: [] };
    const span = covering(output.stats, window);
    if (!span) return { missing: [`${where}: its /proc/stat readings do not cover the window (${output.stats.length} readings)`] };
    const use = procStatUse(span[0], span[1]);
    return { machine: hypervisorMachine(host, { ...use, cpus: Object.keys(use.perCpu).length }, cpuNoun), missing: [] };
}
