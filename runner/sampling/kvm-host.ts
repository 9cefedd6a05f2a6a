// The KVM host's sampler: its script, argument vector, parser and figures over a run's window.
//
// It reads the host's /proc/stat, and per guest the threads of its QEMU process (pid from libvirt's
// /run/libvirt/qemu/<domain>.pid; each thread's /proc/<pid>/task/<tid>/schedstat, its first field
// the time on a CPU in ns, and comm: QEMU names a vCPU thread "CPU <n>/KVM" or "CPU <n>/TCG") and its
// vhost-net worker threads (named "vhost-<QEMU pid>" by the kernel's drivers/vhost). Pure.
import { covering } from "./cpu-accounting";
import type { GuestDomain, HostCpu, HostSampler, HostSamplerOutput, ThreadReading, TimeWindow } from "./host-sampler-interface";
import { hostScriptArgv, hostThreadLabel, round2 } from "./host-sampler-interface";
import { LINUX_LOOP_END, LINUX_PRELUDE, LINUX_READING, parseLinuxHostOutput, procStatMachine } from "./linux-host";
import type { HostThreadFigures, PlanHost } from "../../model";

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

/** What QEMU's thread name says it is: "vCPU N" ("CPU N/KVM", "CPU N/TCG"), "vhost" (vhost-<pid>), else "QEMU". */
export function qemuThreadRole(comm: string): string {
    const cpu = /^CPU (\d+)\/(KVM|TCG|HVF|WHPX)$/.exec(comm);
    if (cpu) return `vCPU ${cpu[1]}`;
    if (/^vhost-\d+$/.test(comm)) return "vhost";
    return "QEMU";
}

/** The KVM host's sampler: the host's /proc/stat and each guest's QEMU and vhost threads. */
export const kvmHostSampler: HostSampler = {
    kind: "kvm",
    args: (host, untilEpochSeconds, intervalSeconds) =>
        hostScriptArgv(KVM_HOST_SCRIPT, untilEpochSeconds, String(intervalSeconds), ...Object.values(host.guests)),
    parse: (stdout, offsetMs) => {
        const linux = parseLinuxHostOutput(stdout, offsetMs);
        const threads = linux.lines.flatMap(({ text, at }): ThreadReading[] => {
            const m = /^thread (\S+) (\d+) (\d+) (.+)$/.exec(text);
            return m && at !== undefined ? [{ at, domain: m[1], tid: Number(m[2]), cpuNs: Number(m[3]), comm: m[4] }] : [];
        });
        return { stats: linux.stats, threads, xentop: [], esxtop: [], missing: linux.missing };
    },
    figures: (host, output, window, guests, where) => {
        const { machine, missing } = procStatMachine(host, output, window, where);
        const threads: HostThreadFigures[] = [];
        for (const guest of guests) {
            const figures = qemuThreads(host, guest, output, window, where);
            threads.push(...figures.threads);
            missing.push(...figures.missing);
        }
        return { ...(machine ? { machine } : {}), threads, missing };
    },
};

/**
 * One guest's QEMU threads over the window: its vCPU and vhost threads one by one, QEMU's other
 * threads (main loop, I/O, its pool of short-lived 'worker' threads) summed by name, each able to
 * use one CPU; in % of one CPU. A thread that came or went within the window is left out. What is
 * missing says why: no thread of the guest read (unless the sampler said its process could not
 * be found), none read at both ends of the window, or no vhost thread (its network backend is then
 * in QEMU's own threads).
 */
function qemuThreads(
    host: PlanHost,
    { guest, domain }: GuestDomain,
    output: HostSamplerOutput,
    window: TimeWindow,
    where: string,
): Pick<HostCpu, "threads" | "missing"> {
    const readings = output.threads.filter((t) => t.domain === domain);
    if (readings.length === 0) {
        const said = output.missing.some((m) => m.startsWith(`${domain}'s`));
        return { threads: [], missing: said ? [] : [`${where}: no thread of ${guest}'s QEMU process (${domain}) was read`] };
    }
    const byTid = new Map<number, ThreadReading[]>();
    for (const t of readings) byTid.set(t.tid, [...(byTid.get(t.tid) ?? []), t]);
    const threads: HostThreadFigures[] = [];
    const others = new Map<string, { cpuPct: number; count: number }>();
    let anyCovered = false;
    for (const [tid, threadReadings] of byTid) {
        const span = covering(threadReadings, window);
        if (!span) continue;
        anyCovered = true;
        const [first, last] = span;
        const thread = qemuThreadRole(last.comm);
        const cpuPct = (100 * (last.cpuNs - first.cpuNs)) / 1e9 / (last.at - first.at);
        if (thread === "QEMU") {
            const sum = others.get(last.comm) ?? { cpuPct: 0, count: 0 };
            others.set(last.comm, { cpuPct: sum.cpuPct + cpuPct, count: sum.count + 1 });
            continue;
        }
        threads.push({
            machine: host.name,
            guest,
            domain,
            thread,
            name: last.comm,
            tid,
            label: hostThreadLabel(guest, thread, last.comm),
            cpuPct: round2(cpuPct),
            cpus: 1,
        });
    }
    for (const [name, sum] of others)
        threads.push({
            machine: host.name,
            guest,
            domain,
            thread: "QEMU",
            name,
            label: sum.count === 1 ? hostThreadLabel(guest, "QEMU", name) : `${guest}'s ${sum.count} QEMU threads '${name}'`,
            cpuPct: round2(sum.cpuPct),
            cpus: sum.count,
        });
    const missing: string[] = [];
    if (!anyCovered) missing.push(`${where}: ${guest}'s QEMU threads (${domain}) were not read at both ends of the window`);
    else if (!readings.some((r) => qemuThreadRole(r.comm) === "vhost"))
        missing.push(
            `${where}: ${guest} (${domain}) has no vhost thread: its network backend runs in QEMU's own threads (libvirt opens vhost-net only for a KVM domain's virtio NIC whose driver is not qemu, src/qemu/qemu_interface.c; a TCG domain, type qemu, gets none)`,
        );
    return { threads, missing };
}
