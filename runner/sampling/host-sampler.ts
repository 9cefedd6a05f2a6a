// The CPU of a run's hypervisor host (a PlanHost): one sampler per host, of the kind its platform
// names, started with the netperf clients like the endpoints' samplers (runner/sampling/endpoint-sampler.ts).
// The scripts, their argument vectors, the parsers of what they print and the figures over a run's
// window are here, pure; runner/measure-cell.ts starts them over the runner's transport.
//
// What each kind reads:
// - kvm: the host's /proc/stat, and per guest the threads of its QEMU process (pid from libvirt's
//   /run/libvirt/qemu/<domain>.pid; each thread's /proc/<pid>/task/<tid>/schedstat, its first field
//   the time on a CPU in ns, and comm: QEMU names a vCPU thread "CPU <n>/KVM" or "CPU <n>/TCG")
//   and its vhost-net worker threads (named "vhost-<QEMU pid>" by the kernel's drivers/vhost).
// - xen: dom0's /proc/stat (its vCPUs), and `xentop -b -d <delay> -i <iterations>` (xentop(1)):
//   per frame each domain's CPU(%), the share of one physical CPU over the last delay.
// - esx: `esxtop -b -d <delay> -n <iterations>` (VMware's esxtop batch mode; -d at least 2 s): per
//   row Physical Cpu(N) "% Util Time" and each VM's Group Cpu(<id>:<VM>) "% Used". Untested against
//   a real ESXi host (none here): written to esxtop's documented CSV format.
import type { EsxtopSample, ProcStat, XentopDomain } from "./cpu-accounting";
import { covering, CpuParseError, parseEsxtop, parseXentop, procStatUse } from "./cpu-accounting";
import type { HostThreadFigures, MachineCpuFigures, RunCpuFigures } from "../../model";
import { parseSamplerOutput } from "./endpoint-sampler";
import type { HostSamplerKind, PlanHost } from "../../model";

/** A domain or VM name as the host scripts take it: no shell or path characters. */
const DOMAIN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Lines every Linux host script starts with: $1 until (machine's epoch s), $2 interval; see SAMPLER_SCRIPT. */
const LINUX_PRELUDE = [
    `until=$1; iv=$2; shift 2`,
    `echo "hz $(getconf CLK_TCK 2>/dev/null || echo 100)"`,
    `stat=1; if ! [ -r /proc/stat ]; then echo "missing /proc/stat: not readable on this machine"; stat=0; fi`,
    `if ! read -r u0 _ 2>/dev/null < /proc/uptime; then echo "missing /proc/uptime: not readable, so no CPU readings"; exit 0; fi`,
    `e0=$(date +%s.%N)`,
    `echo "clock $e0 $u0"`,
    `end=$(( \${u0%.*} + until - \${e0%.*} ))`,
];

/** One reading of the loop: `up UPTIME`, then with $stat the /proc/stat cpu lines. */
const LINUX_READING = [
    `  read -r u _ < /proc/uptime`,
    `  echo "up $u"`,
    `  if [ "$stat" = 1 ]; then while read -r l; do case $l in cpu*) echo "$l" ;; *) break ;; esac; done < /proc/stat; fi`,
];

const LINUX_LOOP_END = [`  [ "\${u%.*}" -lt "$end" ] || break`, `  sleep "$iv"`, `done`];

/**
 * The KVM host's sampler: every $2 seconds until epoch $1, /proc/stat, then for each domain (the
 * rest of the arguments) `thread DOMAIN TID NS COMM` for every thread of its QEMU process and
 * for every vhost-<pid> kernel thread of that process (NS: time on a CPU in ns, schedstat). A
 * domain whose pid file cannot be read is printed once as `missing ...` with why. Shell builtins
 * only, but sleep (as the endpoints' sampler, to stay under 1% of a core).
 */
export const KVM_HOST_SCRIPT = [
    ...LINUX_PRELUDE,
    `run=/run/libvirt/qemu`,
    `told=" "`,
    `while :; do`,
    ...LINUX_READING,
    `  map=" "`,
    `  for d in "$@"; do`,
    `    pid=""; read -r pid _ 2>/dev/null < "$run/$d.pid"`,
    `    if [ -z "$pid" ] || ! [ -d "/proc/$pid/task" ]; then`,
    `      case "$told" in *" $d "*) ;; *) told="$told$d "; echo "missing $d's QEMU process: no readable $run/$d.pid naming a running process (is the domain running on this host, and may $(id -un) read $run?)" ;; esac`,
    `      continue`,
    `    fi`,
    `    map="$map$pid:$d "`,
    `    for t in /proc/$pid/task/[0-9]*; do`,
    `      read -r ns _ 2>/dev/null < "$t/schedstat" || continue`,
    `      read -r comm 2>/dev/null < "$t/comm" || continue`,
    `      echo "thread $d \${t##*/} $ns $comm"`,
    `    done`,
    `  done`,
    `  if [ "$map" != " " ]; then for dir in /proc/[0-9]*; do`,
    `    read -r comm 2>/dev/null < "$dir/comm" || continue`,
    `    case $comm in vhost-*) ;; *) continue ;; esac`,
    `    case "$map" in *" \${comm#vhost-}:"*) ;; *) continue ;; esac`,
    `    d=\${map#*" \${comm#vhost-}:"}; d=\${d%% *}`,
    `    read -r ns _ 2>/dev/null < "$dir/schedstat" || continue`,
    `    echo "thread $d \${dir#/proc/} $ns $comm"`,
    `  done; fi`,
    ...LINUX_LOOP_END,
].join("\n");

/**
 * Xen's dom0 sampler: dom0's /proc/stat every $2 seconds until epoch $1, and beside it
 * `xentop -b -d $3 -i N` (N frames to cover the run), each of its lines printed as `xentop LINE`
 * and each frame's header preceded by `xframe UPTIME` (when it was printed). Without xentop it
 * prints `missing xentop: ...`.
 */
export const XEN_HOST_SCRIPT = [
    `xd=$3; set -- "$1" "$2"`,
    ...LINUX_PRELUDE,
    `n=$(( (end - \${u0%.*}) / xd + 2 ))`,
    `if command -v xentop >/dev/null 2>&1; then`,
    `  xentop -b -d "$xd" -i "$n" 2>&1 | while IFS= read -r l; do`,
    `    case $l in *NAME*STATE*CPU*) read -r xu _ < /proc/uptime; echo "xframe $xu" ;; esac`,
    `    echo "xentop $l"`,
    `  done &`,
    `else`,
    `  echo "missing xentop: not found on dom0 (Debian's xen-utils package has it), so no per-domain CPU"`,
    `fi`,
    `while :; do`,
    ...LINUX_READING,
    ...LINUX_LOOP_END,
    `wait`,
].join("\n");

/**
 * The ESXi host's sampler (busybox sh): `esxtop -b -d $2 -n N` until epoch $1, each line printed
 * as `at EPOCH LINE` (the host's clock when the line came; a row's values are over the delay
 * before it). Without esxtop it prints `missing esxtop: ...`.
 */
export const ESX_HOST_SCRIPT = [
    `until=$1; iv=$2`,
    `now=$(date +%s)`,
    `if ! command -v esxtop >/dev/null 2>&1; then echo "missing esxtop: not found on the host (is it an ESXi shell?)"; exit 0; fi`,
    `esxtop -b -d "$iv" -n $(( (until - now) / iv + 2 )) 2>&1 | while IFS= read -r l; do echo "at $(date +%s) $l"; done`,
].join("\n");

export class HostSamplerError extends Error {
    readonly name = "HostSamplerError";
}

/**
 * The argument vector of a host's sampler: until `untilEpochSeconds` (the host's clock), every
 * `intervalSeconds` (xentop's delay: whole seconds, at least 1; esxtop's: at least 2). Throws
 * HostSamplerError for a domain name that is not [A-Za-z0-9_.-]+ (the kvm script makes paths of them).
 */
export function hostSamplerArgs(host: Pick<PlanHost, "sampler" | "guests">, untilEpochSeconds: number, intervalSeconds: number): string[] {
    if (!(intervalSeconds > 0)) throw new HostSamplerError(`host sampler interval ${intervalSeconds} s is not above 0`);
    const until = String(Math.ceil(untilEpochSeconds));
    const domains = Object.values(host.guests);
    for (const d of domains) {
        if (!DOMAIN.test(d)) throw new HostSamplerError(`domain name '${d}' is not [A-Za-z0-9_.-]+: the host sampler cannot take it`);
    }
    switch (host.sampler) {
        case "kvm":
            return ["sh", "-c", KVM_HOST_SCRIPT, "hvnetlab-host-cpu", until, String(intervalSeconds), ...domains];
        case "xen":
            return [
                "sh",
                "-c",
                XEN_HOST_SCRIPT,
                "hvnetlab-host-cpu",
                until,
                String(intervalSeconds),
                String(Math.max(1, Math.round(intervalSeconds))),
            ];
        case "esx":
            return ["sh", "-c", ESX_HOST_SCRIPT, "hvnetlab-host-cpu", until, String(Math.max(2, Math.round(intervalSeconds)))];
    }
}

/** One reading of one thread on the KVM host. */
export interface ThreadReading {
    readonly at: number;
    readonly domain: string;
    readonly tid: number;
    readonly comm: string;
    /** Time on a CPU since it started, in ns (schedstat). */
    readonly cpuNs: number;
}

/** What a host sampler printed, parsed; times on the runner's clock. */
export interface HostSamplerOutput {
    readonly stats: ProcStat[];
    /** kvm: QEMU and vhost threads. */
    readonly threads: ThreadReading[];
    /** xen: xentop frames, each at the time it was printed (it covers the delay before). */
    readonly xentop: { at: number; domains: XentopDomain[] }[];
    /** esx: esxtop rows, each at the time it came (it covers the delay before). */
    readonly esxtop: { at: number; sample: EsxtopSample }[];
    readonly missing: string[];
}

/**
 * Parses a host sampler's output; `offsetMs` (machine - runner) moves its times onto the runner's
 * clock. Lines of another shape are ignored. xentop frames and esxtop rows that do not parse go to
 * `missing` with the parser's reason.
 */
export function parseHostSamplerOutput(kind: HostSamplerKind, stdout: string, offsetMs = 0): HostSamplerOutput {
    const lines = stdout.split(/\r?\n/);
    if (kind === "esx") {
        const missing: string[] = [];
        const stamped = lines.flatMap((l) => {
            const m = /^at (\d+) (.*)$/.exec(l);
            return m && m[2].trim() !== "" ? [{ at: Number(m[1]) - offsetMs / 1000, line: m[2] }] : [];
        });
        for (const l of lines) {
            const m = /^missing (.+)$/.exec(l);
            if (m) missing.push(m[1]);
        }
        const esxtop: HostSamplerOutput["esxtop"] = [];
        if (stamped.length > 0) {
            try {
                const rows = parseEsxtop(stamped.map((s) => s.line).join("\n"));
                rows.forEach((sample, i) => esxtop.push({ at: stamped[i + 1].at, sample }));
            } catch (err) {
                missing.push(`esxtop: ${(err as Error).message}`);
            }
        }
        return { stats: [], threads: [], xentop: [], esxtop, missing };
    }
    const base = parseSamplerOutput(stdout);
    const missing = [...base.missing];
    const stats = base.stats.map((s) => ({ ...s, at: s.at - offsetMs / 1000 }));
    const threads: ThreadReading[] = [];
    const xentop: HostSamplerOutput["xentop"] = [];
    let clock: { epoch: number; uptime: number } | undefined;
    let at: number | undefined;
    const onRunner = (uptime: number) => clock!.epoch + (uptime - clock!.uptime) - offsetMs / 1000;
    let frame: { at: number; text: string[] } | undefined;
    const xentopSaid: string[] = [];
    const flushFrame = () => {
        if (!frame) return;
        try {
            xentop.push({ at: frame.at, domains: parseXentop(frame.text.join("\n"))[0] });
        } catch (err) {
            missing.push(`xentop: ${(err as Error).message}`);
        }
        frame = undefined;
    };
    for (const line of lines) {
        let m: RegExpExecArray | null;
        if ((m = /^clock (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(line))) clock = { epoch: Number(m[1]), uptime: Number(m[2]) };
        else if ((m = /^up (\d+(?:\.\d+)?)$/.exec(line)) && clock) at = onRunner(Number(m[1]));
        else if ((m = /^thread (\S+) (\d+) (\d+) (.+)$/.exec(line)) && at !== undefined)
            threads.push({ at, domain: m[1], tid: Number(m[2]), cpuNs: Number(m[3]), comm: m[4] });
        else if ((m = /^xframe (\d+(?:\.\d+)?)$/.exec(line)) && clock) {
            flushFrame();
            frame = { at: onRunner(Number(m[1])), text: [] };
        } else if ((m = /^xentop (.*)$/.exec(line))) {
            if (frame) frame.text.push(m[1]);
            else if (m[1].trim() !== "") xentopSaid.push(m[1].trim());
        }
    }
    flushFrame();
    if (kind === "xen" && xentop.length === 0 && xentopSaid.length > 0) missing.push(`xentop printed no frame: ${xentopSaid[0]}`);
    return { stats, threads, xentop, esxtop: [], missing };
}

/** What QEMU's thread name says it is: "vCPU N" ("CPU N/KVM", "CPU N/TCG"), "vhost" (vhost-<pid>), else "QEMU". */
export function qemuThreadRole(comm: string): string {
    const cpu = /^CPU (\d+)\/(KVM|TCG|HVF|WHPX)$/.exec(comm);
    if (cpu) return `vCPU ${cpu[1]}`;
    if (/^vhost-\d+$/.test(comm)) return "vhost";
    return "QEMU";
}

/** The words a bottleneck verdict uses for a host thread: "g1's vCPU 0 thread (QEMU)", "g2's vhost thread". */
export function hostThreadLabel(guest: string, thread: string, name?: string): string {
    if (thread.startsWith("vCPU ")) return `${guest}'s ${thread} thread (QEMU)`;
    if (thread === "vhost") return `${guest}'s vhost thread`;
    if (thread === "QEMU") return `${guest}'s QEMU thread '${name ?? "?"}'`;
    if (thread === "domain") return guest === "dom0" ? "dom0 (all its vCPUs)" : `${guest}'s domain`;
    return `${guest}'s VM`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The mean of a series of interval figures over a window: each point covers (previous point's
 * time, its time]; the first point only opens the series. Weighted by each interval's overlap
 * with the window. Undefined when the intervals cover less than half of the window.
 */
export function windowMean(points: readonly { at: number; value: number }[], window: { start: number; end: number }): number | undefined {
    const sorted = [...points].sort((a, b) => a.at - b.at);
    let weighted = 0;
    let covered = 0;
    for (let i = 1; i < sorted.length; i++) {
        const from = Math.max(sorted[i - 1].at, window.start);
        const to = Math.min(sorted[i].at, window.end);
        if (to <= from) continue;
        weighted += sorted[i].value * (to - from);
        covered += to - from;
    }
    return covered >= (window.end - window.start) / 2 && covered > 0 ? weighted / covered : undefined;
}

/** A host's figures over a run's window: its machine's CPU (where read), its guests' threads, what is missing. */
export interface HostCpu {
    readonly machine?: MachineCpuFigures;
    readonly threads: HostThreadFigures[];
    readonly missing: string[];
}

/**
 * The CPU of a hypervisor host over a run's window (runner's clock) from its sampler's output.
 * Only the guests in `guests` (endpoint names) are reported: those of the run.
 */
export function hostCpu(
    host: PlanHost,
    output: HostSamplerOutput,
    window: { start: number; end: number },
    guests: readonly string[] = Object.keys(host.guests),
): HostCpu {
    const where = `${host.name} (${host.sampler} host)`;
    const missing = output.missing.map((m) => `${where}: ${m}`);
    const threads: HostThreadFigures[] = [];
    const domainOf = (g: string) => host.guests[g];
    const inRun = guests.filter((g) => domainOf(g) !== undefined);
    const base = { role: "hypervisor" as const, guests: Object.keys(host.guests) };
    let machine: MachineCpuFigures | undefined;
    if (host.sampler === "kvm" || host.sampler === "xen") {
        if (!output.missing.some((m) => m.startsWith("/proc/stat") || m.startsWith("/proc/uptime"))) {
            const span = covering(output.stats, window);
            if (!span) missing.push(`${where}: its /proc/stat readings do not cover the window (${output.stats.length} readings)`);
            else {
                const u = procStatUse(span[0], span[1]);
                machine = {
                    machine: host.name,
                    from: u.from,
                    to: u.to,
                    cpus: Object.keys(u.perCpu).length,
                    total: u.total,
                    perCpu: u.perCpu,
                    ...base,
                    ...(host.sampler === "xen" ? { cpuNoun: "vCPU" as const } : {}),
                };
            }
        }
    }
    if (host.sampler === "kvm") {
        for (const g of inRun) {
            const d = domainOf(g);
            const readings = output.threads.filter((t) => t.domain === d);
            if (readings.length === 0) {
                if (!output.missing.some((m) => m.startsWith(`${d}'s`)))
                    missing.push(`${where}: no thread of ${g}'s QEMU process (${d}) was read`);
                continue;
            }
            const byTid = new Map<number, ThreadReading[]>();
            for (const t of readings) byTid.set(t.tid, [...(byTid.get(t.tid) ?? []), t]);
            let any = false;
            // vCPU and vhost threads one by one; QEMU's other threads (main loop, I/O, its pool of
            // short-lived 'worker' threads) summed by name, each able to use one CPU.
            const others = new Map<string, { cpuPct: number; n: number }>();
            for (const [tid, rs] of byTid) {
                const span = covering(rs, window);
                if (!span) continue; // a thread that came or went within the window
                const [a, b] = span;
                any = true;
                const thread = qemuThreadRole(b.comm);
                const cpuPct = (100 * (b.cpuNs - a.cpuNs)) / 1e9 / (b.at - a.at);
                if (thread === "QEMU") {
                    const o = others.get(b.comm) ?? { cpuPct: 0, n: 0 };
                    others.set(b.comm, { cpuPct: o.cpuPct + cpuPct, n: o.n + 1 });
                    continue;
                }
                threads.push({
                    machine: host.name,
                    guest: g,
                    domain: d,
                    thread,
                    name: b.comm,
                    tid,
                    label: hostThreadLabel(g, thread, b.comm),
                    cpuPct: round2(cpuPct),
                    cpus: 1,
                });
            }
            for (const [name, o] of others)
                threads.push({
                    machine: host.name,
                    guest: g,
                    domain: d,
                    thread: "QEMU",
                    name,
                    label: o.n === 1 ? hostThreadLabel(g, "QEMU", name) : `${g}'s ${o.n} QEMU threads '${name}'`,
                    cpuPct: round2(o.cpuPct),
                    cpus: o.n,
                });
            if (!any) missing.push(`${where}: ${g}'s QEMU threads (${d}) were not read at both ends of the window`);
            else if (!rsHaveVhost(readings))
                missing.push(
                    `${where}: ${g} (${d}) has no vhost thread: its network backend runs in QEMU's own threads (libvirt opens vhost-net only for a KVM domain's virtio NIC whose driver is not qemu, src/qemu/qemu_interface.c; a TCG domain, type qemu, gets none)`,
                );
        }
    } else if (host.sampler === "xen") {
        if (output.xentop.length === 0 && !output.missing.some((m) => m.startsWith("xentop")))
            missing.push(`${where}: xentop printed nothing`);
        else if (output.xentop.length > 0) {
            const names = new Map<string, string>([["Domain-0", "dom0"], ...inRun.map((g): [string, string] => [domainOf(g), g])]);
            for (const [domain, guest] of names) {
                const points = output.xentop.flatMap((f) =>
                    f.domains.filter((x) => x.name === domain).map((x) => ({ at: f.at, value: x.cpuPct, vcpus: x.vcpus })),
                );
                const mean = windowMean(points, window);
                if (mean === undefined) {
                    missing.push(`${where}: xentop's frames of domain ${domain} do not cover the window (${points.length} frames)`);
                    continue;
                }
                const vcpus = points[points.length - 1].vcpus || host.guestVcpus || 1;
                threads.push({
                    machine: host.name,
                    guest,
                    domain,
                    thread: "domain",
                    label: hostThreadLabel(guest, "domain"),
                    cpuPct: round2(mean),
                    cpus: vcpus,
                });
            }
        }
    } else {
        const rows = output.esxtop;
        if (rows.length === 0) {
            if (!output.missing.some((m) => m.startsWith("esxtop"))) missing.push(`${where}: esxtop printed no sample`);
        } else {
            const series = (pick: (s: EsxtopSample) => number | undefined) =>
                rows.flatMap((r) => {
                    const v = pick(r.sample);
                    return v === undefined ? [] : [{ at: r.at, value: v }];
                });
            const total = windowMean(
                series((s) => s.totalUtilPct),
                window,
            );
            const cpuIds = [...new Set(rows.flatMap((r) => Object.keys(r.sample.perCpuUtilPct)))];
            const perCpu = Object.fromEntries(
                cpuIds.flatMap((id) => {
                    const v = windowMean(
                        series((s) => s.perCpuUtilPct[id]),
                        window,
                    );
                    return v === undefined ? [] : [[id, { busyPct: round2(v) }]];
                }),
            );
            if (total === undefined)
                missing.push(`${where}: esxtop's Physical Cpu(_Total) rows do not cover the window (${rows.length} rows)`);
            else {
                const sorted = [...rows].sort((a, b) => a.at - b.at);
                machine = {
                    machine: host.name,
                    from: sorted[0].at,
                    to: sorted[sorted.length - 1].at,
                    cpus: cpuIds.length,
                    total: { busyPct: round2(total) },
                    perCpu,
                    ...base,
                    cpuNoun: "PCPU",
                };
            }
            for (const g of inRun) {
                const d = domainOf(g);
                const v = windowMean(
                    series((s) => s.groupUsedPct[d]),
                    window,
                );
                if (v === undefined) {
                    missing.push(`${where}: esxtop has no Group Cpu "% Used" of VM ${d} over the window`);
                    continue;
                }
                threads.push({
                    machine: host.name,
                    guest: g,
                    domain: d,
                    thread: "VM",
                    label: hostThreadLabel(g, "VM"),
                    cpuPct: round2(v),
                    cpus: host.guestVcpus ?? 1,
                });
            }
        }
    }
    return { ...(machine ? { machine } : {}), threads, missing };
}

function rsHaveVhost(readings: readonly ThreadReading[]): boolean {
    return readings.some((r) => qemuThreadRole(r.comm) === "vhost");
}

/** One host sampler's output (or why there is none) with the host it read. */
export interface HostSamplerSource {
    readonly host: PlanHost;
    readonly output?: HostSamplerOutput;
    readonly error?: string;
}

/**
 * A run's CPU figures with its hypervisor hosts' added: each host's machine, its guests' threads
 * (those of `guests`, the run's guest endpoints), and what is missing with why.
 */
export function withHostCpu(
    figures: RunCpuFigures,
    sources: readonly HostSamplerSource[],
    window: { start: number; end: number },
    guests?: readonly string[],
): RunCpuFigures {
    if (sources.length === 0) return figures;
    const machines = [...figures.machines];
    const threads = [...(figures.hostThreads ?? [])];
    const missing = [...figures.missing];
    for (const s of sources) {
        if (!s.output) {
            missing.push(
                `${s.host.name} (${s.host.sampler} host): no CPU sample (${s.error ?? s.host.unreachable ?? "the sampler did not run"})`,
            );
            continue;
        }
        const h = hostCpu(s.host, s.output, window, guests);
        if (h.machine) machines.push(h.machine);
        threads.push(...h.threads);
        missing.push(...h.missing);
    }
    return { ...figures, machines, hostThreads: threads, missing };
}

export { CpuParseError };
