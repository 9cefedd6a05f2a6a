// The CPU of a run's hypervisor hosts (PlanHost): one sampler per host, of the kind its platform
// names (the plan's `host.sampler`), started with the netperf clients like the endpoints' samplers
// (runner/sampling/endpoint-sampler.ts). Each kind is a HostSampler (host-sampler-interface.ts)
// with its own script, argument vector, parser and figures: kvm-host.ts (the KVM host's /proc/stat
// and its guests' QEMU and vhost threads), xen-host.ts (dom0's /proc/stat and xentop) and
// esx-host.ts (esxtop). Here they are looked up by kind, and a run's CPU figures get its hosts'.
// Pure; runner/measure-cell.ts starts them over the runner's transport.
import type { GuestDomain, HostCpu, HostSampler, HostSamplerOutput, TimeWindow } from "./host-sampler-interface";
import { checkedDomains, HostSamplerError } from "./host-sampler-interface";
import { esxHostSampler } from "./esx-host";
import { kvmHostSampler } from "./kvm-host";
import { xenHostSampler } from "./xen-host";
import type { HostSamplerKind, PlanHost, RunCpuFigures } from "../../model";

/** The host samplers, by the plan's sampler kind. */
export const HOST_SAMPLERS: Readonly<Record<HostSamplerKind, HostSampler>> = {
    kvm: kvmHostSampler,
    xen: xenHostSampler,
    esx: esxHostSampler,
};

/** The sampler of a kind. Throws HostSamplerError for a kind there is none of (validatePlan refuses it first). */
export function hostSamplerOf(kind: HostSamplerKind): HostSampler {
    const sampler = Object.hasOwn(HOST_SAMPLERS, kind) ? HOST_SAMPLERS[kind] : undefined;
    if (!sampler)
        throw new HostSamplerError(`no host sampler of kind '${kind}': it must be one of ${Object.keys(HOST_SAMPLERS).join(", ")}`);
    return sampler;
}

/**
 * The argument vector of a host's sampler: until `untilEpochSeconds` (the host's clock), every
 * `intervalSeconds` (xentop's delay: whole seconds, at least 1; esxtop's: at least 2). Throws
 * HostSamplerError for an interval not above 0, or a domain name that is not [A-Za-z0-9_.-]+ (the
 * kvm script makes paths of them).
 */
export function hostSamplerArgs(host: Pick<PlanHost, "sampler" | "guests">, untilEpochSeconds: number, intervalSeconds: number): string[] {
    if (!(intervalSeconds > 0)) throw new HostSamplerError(`host sampler interval ${intervalSeconds} s is not above 0`);
    checkedDomains(host);
    return hostSamplerOf(host.sampler).args(host, untilEpochSeconds, intervalSeconds);
}

/**
 * Parses a host sampler's output; `offsetMs` (machine - runner) moves its times onto the runner's
 * clock. Lines of another shape are ignored. xentop frames and esxtop rows that do not parse go to
 * `missing` with the parser's reason.
 */
export function parseHostSamplerOutput(kind: HostSamplerKind, stdout: string, offsetMs = 0): HostSamplerOutput {
    return hostSamplerOf(kind).parse(stdout, offsetMs);
}

/**
 * The CPU of a hypervisor host over a run's window (runner's clock) from its sampler's output.
 * Only the guests in `guests` (endpoint names) are reported: those of the run. What the sampler
 * said it could not read comes first in `missing`, then what its figures lack, each prefixed with
 * the host: "dom0 (xen host): ...".
 */
export function hostCpu(
    host: PlanHost,
    output: HostSamplerOutput,
    window: TimeWindow,
    guests: readonly string[] = Object.keys(host.guests),
): HostCpu {
    const where = `${host.name} (${host.sampler} host)`;
    const onHost = guests.flatMap((guest): GuestDomain[] =>
        host.guests[guest] !== undefined ? [{ guest, domain: host.guests[guest] }] : [],
    );
    const figures = hostSamplerOf(host.sampler).figures(host, output, window, onHost, where);
    const missing = [...output.missing.map((m) => `${where}: ${m}`), ...figures.missing];
    return { ...(figures.machine ? { machine: figures.machine } : {}), threads: figures.threads, missing };
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
    window: TimeWindow,
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
