// The CPU figures of a run, as the results record them: each machine's CPUs, the netperf and
// netserver processes, a hypervisor host's threads or domains, and the verdict of what limited
// the run. Read by runner/sampling/, judged by runner/judging/.

/**
 * Utilization of a CPU (or of all) between two readings, in % of its time. The split is absent
 * where the source gives none (esxtop's "% Util Time" of a physical CPU is busy time only).
 */
export interface CpuUse {
    readonly busyPct: number;
    readonly userPct?: number;
    readonly systemPct?: number;
    readonly softirqPct?: number;
    readonly irqPct?: number;
    readonly stealPct?: number;
    readonly iowaitPct?: number;
}

/** A machine's CPU over a run's aggregation window. */
export interface MachineCpuFigures {
    /** The machine: an endpoint's name, or "host" for the machine of the local lab's namespaces. */
    readonly machine: string;
    /** The readings' span that holds the window (epoch s, runner's clock). */
    readonly from: number;
    readonly to: number;
    /** Online CPUs (the /proc/stat cpuN lines). */
    readonly cpus: number;
    /** All CPUs together, in % of their time. */
    readonly total: CpuUse;
    /** Each CPU (cpu0, cpu1, ...), in % of its time. */
    readonly perCpu: Record<string, CpuUse>;
    /** A hypervisor host (PlanHost), not an endpoint. */
    readonly role?: "hypervisor";
    /** What its CPUs are, in the platform's terms: "vCPU" (dom0's), "PCPU" (esxtop's); absent: cpuN. */
    readonly cpuNoun?: "vCPU" | "PCPU";
    /** A hypervisor host's guest endpoints: their CPU is part of the host's, so host demand counts it once. */
    readonly guests?: string[];
}

/**
 * Hypervisor-side CPU of one guest over a run's window: one of its QEMU process's threads (kvm:
 * a vCPU thread, the main loop, an I/O thread) or its vhost-net kernel thread, its domain (xen,
 * xentop's CPU(%)), or its VM's world group (esx, esxtop's Group Cpu "% Used").
 */
export interface HostThreadFigures {
    /** The hypervisor host it runs on (PlanHost name). */
    readonly machine: string;
    /** The guest endpoint (or "dom0" for Xen's Domain-0). */
    readonly guest: string;
    /** Its libvirt domain, Xen domain or vSphere VM name. */
    readonly domain: string;
    /** "vCPU N", "vhost", "QEMU" (another QEMU thread, named in `name`), "domain" (xen) or "VM" (esx). */
    readonly thread: string;
    /** The thread's own name (/proc/<tid>/comm), where it is a thread (or several of one name). */
    readonly name?: string;
    /** Its thread id; absent where several threads of one name are summed. */
    readonly tid?: number;
    /** In words, for the bottleneck verdict: "g2's vhost thread", "g1's vCPU 0 thread (QEMU)". */
    readonly label: string;
    /** Its CPU time over the span, in % of one CPU (above 100 for a domain or VM on several). */
    readonly cpuPct: number;
    /** How many CPUs it can use at most: 1 for a thread, n for n QEMU threads of one name summed, the vCPUs of a domain or VM. */
    readonly cpus: number;
}

/** A netperf or netserver process's CPU over a run's aggregation window. */
export interface ProcessCpuFigures {
    /** The endpoint it ran on. */
    readonly endpoint: string;
    readonly program: string;
    readonly pid: number;
    /** Time on a CPU over the span, in % of one CPU. */
    readonly cpuPct: number;
    /** Its cgroup's CPU limit, in CPUs (quota / period); absent when it has none or it is unknown. */
    readonly limitCpus?: number;
    /** cpuPct against that limit, in %. */
    readonly limitPct?: number;
}

/** A run's CPU: machines and processes over its window, and what could not be measured. */
export interface RunCpuFigures {
    readonly machines: MachineCpuFigures[];
    readonly processes: ProcessCpuFigures[];
    /** Hypervisor-side CPU per guest (runner/sampling/host-sampler.ts); absent on labs without a sampled hypervisor host. */
    readonly hostThreads?: HostThreadFigures[];
    /** What is missing from the figures, and why (never a 0 standing for it). */
    readonly missing: string[];
}

/** What limited a run, and the figures that say so. */
export interface Bottleneck {
    /** wire: every stream at its limit; cpu: a CPU or process saturated; unexplained: neither. */
    readonly kind: "wire" | "cpu" | "unexplained";
    /** In words, with the figures: e.g. "g1's netperf at 99.5% of its cgroup CPU limit of 0.01 CPU". */
    readonly says: string;
}
