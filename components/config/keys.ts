// The `hvnetlab:*` keys: their defaults (as Pulumi.yaml declares them), the structured and the
// secret keys, the typed shape of the keys every platform reads, and what a platform's parser is
// handed to read its own part. A leaf: the platforms import it, and it imports none of them
// (the loading that walks the platforms is components/lab-config.ts).
import type * as pulumi from "@pulumi/pulumi";
import type { Experiment, NetperfTest, PeerKind } from "../../model";
import type { FailOn } from "../../analysis";
import type { Cidr } from "./addressing";

/** The keys every platform reads. */
export interface SharedConfig {
    /** Which platform builds the lab (each platform's configuration narrows it to its name). */
    readonly platform: string;
    /** Guests (and dedicated wires) the benchmark scales out to. */
    readonly guests: number;
    /** The guest counts measured, ascending (every count from 1 to guests unless set). */
    readonly guestCounts: number[];
    /** Whether hvnetlab:guestCounts was set (it is then part of the fingerprint). */
    readonly guestCountsSet: boolean;
    readonly nicSpeedMbps: number;
    readonly mtu: number;
    readonly durationSeconds: number;
    readonly intervalSeconds: number;
    readonly warmupSeconds: number;
    readonly startLeadMs: number;
    readonly experiments: Experiment[];
    readonly peer: PeerKind;
    readonly tests: NetperfTest[];
    readonly messageSizes: number[];
    readonly labPrefix: string;
    readonly subnet: Cidr;
    /** The subnet as written, for display. */
    readonly subnetText: string;
    readonly runId: string;
    readonly netserverPort: number;
    readonly netperfVersion: string;
    readonly cpu: boolean;
    /** The management network, which benchmark wires must never overlap (empty: none declared). */
    readonly managementSubnet?: Cidr;
    /** Default gateway of the guests' management NIC. */
    readonly managementGateway?: string;
    /** Static management address of guest i (hypervisor platforms). */
    readonly guestManagementAddresses: string[];
    /** How the runner's SSH client checks host keys. */
    readonly ssh: { readonly hostKeyChecking: "yes" | "accept-new"; readonly knownHostsFile: string };
    /** The largest clock offset between the runner and an endpoint that still allows aggregation. */
    readonly maxClockOffsetMs: number;
    /** Largest start skew for a run to count as ok (ms): set, or 5% of durationSeconds. */
    readonly maxSkewMs: number;
    /** How many times each cell is measured. */
    readonly repeats: number;
    /** Which runs fail the update (the results are kept either way). */
    readonly failOn: FailOn;
    /** Where the results document is kept (absolute, or relative to the project; empty: out/<stack>.results.json). */
    readonly resultsFile: string;
    /** Where netperf is built from on machines whose distribution does not package the version. */
    readonly netperfSource: { readonly url: string; readonly sha256: string };
    /**
     * What the lab emulates, when it is not real hardware (empty: real hardware). The labs on this
     * machine set it; the kvm stack with libvirt.domainType qemu and the local lab are emulated by
     * definition (components/fingerprint.ts). Emulated labs compare only with each other.
     */
    readonly emulation: string;
    /** Which secrets are set (their values are read only as Pulumi secrets, see loadLabSecrets in components/lab-config.ts). */
    readonly secretsSet: Readonly<Record<SecretKey, boolean>>;
}

/** Defaults, as declared in Pulumi.yaml (a test keeps the two in step). */
export const DEFAULTS = {
    platform: "local",
    guests: 4,
    nicSpeedMbps: 1000,
    mtu: 1500,
    durationSeconds: 10,
    intervalSeconds: 0.5,
    warmupSeconds: 1,
    startLeadMs: 500,
    experiments: ["send", "receive"],
    peer: "native",
    tests: ["TCP_STREAM"],
    messageSizes: [16384],
    labPrefix: "hvnetlab",
    subnet: "10.77.0.0/24",
    runId: "1",
    netserverPort: 12865,
    netperfVersion: "2.7.0",
    cpu: true,
    managementSubnet: "",
    managementGateway: "",
    guestCounts: [] as number[],
    guestManagementAddresses: [] as string[],
    sshHostKeyChecking: "yes",
    sshKnownHostsFile: "",
    maxClockOffsetMs: 5,
    maxSkewMs: "",
    localTopology: "wires",
    uplinkMbps: "",
    repeats: 1,
    failOn: "failed",
    resultsFile: "",
    netperfSourceUrl: "https://github.com/HewlettPackard/netperf/archive/refs/tags/netperf-2.7.0.tar.gz",
    netperfSourceSha256: "",
    emulation: "",
    sshPrivateKey: "",
    vspherePassword: "",
} as const;

export type ConfigKey = keyof typeof DEFAULTS;
/**
 * Structured blocks, set in the stack file as YAML mappings. Pulumi.yaml cannot declare a key of
 * object type (pulumi/pulumi#11321), so these are documented in the README and read here only.
 */
export const STRUCTURED_KEYS = ["guest", "host", "peerHost", "vsphere", "libvirt", "xen", "nic"] as const;
export type StructuredKey = (typeof STRUCTURED_KEYS)[number];
/** Keys whose values are secrets: parseLabConfig only learns whether they are set. */
export const SECRET_KEYS = ["sshPrivateKey", "vspherePassword"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The secrets the lab uses, as Pulumi secrets (never plain values). */
export interface LabSecrets {
    readonly sshPrivateKey: pulumi.Output<string>;
    readonly vspherePassword: pulumi.Output<string>;
}

/** Collects problems as "hvnetlab:KEY = VALUE what; fix". */
export type Report = (key: string, raw: unknown, what: string, fix: string) => void;

/**
 * What a platform's config parser gets: the shared keys already parsed, readers for the plain
 * keys (reporting like the shared parser), the structured blocks, and the one problem list.
 */
export interface ConfigContext {
    readonly shared: SharedConfig;
    /** A plain key's raw value, as Pulumi config gives it. */
    readonly get: (key: ConfigKey | StructuredKey) => string | undefined;
    /** A plain key's value, or its default. */
    readonly text: (key: ConfigKey) => string;
    readonly oneOf: <T extends string>(key: ConfigKey, allowed: readonly T[]) => T;
    readonly number: (key: ConfigKey, min: number, max: number, integer: boolean, unit?: string) => number;
    /** A structured block, or a report that the platform needs it (with what it must hold). */
    readonly need: (key: StructuredKey, what: string) => Record<string, unknown> | undefined;
    /** A structured block the platform may do without: undefined when it is not set. */
    readonly block: (key: StructuredKey) => Record<string, unknown> | undefined;
    readonly report: Report;
}

/** A platform's part of the configuration, parsed from the context; problems go to ctx.report. */
export type PlatformConfigParser<C extends SharedConfig> = (
    ctx: ConfigContext,
) => Omit<C, keyof SharedConfig> & { readonly platform: C["platform"] };
