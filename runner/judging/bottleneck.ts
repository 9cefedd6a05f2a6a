// What limited a run: the wire, a saturated CPU (a machine's CPU, a netperf/netserver process
// against one CPU or its cgroup's CPU limit, or a hypervisor host's thread or domain: a guest's
// QEMU vCPU or vhost thread, a Xen domain, dom0's vCPUs), or nothing the figures explain. Pure.
import type { Bottleneck, CpuUse, MachineCpuFigures, RunCpuFigures } from "../../model";

/** A run at or above this share of its goodput limit (and a stream at or above it of its wire's) is at its limit, in %. */
export const AT_LIMIT_PCT = 97;
/** A CPU (or a process against one CPU or its cgroup limit) at or above this is saturated, in %. */
export const SATURATED_PCT = 90;

/** The inputs of the verdict: the run's share of its limit, each stream's of its wire's, and the CPU figures. */
export interface BottleneckInput {
    /** The aggregate's share of the run's goodput limit, in %. */
    readonly goodputPct: number;
    /**
     * Each stream with its figure (whatever its checks said): its endpoint, its share of its
     * wire's goodput limit in %, and the machines it ran on (netperf's client and its netserver).
     */
    readonly streams: readonly { endpoint: string; goodputPct: number; machines?: readonly string[] }[];
    /** Absent when no sampler ran. */
    readonly cpu?: RunCpuFigures;
}

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();

/**
 * A machine's CPU in its platform's words: "dom0 vCPU 0" (a dom0 /proc/stat cpu0), "host PCPU 3"
 * (esxtop's Physical Cpu(3)), else "<machine> cpuN".
 */
export function cpuName(m: Pick<MachineCpuFigures, "machine" | "cpuNoun">, cpu: string): string {
    if (!m.cpuNoun) return `${m.machine} ${cpu}`;
    return `${m.machine} ${m.cpuNoun} ${cpu.replace(/^cpu/, "")}`;
}

/** The user / system / softirq / steal split, where the source gives it. */
function split(u: CpuUse): string {
    if (u.userPct === undefined) return "";
    return ` (user ${f1(u.userPct)}, system ${f1(u.systemPct ?? 0)}, softirq ${f1(u.softirqPct ?? 0)}, steal ${f1(u.stealPct ?? 0)})`;
}

/**
 * The verdict. At or above AT_LIMIT_PCT of the goodput limit, or with every stream at its wire's,
 * the wire. Below it: every CPU at or above SATURATED_PCT (processes against their cgroup limit first,
 * then processes and hypervisor-host threads against one CPU (a domain or VM against its vCPUs),
 * then machines' CPUs, named as the platform names them: "dom0 vCPU 0"), those of the slowest
 * stream below its wire's limit (its endpoint, its client's and its server's processes, its
 * guest's hypervisor threads) before the rest: what held the slow stream, not what the fast ones
 * used; when none, "unexplained" with the run's share of its limit, the slowest stream, the
 * busiest CPU and process, and what was missing.
 */
export function bottleneck(input: BottleneckInput): Bottleneck {
    const slowest = [...input.streams].sort((a, b) => a.goodputPct - b.goodputPct)[0];
    if (input.goodputPct >= AT_LIMIT_PCT || (input.streams.length > 0 && input.streams.every((s) => s.goodputPct >= AT_LIMIT_PCT))) {
        const least = slowest ? `, the slowest (${slowest.endpoint}) at ${f1(slowest.goodputPct)}% of its wire's` : "";
        return { kind: "wire", says: `the wire: ${f1(input.goodputPct)}% of the goodput limit${least}` };
    }
    const cpu = input.cpu;
    // The slowest stream's own machines come first, when it is below its wire's limit.
    const held = new Set(slowest && slowest.goodputPct < AT_LIMIT_PCT ? [slowest.endpoint, ...(slowest.machines ?? [])] : []);
    const first = (where: string) => (held.has(where) ? 10000 : 0);
    const saturated: { pct: number; says: string }[] = [];
    for (const p of cpu?.processes ?? []) {
        if (p.limitPct !== undefined && p.limitCpus !== undefined && p.limitPct >= SATURATED_PCT)
            saturated.push({
                pct: first(p.endpoint) + 1000 + p.limitPct,
                says: `${p.endpoint}'s ${p.program} at ${f1(p.limitPct)}% of its cgroup CPU limit of ${p.limitCpus} CPU`,
            });
        else if (p.cpuPct >= SATURATED_PCT)
            saturated.push({ pct: first(p.endpoint) + 500 + p.cpuPct, says: `${p.endpoint}'s ${p.program} at ${f1(p.cpuPct)}% of a CPU` });
    }
    for (const t of cpu?.hostThreads ?? []) {
        const pct = t.cpuPct / t.cpus;
        if (pct >= SATURATED_PCT)
            saturated.push({
                pct: first(t.guest) + 500 + pct,
                says:
                    t.cpus === 1
                        ? `${t.label} at ${f1(t.cpuPct)}% of a CPU`
                        : `${t.label} at ${f1(t.cpuPct)}% of a CPU (${f1(pct)}% of its ${t.cpus})`,
            });
    }
    for (const m of cpu?.machines ?? []) {
        for (const [name, u] of Object.entries(m.perCpu)) {
            if (u.busyPct >= SATURATED_PCT)
                saturated.push({ pct: first(m.machine) + u.busyPct, says: `${cpuName(m, name)} at ${f1(u.busyPct)}% busy${split(u)}` });
        }
    }
    if (saturated.length > 0)
        return {
            kind: "cpu",
            says: saturated
                .sort((a, b) => b.pct - a.pct)
                .map((s) => s.says)
                .join("; "),
        };
    const figures = [`${f1(input.goodputPct)}% of the goodput limit`];
    if (slowest) figures.push(`slowest stream ${slowest.endpoint} at ${f1(slowest.goodputPct)}% of its wire's`);
    const busiest = (cpu?.machines ?? [])
        .flatMap((m) => Object.entries(m.perCpu).map(([n, u]) => ({ where: cpuName(m, n), pct: u.busyPct })))
        .sort((a, b) => b.pct - a.pct)[0];
    if (busiest) figures.push(`busiest CPU ${busiest.where} at ${f1(busiest.pct)}%`);
    const proc = [...(cpu?.processes ?? [])].sort((a, b) => b.cpuPct - a.cpuPct)[0];
    if (proc) figures.push(`busiest process ${proc.endpoint}'s ${proc.program} at ${f1(proc.cpuPct)}% of a CPU`);
    const thread = [...(cpu?.hostThreads ?? [])].sort((a, b) => b.cpuPct / b.cpus - a.cpuPct / a.cpus)[0];
    if (thread) figures.push(`busiest on the hypervisor host ${thread.label} at ${f1(thread.cpuPct)}% of a CPU`);
    if (!cpu) figures.push("no CPU figures");
    else if (cpu.missing.length > 0) figures.push(`missing: ${cpu.missing.join("; ")}`);
    return { kind: "unexplained", says: `unexplained: ${figures.join(", ")}` };
}
