// The lab's configuration: every `hvnetlab:*` key read once into one typed, validated object.
// Parsing is pure (parseLabConfig takes a key lookup) so that every rule is tested without Pulumi.
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { Experiment, EXPERIMENTS, NETPERF_TESTS, NetperfTest, PEER_KINDS, PeerKind } from "../benchmarks/types";
import { Cidr, contains, formatIpv4, overlaps, parseCidr, PRIVATE_RANGES, wireCapacity } from "./addressing";

export const PLATFORMS = ["local", "native", "esx", "kvm", "xen"] as const;
export type PlatformName = (typeof PLATFORMS)[number];

export interface LabConfig {
    /** Which platform builds the lab. */
    readonly platform: PlatformName;
    /** Guests (and dedicated wires) the benchmark scales out to. */
    readonly guests: number;
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
    /** Names of the dedicated NICs on the peer side, one per wire; empty means generated names. */
    readonly dedicatedNics: string[];
    /** The management network, which benchmark wires must never overlap (empty: none declared). */
    readonly managementSubnet?: Cidr;
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
    dedicatedNics: [] as string[],
    managementSubnet: "",
} as const;

export type ConfigKey = keyof typeof DEFAULTS;

export class ConfigError extends Error {
    readonly name = "ConfigError";
    constructor(readonly problems: string[]) {
        super(`invalid hvnetlab configuration (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n  - ${problems.join("\n  - ")}`);
    }
}

const LAB_PREFIX = /^[a-z][a-z0-9]{0,9}$/;
const RUN_ID = /^[A-Za-z0-9._-]{1,64}$/;
const NIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/;
const VERSION = /^\d+\.\d+\.\d+$/;

/** Reads and validates the configuration; `get` returns a key's raw value (as Pulumi config does). */
export function parseLabConfig(get: (key: ConfigKey) => string | undefined): LabConfig {
    const problems: string[] = [];
    const fail = (key: ConfigKey, raw: string | undefined, what: string, fix: string) =>
        problems.push(`hvnetlab:${key} = ${JSON.stringify(raw)} ${what}; ${fix}`);

    const text = (key: ConfigKey): string => {
        const raw = get(key);
        return raw === undefined || raw === "" ? String(DEFAULTS[key]) : raw;
    };
    const oneOf = <T extends string>(key: ConfigKey, allowed: readonly T[]): T => {
        const v = text(key);
        if (!allowed.includes(v as T)) fail(key, v, "is not known", `use one of ${allowed.join(", ")}`);
        return v as T;
    };
    const number = (key: ConfigKey, min: number, max: number, integer: boolean, unit = ""): number => {
        const raw = text(key);
        const v = Number(raw);
        if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
            fail(key, raw, `is out of range`, `use ${integer ? "a whole number" : "a number"} from ${min} to ${max}${unit}`);
        }
        return v;
    };
    const list = (key: ConfigKey): string[] => {
        const raw = get(key);
        if (raw === undefined || raw === "") return [...(DEFAULTS[key] as readonly (string | number)[])].map(String);
        if (raw.trim().startsWith("[")) {
            try {
                const parsed = yaml.load(raw); // JSON as Pulumi passes lists, or a YAML flow list
                if (Array.isArray(parsed)) return parsed.map(String);
            } catch { /* reported below */ }
            fail(key, raw, "is not a list", `write a YAML/JSON list like [a, b] or a comma-separated string`);
            return [];
        }
        return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    };
    const subsetOf = <T extends string>(key: ConfigKey, allowed: readonly T[]): T[] => {
        const values = list(key);
        if (values.length === 0) fail(key, get(key), "is empty", `list at least one of ${allowed.join(", ")}`);
        const unknown = values.filter((v) => !allowed.includes(v as T));
        if (unknown.length > 0) fail(key, get(key), `names unknown value(s) ${unknown.join(", ")}`, `use only ${allowed.join(", ")}`);
        if (new Set(values).size !== values.length) fail(key, get(key), "lists a value twice", "list each value once");
        return values as T[];
    };

    const platform = oneOf("platform", PLATFORMS);
    const guests = number("guests", 1, 64, true);
    const nicSpeedMbps = number("nicSpeedMbps", 10, 400000, true, " Mb/s");
    const mtu = number("mtu", 576, 9216, true, " bytes");
    const durationSeconds = number("durationSeconds", 2, 3600, true, " seconds");
    const intervalSeconds = number("intervalSeconds", 0.1, 10, false, " seconds");
    const warmupSeconds = number("warmupSeconds", 0, 600, false, " seconds");
    const startLeadMs = number("startLeadMs", 50, 60000, true, " ms");
    const netserverPort = number("netserverPort", 1024, 65535, true);
    if (Number.isFinite(durationSeconds) && durationSeconds <= warmupSeconds + 2 * intervalSeconds) {
        fail("durationSeconds", text("durationSeconds"), `leaves no aggregation window after a ${warmupSeconds} s warm-up`,
            `set it above ${warmupSeconds + 2 * intervalSeconds} s or lower hvnetlab:warmupSeconds`);
    }

    const experiments = subsetOf("experiments", EXPERIMENTS);
    const peer = oneOf("peer", PEER_KINDS);
    const tests = subsetOf("tests", NETPERF_TESTS);
    const messageSizes = list("messageSizes").map(Number);
    if (messageSizes.length === 0 || messageSizes.some((m) => !Number.isInteger(m) || m < 1 || m > 65507)) {
        fail("messageSizes", get("messageSizes"), "is not a list of message sizes", "list whole byte counts from 1 to 65507, e.g. [1472, 16384]");
    }

    const labPrefix = text("labPrefix");
    if (!LAB_PREFIX.test(labPrefix)) {
        fail("labPrefix", labPrefix, "cannot name namespaces and links", "use 1-10 lowercase letters and digits, starting with a letter");
    }
    const runId = text("runId");
    if (!RUN_ID.test(runId)) fail("runId", runId, "is not a plain identifier", "use 1-64 letters, digits, '.', '_' or '-'");
    const netperfVersion = text("netperfVersion");
    if (!VERSION.test(netperfVersion)) fail("netperfVersion", netperfVersion, "is not a version", "use a version like 2.7.0");
    const cpuText = text("cpu");
    if (cpuText !== "true" && cpuText !== "false") fail("cpu", cpuText, "is not a boolean", "use true or false");

    const subnetText = text("subnet");
    const parsed = parseCidr(subnetText);
    let subnet: Cidr = { base: 0, prefix: 0 };
    if (typeof parsed === "string") {
        fail("subnet", subnetText, parsed, "use a private network such as 10.77.0.0/24");
    } else {
        subnet = parsed;
        if (!PRIVATE_RANGES.some((r) => contains(parseCidr(r) as Cidr, parsed))) {
            fail("subnet", subnetText, "is not inside a private range", `use a network inside ${PRIVATE_RANGES.join(", ")}`);
        } else if (Number.isInteger(guests) && wireCapacity(parsed) < guests) {
            const prefixNeeded = 30 - Math.ceil(Math.log2(guests));
            fail("subnet", subnetText, `holds ${wireCapacity(parsed)} /30 wire(s) but hvnetlab:guests is ${guests}`,
                `use a /${prefixNeeded} or larger, e.g. ${formatIpv4(parsed.base)}/${prefixNeeded}`);
        }
    }

    const managementText = get("managementSubnet") ?? "";
    let managementSubnet: Cidr | undefined;
    if (managementText !== "") {
        const m = parseCidr(managementText);
        if (typeof m === "string") {
            fail("managementSubnet", managementText, m, "use the management network's CIDR, e.g. 192.168.1.0/24");
        } else {
            managementSubnet = m;
            if (typeof parsed !== "string" && overlaps(m, parsed)) {
                fail("subnet", subnetText, `overlaps the management network ${managementText}`, "benchmark traffic must stay off the management network: choose a subnet outside it");
            }
        }
    }

    const dedicatedNics = list("dedicatedNics");
    const badNics = dedicatedNics.filter((n) => !NIC_NAME.test(n));
    if (badNics.length > 0) fail("dedicatedNics", get("dedicatedNics"), `has invalid interface name(s) ${badNics.join(", ")}`, "use Linux interface names (letters, digits, _ . -; at most 15 characters)");
    const twice = dedicatedNics.filter((n, i) => dedicatedNics.indexOf(n) !== i);
    if (twice.length > 0) fail("dedicatedNics", get("dedicatedNics"), `lists ${[...new Set(twice)].join(", ")} more than once`, "give every guest its own NIC: list each NIC once");
    if (dedicatedNics.length > 0 && Number.isInteger(guests) && dedicatedNics.length < guests) {
        fail("guests", String(guests), `is more than the ${dedicatedNics.length} dedicated NIC(s) in hvnetlab:dedicatedNics`, "lower hvnetlab:guests or list more NICs: every guest needs a NIC of its own");
    }

    if (problems.length > 0) throw new ConfigError(problems);
    return {
        platform, guests, nicSpeedMbps, mtu, durationSeconds, intervalSeconds, warmupSeconds, startLeadMs,
        experiments, peer, tests, messageSizes, labPrefix, subnet, subnetText, runId, netserverPort,
        netperfVersion, cpu: cpuText === "true", dedicatedNics,
        ...(managementSubnet ? { managementSubnet } : {}),
    };
}

/** Reads the stack's `hvnetlab:*` configuration. */
export function loadLabConfig(): LabConfig {
    const config = new pulumi.Config("hvnetlab");
    return parseLabConfig((key) => config.get(key));
}

