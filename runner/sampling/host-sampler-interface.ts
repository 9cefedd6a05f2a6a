// What a hypervisor host's sampler is (the HostSampler interface: its argument vector, the parser of
// what it prints and its figures over a run's window) and what every kind shares: the parsed output
// and the figures it hands over, the checked domain names, the head of its argument vector, the
// mean of interval figures over a window, a hypervisor machine's figures and the words for a host's
// threads. The kinds are kvm-host.ts, xen-host.ts and esx-host.ts; host-sampler.ts looks them up by
// the plan's sampler kind. Pure.
import type { EsxtopSample, ProcStat, XentopDomain } from "./cpu-accounting";
import type { CpuUse, HostSamplerKind, HostThreadFigures, MachineCpuFigures, PlanHost } from "../../model";

export class HostSamplerError extends Error {
    readonly name = "HostSamplerError";
}

/** A run's window on the runner's clock, in epoch seconds. */
export interface TimeWindow {
    readonly start: number;
    readonly end: number;
}

/** One guest of a run on its hypervisor host: its endpoint name and its domain or VM name there. */
export interface GuestDomain {
    readonly guest: string;
    readonly domain: string;
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

/** What a host sampler printed, parsed; times on the runner's clock. Each kind fills its own parts. */
export interface HostSamplerOutput {
    /** kvm, xen: the host's (dom0's) /proc/stat readings. */
    readonly stats: ProcStat[];
    /** kvm: QEMU and vhost threads. */
    readonly threads: ThreadReading[];
    /** xen: xentop frames, each at the time it was printed (it covers the delay before). */
    readonly xentop: { at: number; domains: XentopDomain[] }[];
    /** esx: esxtop rows, each at the time it came (it covers the delay before). */
    readonly esxtop: { at: number; sample: EsxtopSample }[];
    readonly missing: string[];
}

/** A host's figures over a run's window: its machine's CPU (where read), its guests' threads, what is missing. */
export interface HostCpu {
    readonly machine?: MachineCpuFigures;
    readonly threads: HostThreadFigures[];
    readonly missing: string[];
}

/** One kind of hypervisor host's sampler (the plan's `host.sampler`): its script, its parser and its figures. */
export interface HostSampler {
    readonly kind: HostSamplerKind;
    /**
     * The argument vector of the host's sampler: until `untilEpochSeconds` (the host's clock), every
     * `intervalSeconds` (above 0), for the host's guests' domains (names already checked: checkedDomains).
     */
    args(host: Pick<PlanHost, "guests">, untilEpochSeconds: number, intervalSeconds: number): string[];
    /**
     * Parses what the sampler printed; `offsetMs` (machine - runner) moves its times onto the runner's
     * clock. Lines of another shape are ignored; what the sampler or its parser could not read goes to
     * `missing`.
     */
    parse(stdout: string, offsetMs: number): HostSamplerOutput;
    /**
     * The host's machine and its guests' (those of `guests`) threads or domains over `window`, and
     * what of them is missing, each reason prefixed with `where` (host-sampler.ts hostCpu puts the
     * sampler's own `missing` before them).
     */
    figures(host: PlanHost, output: HostSamplerOutput, window: TimeWindow, guests: readonly GuestDomain[], where: string): HostCpu;
}

/** A domain or VM name as the host scripts take it: no shell or path characters. */
const DOMAIN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * The host's domain names, checked: throws HostSamplerError for one that is not [A-Za-z0-9_.-]+
 * (the kvm script makes paths of them).
 */
export function checkedDomains(host: Pick<PlanHost, "guests">): string[] {
    const domains = Object.values(host.guests);
    for (const d of domains) {
        if (!DOMAIN.test(d)) throw new HostSamplerError(`domain name '${d}' is not [A-Za-z0-9_.-]+: the host sampler cannot take it`);
    }
    return domains;
}

/**
 * The argument vector of a host script: `sh -c SCRIPT hvnetlab-host-cpu UNTIL ARGS...`, UNTIL the
 * whole epoch second (rounded up) the script runs until. $0 is what the transports and tests know
 * a host sampler by.
 */
export function hostScriptArgv(script: string, untilEpochSeconds: number, ...args: string[]): string[] {
    return ["sh", "-c", script, "hvnetlab-host-cpu", String(Math.ceil(untilEpochSeconds)), ...args];
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The mean of a series of interval figures over a window: each point covers (previous point's
 * time, its time]; the first point only opens the series. Weighted by each interval's overlap
 * with the window. Undefined when the intervals cover less than half of the window.
 */
export function windowMean(points: readonly { at: number; value: number }[], window: TimeWindow): number | undefined {
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

/**
 * A hypervisor host's machine figures over a span: its CPUs (all together and each), marked as a
 * hypervisor whose guests' CPU is inside its own, its CPUs named `cpuNoun` where the platform has
 * a word for them.
 */
export function hypervisorMachine(
    host: Pick<PlanHost, "name" | "guests">,
    use: { from: number; to: number; cpus: number; total: CpuUse; perCpu: Record<string, CpuUse> },
    cpuNoun?: MachineCpuFigures["cpuNoun"],
): MachineCpuFigures {
    return {
        machine: host.name,
        from: use.from,
        to: use.to,
        cpus: use.cpus,
        total: use.total,
        perCpu: use.perCpu,
        role: "hypervisor",
        guests: Object.keys(host.guests),
        ...(cpuNoun ? { cpuNoun } : {}),
    };
}

/** The words a bottleneck verdict uses for a host thread: "g1's vCPU 0 thread (QEMU)", "g2's vhost thread". */
export function hostThreadLabel(guest: string, thread: string, name?: string): string {
    if (thread.startsWith("vCPU ")) return `${guest}'s ${thread} thread (QEMU)`;
    if (thread === "vhost") return `${guest}'s vhost thread`;
    if (thread === "QEMU") return `${guest}'s QEMU thread '${name ?? "?"}'`;
    if (thread === "domain") return guest === "dom0" ? "dom0 (all its vCPUs)" : `${guest}'s domain`;
    return `${guest}'s VM`;
}
