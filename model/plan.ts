// The plan: what the benchmark runner is given (endpoints, wires, hypervisor hosts, the matrix,
// the method), as plain JSON shared by the Pulumi program, the runner and the comparison tools.
// Checked field by field by model/plan-check.ts.
import type { NicPath } from "./nic";

/** Which end of each wire runs the netperf client: the guest (send) or its peer (receive). */
export type Experiment = "send" | "receive";
/** The far end of every wire: one native machine with N NICs, or a guest of its own (VM-to-VM). */
export type PeerKind = "native" | "guest";
/** The netperf tests the lab runs. */
export type NetperfTest = "TCP_STREAM" | "TCP_MAERTS" | "UDP_STREAM" | "TCP_RR";
/** Which per-frame overhead the goodput limit counts (see model/limits.ts). */
export type LimitBasis = "ethernet" | "tbf";

export const EXPERIMENTS: readonly Experiment[] = ["send", "receive"];
export const PEER_KINDS: readonly PeerKind[] = ["native", "guest"];
export const NETPERF_TESTS: readonly NetperfTest[] = ["TCP_STREAM", "TCP_MAERTS", "UDP_STREAM", "TCP_RR"];

/** How the runner reaches an endpoint to run a command there. */
export interface NetnsAccess {
    readonly kind: "netns";
    /** Network namespace on the machine that runs the runner. */
    readonly namespace: string;
}
/** An endpoint reached with the system's OpenSSH client (guests, peers and hosts of real labs). */
export interface SshAccess {
    readonly kind: "ssh";
    /** Management address or DNS name. */
    readonly host: string;
    readonly user: string;
    readonly port: number;
}
export type EndpointAccess = NetnsAccess | SshAccess;

/** How the runner's SSH client authenticates hosts (the key itself comes from the environment). */
export interface PlanSsh {
    /** yes: only hosts in known_hosts; accept-new: trust a host on first contact, refuse a changed key. */
    readonly hostKeyChecking: "yes" | "accept-new";
    /** known_hosts file; empty for ssh's default. */
    readonly knownHostsFile: string;
}

/** A machine (guest, peer, or namespace standing in for one) that takes part in a benchmark. */
export interface PlanEndpoint {
    readonly name: string;
    readonly role: "guest" | "peer";
    readonly access: EndpointAccess;
}

/** Which sampler reads a hypervisor host's CPU (runner/sampling/host-sampler.ts). */
export type HostSamplerKind = "kvm" | "xen" | "esx";
export const HOST_SAMPLER_KINDS: readonly HostSamplerKind[] = ["kvm", "xen", "esx"];

/**
 * A hypervisor host whose CPU is sampled over every run (never a netperf endpoint): the KVM host,
 * Xen's dom0, or the ESXi host. The platform component names it (components/platforms/*).
 */
export interface PlanHost {
    /** The machine's name in the CPU figures: "host" (kvm, esx) or "dom0" (xen). */
    readonly name: string;
    /**
     * kvm: /proc/stat and each guest's QEMU threads and vhost threads; xen: dom0's /proc/stat and
     * `xentop -b`; esx: `esxtop -b` over SSH.
     */
    readonly sampler: HostSamplerKind;
    /** How the runner reaches it (the SSH access the stack has for the host); absent with `unreachable`. */
    readonly access?: SshAccess;
    /** Why it cannot be sampled (e.g. no SSH login for the ESXi host); the runs say so in their CPU figures. */
    readonly unreachable?: string;
    /** Each guest endpoint on it, by name, to its libvirt domain, Xen domain or vSphere VM name. */
    readonly guests: Record<string, string>;
    /** Each guest's vCPUs (the matched guest shape): how much CPU a domain or VM can use at most. */
    readonly guestVcpus?: number;
}

/** One dedicated wire: a guest NIC cabled to its own NIC on the peer side. */
export interface PlanWire {
    readonly index: number;
    readonly guest: string;
    readonly guestNic: string;
    readonly guestAddress: string;
    readonly peer: string;
    readonly peerNic: string;
    readonly peerAddress: string;
    readonly speedMbps: number;
    readonly mtu: number;
}

/** What the runner measures: every cell of experiments x tests x message sizes x guest counts. */
export interface PlanMatrix {
    readonly experiments: Experiment[];
    readonly peer: PeerKind;
    readonly tests: NetperfTest[];
    readonly messageSizes: number[];
    /** Guest counts to scale out over, e.g. [1, 2, 3, 4]. */
    readonly guestCounts: number[];
}

/**
 * What must match for two labs' results to be comparable, and nothing that may differ between
 * them (platform, names, addresses, logins): the fingerprint is a hash of it.
 */
export interface Comparable {
    /** The guests' shape (hypervisor stacks); absent for local and native. */
    readonly guest?: { vcpus: number; memoryMiB: number; diskGiB: number; image?: string; template?: string };
    /**
     * Set when the lab is an emulation, not real hardware: what stands in for it (QEMU TCG guests,
     * Xen under QEMU, namespaces standing in for a host or guests). Emulated labs compare only
     * with each other (analysis/comparability.ts).
     */
    readonly emulation?: string;
    /** xen labs: how Xen runs the guests (hvnetlab:xen.guestMode), hvm or pv. */
    readonly xenGuestMode?: string;
    /**
     * esx, kvm and xen labs: the guests' virtual NIC path (hvnetlab:nic). It is what a tuning study
     * varies, so the rules never hold two labs to it: two paths of one platform compare with
     * each other and with native (analysis/comparability.ts).
     */
    readonly nicPath?: NicPath;
    readonly nicSpeedMbps: number;
    /** With the local lab's shared-uplink wiring: the uplink's speed. */
    readonly uplinkMbps?: number;
    readonly mtu: number;
    readonly netperfVersion: string;
    readonly matrix: {
        experiments: Experiment[];
        peer: PeerKind;
        tests: NetperfTest[];
        messageSizes: number[];
        guests: number;
        guestCounts?: number[];
    };
    readonly method: { durationSeconds: number; intervalSeconds: number; warmupSeconds: number };
}

export interface Plan {
    readonly schemaVersion: 1;
    readonly platform: string;
    readonly labPrefix: string;
    readonly fingerprint: string;
    /** What the fingerprint hashes, so that a comparison can say which part differs. */
    readonly comparable?: Comparable;
    readonly netserverPort: number;
    readonly durationSeconds: number;
    /** netperf demo-mode interval (-D) in seconds. */
    readonly intervalSeconds: number;
    /** Seconds after the last stream started that are left out of the aggregation window. */
    readonly warmupSeconds: number;
    /** How far ahead of now the common start time is set, in milliseconds. */
    readonly startLeadMs: number;
    /** Record CPU utilization (netperf -c -C). */
    readonly cpu: boolean;
    readonly limitBasis: LimitBasis;
    /** Largest clock offset between the runner and an endpoint that still allows aggregation (ms). */
    readonly maxClockOffsetMs: number;
    /** Largest start skew of a run's streams for it to count as ok (ms); absent: 5% of the duration. */
    readonly maxSkewMs?: number;
    /** How many times each cell of the matrix is measured (absent: once). */
    readonly repeats?: number;
    /**
     * Where every wire shares one uplink to the peer (the local lab's shared-uplink wiring): its
     * speed in Mb/s. A run's limits are then the tighter of the wires' sum and the uplink.
     */
    readonly uplinkMbps?: number;
    /** SSH client settings, for plans with ssh endpoints. */
    readonly ssh?: PlanSsh;
    readonly matrix: PlanMatrix;
    readonly endpoints: PlanEndpoint[];
    readonly wires: PlanWire[];
    /** The hypervisor host(s) whose CPU is sampled over every run; absent on local and native. */
    readonly hosts?: PlanHost[];
}

/** Environment variable that carries the SSH private key to the runner (never a file in the plan). */
export const SSH_KEY_ENV = "HVNETLAB_SSH_PRIVATE_KEY";
