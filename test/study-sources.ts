// A study's results as the report reads them: esx, kvm and xen, send and receive with 1..4
// guests on 1 GbE wires, each document with its endpoints' facts and its lab's hostFacts (the
// hypervisor host, the peer); esx's ESXi host not sampled in any run, as when hvnetlab:host.user
// is not set.
import type { Source } from "../analysis/compare";
import type { EndpointReport, HostFacts, RunResult } from "../model";
import type { HostThreadFigures, MachineCpuFigures } from "../model";
import { sourceOf } from "./plans";

/** The reason the esx lab gives for its ESXi host's CPU when hvnetlab:host.user is not set (components/platforms/esx.ts). */
export const ESX_NOT_SAMPLED =
    "host (esx host): no CPU sample (no SSH login for the ESXi host 10.20.0.5 (hvnetlab:host.user is not set): enable SSH on the host and set hvnetlab:host.user to sample its CPU with esxtop)";

const nic = (address: string, name: string, driver: string, speedMbps = 1000) => ({ address, name, driver, speedMbps, mtu: 1500 });

const machineFacts = (cpuModel: string, virtualization: string, hypervisor: string, nics: HostFacts["nics"]): HostFacts => ({
    kernel: "6.1.0-28-amd64",
    cpuModel,
    virtualization,
    hypervisor,
    nics,
});

const PEER = machineFacts("Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz", "none", "", [
    nic("10.77.0.1", "enp1s0f0", "igb"),
    nic("10.77.0.5", "enp1s0f1", "igb"),
    nic("10.77.0.9", "enp1s0f2", "igb"),
    nic("10.77.0.13", "enp1s0f3", "igb"),
]);

/** The run's endpoints as the runner reports them: peer and guests g1..g4 (CPU `cpuModel`, the host's), each with `driver` on its wire. */
function endpoints(cpuModel: string, virtualization: string, hypervisor: string, driver: string): Record<string, EndpointReport> {
    const clock = { offsetMs: 0.2, rttMs: 0.4 };
    return {
        peer: { facts: PEER, clock },
        ...Object.fromEntries(
            [1, 2, 3, 4].map((i) => [
                `g${i}`,
                {
                    facts: machineFacts(cpuModel, virtualization, hypervisor, [nic(`10.77.0.${4 * i - 2}`, "eth1", driver)]),
                    clock,
                },
            ]),
        ),
    };
}

/** A run's host CPU: the machine (a hypervisor host, else native's server machine "host") and its busiest thread or domain. */
export interface HostCpuOf {
    readonly name: string;
    readonly busyPct: number;
    readonly hypervisor?: boolean;
    readonly busiest?: Omit<HostThreadFigures, "machine">;
}

const hostMachine = (h: HostCpuOf): MachineCpuFigures => ({
    machine: h.name,
    from: 1000,
    to: 1020,
    cpus: 4,
    total: { busyPct: h.busyPct },
    perCpu: {},
    ...(h.hypervisor === false ? {} : { role: "hypervisor" as const, guests: ["g1", "g2", "g3", "g4"] }),
});

/** One run of the study's matrix: `experiment` with `guests` guests at `perGuest` Mb/s each; `host` its host CPU, or why there is none. */
export function run(
    experiment: "send" | "receive",
    guests: number,
    perGuest: number,
    host: HostCpuOf | { missing: string },
    endpointOf = (i: number) => `g${i + 1}`,
): RunResult {
    const total = perGuest * guests;
    return {
        id: `${experiment}-native-TCP_STREAM-16384B-${guests}g`,
        experiment,
        peer: "native",
        test: "TCP_STREAM",
        messageBytes: 16384,
        guests,
        status: "ok",
        skewMs: 0.8,
        window: { start: 1002, end: 1020, seconds: 18 },
        limits: { lineRateMbps: 1000 * guests, goodputMbps: 941.5 * guests, basis: "ethernet" },
        aggregate: { throughputMbps: total, lineRatePct: perGuest / 10, goodputPct: perGuest / 9.415 },
        streams: Array.from({ length: guests }, (_, i) => ({
            endpoint: endpointOf(i),
            nic: endpointOf(i) === `g${i + 1}` ? "eth1" : `enp1s0f${i}`,
            client: experiment === "send" ? endpointOf(i) : "peer",
            server: experiment === "send" ? "peer" : endpointOf(i),
            throughputMbps: perGuest,
            samples: [],
        })),
        cpu:
            "missing" in host
                ? { machines: [], processes: [], hostThreads: [], missing: [host.missing] }
                : {
                      machines: [hostMachine(host)],
                      processes: [],
                      hostThreads: host.busiest ? [{ machine: host.name, ...host.busiest }] : [],
                      missing: [],
                  },
        bottleneck: { kind: "wire", says: `the wire: ${(perGuest / 9.415).toFixed(0)}% of the goodput limit` },
    };
}

/**
 * The study's four stacks, send and receive, 1..4 guests (native: 1..4 NICs of one machine, its
 * baseline): esx's ESXi host not sampled in any run; kvm's host and xen's dom0 sampled, xen's dom0
 * the busiest domain.
 */
export function studySources(): Source[] {
    const matrix = (host: (guests: number) => HostCpuOf | { missing: string }, perGuest: number, endpointOf?: (i: number) => string) =>
        (["send", "receive"] as const).flatMap((e) => [1, 2, 3, 4].map((g) => run(e, g, perGuest - g, host(g), endpointOf)));
    const epyc = "AMD EPYC 7302P 16-Core Processor";
    const management = nic("192.0.2.10", "eno1", "tg3");
    const clock = { offsetMs: 0.1, rttMs: 0.3 };
    const nativeHost = machineFacts(
        "Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz",
        "none",
        "",
        [0, 1, 2, 3].map((i) => nic(`10.77.0.${4 * i + 2}`, `enp1s0f${i}`, "igb")),
    );
    return [
        sourceOf(
            "native",
            matrix(
                (g) => ({ name: "host", busyPct: 4 * g, hypervisor: false }),
                941,
                () => "host",
            ),
            {
                endpoints: { host: { facts: nativeHost, clock }, peer: { facts: PEER, clock } },
                hostFacts: { host: nativeHost, peer: PEER },
            },
        ),
        sourceOf(
            "esx",
            matrix(() => ({ missing: ESX_NOT_SAMPLED }), 930),
            {
                endpoints: endpoints("Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", "vmware", "VMware", "vmxnet3"),
                hostFacts: { peer: PEER },
            },
        ),
        sourceOf(
            "kvm",
            matrix(
                (g) => ({
                    name: "host",
                    busyPct: 6 * g,
                    busiest: { guest: "g1", domain: "hv-g1", thread: "vhost", label: "g1's vhost thread", cpuPct: 31, cpus: 1 },
                }),
                935,
            ),
            {
                endpoints: endpoints(epyc, "kvm", "QEMU Standard PC (Q35 + ICH9, 2009)", "virtio_net"),
                hostFacts: { host: machineFacts(epyc, "none", "", [management]), peer: PEER },
            },
        ),
        sourceOf(
            "xen",
            matrix(
                (g) => ({
                    name: "dom0",
                    busyPct: 22 * g,
                    busiest: {
                        guest: "dom0",
                        domain: "Domain-0",
                        thread: "domain",
                        label: "dom0 (all its vCPUs)",
                        cpuPct: 22 * g,
                        cpus: 4,
                    },
                }),
                900,
            ),
            {
                endpoints: endpoints(epyc, "xen", "xen 4.17", "vif"),
                hostFacts: { host: machineFacts(epyc, "xen", "xen 4.17", [management]), peer: PEER },
            },
        ),
    ];
}
