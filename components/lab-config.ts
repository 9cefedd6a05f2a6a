// Loading the lab's configuration: every `hvnetlab:*` key read once into one typed, validated
// object. parseLabConfig reads the shared keys (./keys.ts) section by section, then hands the
// platform hvnetlab:platform names its own part (its parser, from components/platforms/index.ts,
// with the block readers of ./blocks.ts). Parsing is pure (parseLabConfig takes a key lookup) so
// that every rule is tested without Pulumi; loadLabConfig and loadLabSecrets read the stack.
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { EXPERIMENTS, NETPERF_TESTS, PEER_KINDS } from "../model";
import { EMULATION, HTTPS_URL, IPV4, LAB_PREFIX, RESULTS_FILE, RUN_ID, SHA256, VERSION } from "../model";
import { MAX_ARMED_LEAD_MS, NETPERF_PAD_SECONDS } from "../runner/netperf";
import { maxSkewOf } from "../model";
import { FAIL_ON } from "../analysis";
import type { Cidr } from "./config";
import { contains, formatIpv4, overlaps, parseCidr, PRIVATE_RANGES, wireCapacity } from "./config";
import type { ConfigContext, ConfigKey, LabSecrets, Report, SecretKey, SharedConfig, StructuredKey } from "./config";
import { DEFAULTS, SECRET_KEYS, STRUCTURED_KEYS } from "./config";
import { parseObject, PATTERNS } from "./config";
import type { Platform } from "./platforms";
import { PLATFORM_REGISTRY } from "./platforms";

type Registry = typeof PLATFORM_REGISTRY;
/** The platforms by name (hvnetlab:platform), as components/platforms/index.ts lists them. */
export type PlatformName = keyof Registry;
export const PLATFORMS = Object.keys(PLATFORM_REGISTRY) as PlatformName[];
/** The configuration of a lab on one platform: what that platform's parser gives, on the shared keys. */
export type ConfigOf<P extends PlatformName> = Registry[P] extends Platform<infer C> ? C : never;

/** The largest UDP payload in one IPv4 datagram. */
export const MAX_UDP_MESSAGE = 65507;
/** The largest send size the lab lets netperf use for TCP tests (and request/response sizes). */
export const MAX_TCP_MESSAGE = 1 << 20;

/**
 * The lab's configuration: the shared keys, and the blocks its platform needs (a discriminated
 * union on `platform`; each platform module declares and parses its own part).
 */
export type LabConfig = { [P in PlatformName]: ConfigOf<P> }[PlatformName];

export class ConfigError extends Error {
    readonly name = "ConfigError";
    constructor(readonly problems: string[]) {
        super(
            `invalid hvnetlab configuration (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n  - ${problems.join("\n  - ")}`,
        );
    }
}

/**
 * hvnetlab:startLeadMs, 50 ms up to MAX_ARMED_LEAD_MS (2500 ms). The upper bound is netperf's: a
 * netserver's timer starts at test setup, before the client's armed wait, and runs only PAD_TIME
 * (4 s, netperf 2.7.0 src/netlib.h) past the test length, so a longer lead would end the streams
 * early (runner/netperf/armed-hold.ts).
 */
function boundedStartLead(raw: string, fail: (key: ConfigKey, raw: string, what: string, fix: string) => void): number {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 50) {
        fail("startLeadMs", raw, "is out of range", `use a whole number from 50 to ${MAX_ARMED_LEAD_MS} ms`);
    } else if (v > MAX_ARMED_LEAD_MS) {
        fail(
            "startLeadMs",
            raw,
            `is longer than the ${MAX_ARMED_LEAD_MS} ms a client can be held armed: a netserver's timer runs only netperf's PAD_TIME (${NETPERF_PAD_SECONDS} s) past the test, so the streams would lose their end`,
            `use a whole number from 50 to ${MAX_ARMED_LEAD_MS} ms`,
        );
    }
    return v;
}

/** The readers of the plain keys; each reports a bad value to the one problem list. */
interface KeyReaders {
    /** A key's raw value, as Pulumi config gives it. */
    readonly get: (key: ConfigKey | StructuredKey) => string | undefined;
    /** Reports a problem with a plain key. */
    readonly fail: (key: ConfigKey, raw: string | undefined, what: string, fix: string) => void;
    /** A plain key's value, or its default. */
    readonly text: (key: ConfigKey) => string;
    /** A key that takes one of the allowed values. */
    readonly oneOf: <T extends string>(key: ConfigKey, allowed: readonly T[]) => T;
    /** A number from min to max (a whole number if integer); unit is for the message. */
    readonly number: (key: ConfigKey, min: number, max: number, integer: boolean, unit?: string) => number;
    /** A list: JSON as Pulumi passes it, a YAML flow list, or a comma-separated string; the default when unset. */
    readonly list: (key: ConfigKey) => string[];
    /** A list of allowed values: at least one, each once. */
    readonly subsetOf: <T extends string>(key: ConfigKey, allowed: readonly T[]) => T[];
}

function keyReaders(get: (key: ConfigKey | StructuredKey) => string | undefined, report: Report): KeyReaders {
    const fail = (key: ConfigKey, raw: string | undefined, what: string, fix: string) => report(key, raw, what, fix);
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
            } catch {
                /* reported below */
            }
            fail(key, raw, "is not a list", `write a YAML/JSON list like [a, b] or a comma-separated string`);
            return [];
        }
        return raw
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
    };
    const subsetOf = <T extends string>(key: ConfigKey, allowed: readonly T[]): T[] => {
        const values = list(key);
        if (values.length === 0) fail(key, get(key), "is empty", `list at least one of ${allowed.join(", ")}`);
        const unknown = values.filter((v) => !allowed.includes(v as T));
        if (unknown.length > 0) fail(key, get(key), `names unknown value(s) ${unknown.join(", ")}`, `use only ${allowed.join(", ")}`);
        if (new Set(values).size !== values.length) fail(key, get(key), "lists a value twice", "list each value once");
        return values as T[];
    };
    return { get, fail, text, oneOf, number, list, subsetOf };
}

/**
 * The wires and a run's timing: how many guests (one dedicated wire each), the wires' speed and
 * MTU, a run's length, sampling interval, warm-up and start lead, and the netserver port. A run
 * must leave an aggregation window after its warm-up.
 */
/** The most guests one lab may have (hvnetlab:guests): one dedicated wire each. */
export const MAX_GUESTS = 64;

function parseWiresAndTiming(
    r: KeyReaders,
): Pick<
    SharedConfig,
    "guests" | "nicSpeedMbps" | "mtu" | "durationSeconds" | "intervalSeconds" | "warmupSeconds" | "startLeadMs" | "netserverPort"
> {
    // Out of range, the count is NaN: the problem is reported, and nothing sized by it is built (1e9 guests would be).
    const counted = r.number("guests", 1, MAX_GUESTS, true);
    const guests = counted >= 1 && counted <= MAX_GUESTS ? counted : NaN;
    const nicSpeedMbps = r.number("nicSpeedMbps", 10, 400000, true, " Mb/s");
    const mtu = r.number("mtu", 576, 9216, true, " bytes");
    const durationSeconds = r.number("durationSeconds", 2, 3600, true, " seconds");
    const intervalSeconds = r.number("intervalSeconds", 0.1, 10, false, " seconds");
    const warmupSeconds = r.number("warmupSeconds", 0, 600, false, " seconds");
    const startLeadMs = boundedStartLead(r.text("startLeadMs"), r.fail);
    const netserverPort = r.number("netserverPort", 1024, 65535, true);
    if (Number.isFinite(durationSeconds) && durationSeconds <= warmupSeconds + 2 * intervalSeconds) {
        r.fail(
            "durationSeconds",
            r.text("durationSeconds"),
            `leaves no aggregation window after a ${warmupSeconds} s warm-up`,
            `set it above ${warmupSeconds + 2 * intervalSeconds} s or lower hvnetlab:warmupSeconds`,
        );
    }
    return { guests, nicSpeedMbps, mtu, durationSeconds, intervalSeconds, warmupSeconds, startLeadMs, netserverPort };
}

/**
 * What is measured: the experiments, the peer, the netperf tests and their message sizes (bytes,
 * up to MAX_UDP_MESSAGE with UDP_STREAM, MAX_TCP_MESSAGE otherwise), and the guest counts
 * (ascending, each from 1 to `guests`; every count from 1 to `guests` when hvnetlab:guestCounts
 * is not set).
 */
function parseMatrix(
    r: KeyReaders,
    guests: number,
): Pick<SharedConfig, "experiments" | "peer" | "tests" | "messageSizes" | "guestCounts" | "guestCountsSet"> {
    const experiments = r.subsetOf("experiments", EXPERIMENTS);
    const peer = r.oneOf("peer", PEER_KINDS);
    const tests = r.subsetOf("tests", NETPERF_TESTS);
    const messageSizes = r.list("messageSizes").map(Number);
    // A UDP datagram holds at most 65507 bytes; a TCP send may be as large as netperf takes (1 MiB here).
    const largest = tests.includes("UDP_STREAM") ? MAX_UDP_MESSAGE : MAX_TCP_MESSAGE;
    if (messageSizes.length === 0 || messageSizes.some((m) => !Number.isInteger(m) || m < 1 || m > largest)) {
        r.fail(
            "messageSizes",
            r.get("messageSizes"),
            "is not a list of message sizes",
            tests.includes("UDP_STREAM")
                ? `list whole byte counts from 1 to ${MAX_UDP_MESSAGE} (the largest UDP datagram, with UDP_STREAM in hvnetlab:tests), e.g. [1472, 16384]`
                : `list whole byte counts from 1 to ${MAX_TCP_MESSAGE}, e.g. [16384, 65536]`,
        );
    }

    const guestCountsRaw = r.list("guestCounts");
    const guestCountsSet = guestCountsRaw.length > 0;
    const guestCounts = guestCountsSet
        ? [...new Set(guestCountsRaw.map(Number))].sort((a, b) => a - b)
        : Array.from({ length: Number.isInteger(guests) ? guests : 0 }, (_, i) => i + 1);
    if (
        guestCountsSet &&
        guestCountsRaw.map(Number).some((g) => !Number.isInteger(g) || g < 1 || (Number.isInteger(guests) && g > guests))
    ) {
        r.fail(
            "guestCounts",
            r.get("guestCounts"),
            `is not a list of guest counts from 1 to hvnetlab:guests (${guests})`,
            "list whole numbers such as [1, 2, 4], or leave it empty to measure every count",
        );
    } else if (guestCountsSet && guestCounts.length !== guestCountsRaw.length) {
        r.fail("guestCounts", r.get("guestCounts"), "lists a count twice", "list each guest count once");
    }
    return { experiments, peer, tests, messageSizes, guestCounts, guestCountsSet };
}

/**
 * The lab's names and its netperf: the prefix of its namespaces, links and resources, the run id,
 * the netperf version every endpoint must have, and whether netperf records CPU (-c -C).
 */
function parseNamesAndNetperf(r: KeyReaders): Pick<SharedConfig, "labPrefix" | "runId" | "netperfVersion" | "cpu"> {
    const labPrefix = r.text("labPrefix");
    if (!LAB_PREFIX.test(labPrefix)) {
        r.fail("labPrefix", labPrefix, "cannot name namespaces and links", "use 1-10 lowercase letters and digits, starting with a letter");
    }
    const runId = r.text("runId");
    if (!RUN_ID.test(runId)) r.fail("runId", runId, "is not a plain identifier", "use 1-64 letters, digits, '.', '_' or '-'");
    const netperfVersion = r.text("netperfVersion");
    if (!VERSION.test(netperfVersion)) r.fail("netperfVersion", netperfVersion, "is not a version", "use a version like 2.7.0");
    const cpuText = r.text("cpu");
    if (cpuText !== "true" && cpuText !== "false") r.fail("cpu", cpuText, "is not a boolean", "use true or false");
    return { labPrefix, runId, netperfVersion, cpu: cpuText === "true" };
}

/** The networks, as parseNetworks reads them (a management network and gateway only when set). */
interface Networks extends Pick<SharedConfig, "subnet" | "subnetText" | "guestManagementAddresses"> {
    readonly managementSubnet: Cidr | undefined;
    /** The gateway as written ("" when not set). */
    readonly managementGatewayText: string;
}

/**
 * The networks: the benchmark subnet (private, with a /30 wire for every guest; { base: 0,
 * prefix: 0 } when it does not parse), the management network it must not overlap, the guests'
 * management gateway and their static management addresses.
 */
function parseNetworks(r: KeyReaders, guests: number): Networks {
    const subnetText = r.text("subnet");
    const parsed = parseCidr(subnetText);
    let subnet: Cidr = { base: 0, prefix: 0 };
    if (typeof parsed === "string") {
        r.fail("subnet", subnetText, parsed, "use a private network such as 10.77.0.0/24");
    } else {
        subnet = parsed;
        if (!PRIVATE_RANGES.some((range) => contains(parseCidr(range) as Cidr, parsed))) {
            r.fail("subnet", subnetText, "is not inside a private range", `use a network inside ${PRIVATE_RANGES.join(", ")}`);
        } else if (Number.isInteger(guests) && wireCapacity(parsed) < guests) {
            const prefixNeeded = 30 - Math.ceil(Math.log2(guests));
            r.fail(
                "subnet",
                subnetText,
                `holds ${wireCapacity(parsed)} /30 wire(s) but hvnetlab:guests is ${guests}`,
                `use a /${prefixNeeded} or larger, e.g. ${formatIpv4(parsed.base)}/${prefixNeeded}`,
            );
        }
    }

    const managementText = r.get("managementSubnet") ?? "";
    let managementSubnet: Cidr | undefined;
    if (managementText !== "") {
        const m = parseCidr(managementText);
        if (typeof m === "string") {
            r.fail("managementSubnet", managementText, m, "use the management network's CIDR, e.g. 192.168.1.0/24");
        } else {
            managementSubnet = m;
            if (typeof parsed !== "string" && overlaps(m, parsed)) {
                r.fail(
                    "subnet",
                    subnetText,
                    `overlaps the management network ${managementText}`,
                    "benchmark traffic must stay off the management network: choose a subnet outside it",
                );
            }
        }
    }

    const managementGatewayText = r.text("managementGateway");
    if (managementGatewayText !== "" && !IPV4.test(managementGatewayText))
        r.fail("managementGateway", managementGatewayText, "is not an IPv4 address", "use the management network's gateway address");
    const guestManagementAddresses = r.list("guestManagementAddresses");
    return { subnet, subnetText, managementSubnet, managementGatewayText, guestManagementAddresses };
}

/** How the runner's SSH client checks host keys: strictly or accepting new ones, against which known_hosts file. */
function parseSsh(r: KeyReaders): SharedConfig["ssh"] {
    const hostKeyChecking = r.oneOf("sshHostKeyChecking", ["yes", "accept-new"] as const);
    const knownHostsFile = r.text("sshKnownHostsFile");
    if (knownHostsFile !== "" && !PATTERNS.path.test(knownHostsFile))
        r.fail(
            "sshKnownHostsFile",
            knownHostsFile,
            "is not an absolute path",
            "use an absolute path, or leave it empty for ~/.ssh/known_hosts",
        );
    return { hostKeyChecking, knownHostsFile };
}

/**
 * The clocks: the largest clock offset to an endpoint (ms), and the largest start skew of a run
 * that counts as ok (ms; 5% of durationSeconds unless set), which must leave the run a common
 * window.
 */
function parseClock(
    r: KeyReaders,
    timing: Pick<SharedConfig, "durationSeconds" | "intervalSeconds" | "warmupSeconds">,
): Pick<SharedConfig, "maxClockOffsetMs" | "maxSkewMs"> {
    const { durationSeconds, intervalSeconds, warmupSeconds } = timing;
    const maxClockOffsetMs = r.number("maxClockOffsetMs", 0.1, 10000, false, " ms");
    const maxSkewMs =
        r.text("maxSkewMs") === ""
            ? maxSkewOf({ durationSeconds })
            : r.number("maxSkewMs", 0, 600000, false, " ms (empty: 5% of durationSeconds)");
    // Streams that start maxSkewMs apart share at most the duration less that skew, and the
    // aggregation needs the warm-up and two intervals of it: a larger bound could never be met.
    const skewRoom = Math.floor((durationSeconds - warmupSeconds - 2 * intervalSeconds) * 1000);
    if (r.text("maxSkewMs") !== "" && Number.isFinite(maxSkewMs) && skewRoom > 0 && maxSkewMs >= skewRoom) {
        r.fail(
            "maxSkewMs",
            r.text("maxSkewMs"),
            `leaves no common window: streams started ${maxSkewMs} ms apart overlap by less than the ${warmupSeconds} s warm-up and two ${intervalSeconds} s intervals of a ${durationSeconds} s run`,
            `use less than ${skewRoom} ms, or run longer (hvnetlab:durationSeconds)`,
        );
    }
    return { maxClockOffsetMs, maxSkewMs };
}

/** hvnetlab:localTopology is the local lab's wiring: on any other platform it must stay at wires. */
function checkLocalTopology(r: KeyReaders, platform: string): void {
    const localTopology = r.text("localTopology");
    if (localTopology !== "wires" && platform !== "local") {
        r.fail(
            "localTopology",
            localTopology,
            `is a wiring of the local lab, not of platform ${platform}`,
            "leave it at wires (a real host's wiring is what it is)",
        );
    }
}

/** The results: how many times each cell is measured, which runs fail the update, and where the results are kept. */
function parseResults(r: KeyReaders): Pick<SharedConfig, "repeats" | "failOn" | "resultsFile"> {
    const repeats = r.number("repeats", 1, 100, true);
    const failOn = r.oneOf("failOn", FAIL_ON);
    const resultsFile = r.get("resultsFile") ?? "";
    if (resultsFile !== "" && !RESULTS_FILE.test(resultsFile)) {
        r.fail(
            "resultsFile",
            resultsFile,
            "is not a plain file path",
            "use a path of letters, digits and _ . / @ + - ending in .json, e.g. out/kvm.results.json",
        );
    }
    return { repeats, failOn, resultsFile };
}

/** Where netperf is built from (an https URL, and the tarball's SHA-256 if given) and what the lab emulates. */
function parseSourceAndEmulation(r: KeyReaders): Pick<SharedConfig, "netperfSource" | "emulation"> {
    const netperfSource = { url: r.text("netperfSourceUrl"), sha256: r.text("netperfSourceSha256") };
    if (!HTTPS_URL.test(netperfSource.url))
        r.fail("netperfSourceUrl", netperfSource.url, "is not an https URL", "use the https URL of the netperf release tarball");
    if (netperfSource.sha256 !== "" && !SHA256.test(netperfSource.sha256))
        r.fail(
            "netperfSourceSha256",
            netperfSource.sha256,
            "is not a SHA-256 checksum",
            "use the 64 hex digits of the tarball's sha256sum",
        );
    const emulation = r.text("emulation");
    if (emulation !== "" && !EMULATION.test(emulation))
        r.fail(
            "emulation",
            emulation,
            "is not a short description",
            "say what stands in for the hardware in up to 120 letters, digits, spaces and _ . , : ( ) + / -, e.g. 'QEMU TCG guests', or leave it empty on real hardware",
        );
    return { netperfSource, emulation };
}

/** Which secrets are set; a secret set without --secret (PLAIN_SECRET) is a problem. */
function parseSecretsSet(r: KeyReaders): SharedConfig["secretsSet"] {
    const secretsSet = Object.fromEntries(SECRET_KEYS.map((k) => [k, (r.get(k) ?? "") !== ""])) as Record<SecretKey, boolean>;
    for (const k of SECRET_KEYS) {
        if (r.get(k) === PLAIN_SECRET) {
            r.fail(
                k,
                undefined,
                "is stored in plain text in the stack file",
                `remove it (pulumi config rm hvnetlab:${k}) and set it again with --secret`,
            );
        }
    }
    return secretsSet;
}

/**
 * The platform's own part: the structured blocks parsed into the same problem list, and the
 * context its parser (components/platforms/index.ts) reads them through. A platform that is not
 * known (already reported) gives only its name.
 */
function parsePlatformPart(r: KeyReaders, report: Report, platform: PlatformName, shared: SharedConfig) {
    const blocks = Object.fromEntries(STRUCTURED_KEYS.map((k) => [k, parseObject(k, r.get(k), report)])) as Record<
        StructuredKey,
        Record<string, unknown> | undefined
    >;
    const context: ConfigContext = {
        shared,
        get: (key) => r.get(key),
        text: r.text,
        oneOf: r.oneOf,
        number: r.number,
        need: (key, what) => {
            if (!blocks[key]) {
                report(
                    key,
                    undefined,
                    `is missing but hvnetlab:platform ${platform} needs it`,
                    `add a hvnetlab:${key} block with ${what} to the stack file (see stacks/Pulumi.${platform}.yaml)`,
                );
            }
            return blocks[key];
        },
        block: (key) => blocks[key],
        report,
    };
    if (blocks.nic !== undefined && (platform === "local" || platform === "native"))
        report(
            "nic",
            undefined,
            `applies to the esx, kvm and xen platforms only: platform ${platform} has no virtual NIC`,
            "leave the hvnetlab:nic block out",
        );
    return PLATFORMS.includes(platform) ? PLATFORM_REGISTRY[platform].parseConfig(context) : { platform };
}

/** Reads and validates the configuration; `get` returns a key's raw value (as Pulumi config does). */
export function parseLabConfig(get: (key: ConfigKey | StructuredKey) => string | undefined): LabConfig {
    const problems: string[] = [];
    const report: Report = (key, raw, what, fix) =>
        problems.push(`hvnetlab:${key} ${raw === undefined ? "" : `= ${JSON.stringify(raw)} `}${what}; ${fix}`);
    const r = keyReaders(get, report);

    // The sections report in this order, which is the order of the problem list.
    const platform = r.oneOf("platform", PLATFORMS);
    const { guests, nicSpeedMbps, mtu, durationSeconds, intervalSeconds, warmupSeconds, startLeadMs, netserverPort } =
        parseWiresAndTiming(r);
    const { experiments, peer, tests, messageSizes, guestCounts, guestCountsSet } = parseMatrix(r, guests);
    const { labPrefix, runId, netperfVersion, cpu } = parseNamesAndNetperf(r);
    const { subnet, subnetText, managementSubnet, managementGatewayText, guestManagementAddresses } = parseNetworks(r, guests);
    const ssh = parseSsh(r);
    const { maxClockOffsetMs, maxSkewMs } = parseClock(r, { durationSeconds, intervalSeconds, warmupSeconds });
    checkLocalTopology(r, platform);
    const { repeats, failOn, resultsFile } = parseResults(r);
    const { netperfSource, emulation } = parseSourceAndEmulation(r);
    const secretsSet = parseSecretsSet(r);

    const shared: SharedConfig = {
        platform,
        guests,
        guestCounts,
        guestCountsSet,
        nicSpeedMbps,
        mtu,
        durationSeconds,
        intervalSeconds,
        warmupSeconds,
        startLeadMs,
        experiments,
        peer,
        tests,
        messageSizes,
        labPrefix,
        subnet,
        subnetText,
        runId,
        netserverPort,
        netperfVersion,
        cpu,
        ...(managementSubnet ? { managementSubnet } : {}),
        ...(managementGatewayText !== "" ? { managementGateway: managementGatewayText } : {}),
        guestManagementAddresses,
        ssh,
        maxClockOffsetMs,
        maxSkewMs,
        repeats,
        failOn,
        resultsFile,
        netperfSource,
        emulation,
        secretsSet,
    };
    const own = parsePlatformPart(r, report, platform, shared);

    if (problems.length > 0) throw new ConfigError(problems);
    return { ...shared, ...own } as LabConfig;
}

/** What the parser is told of a secret key that holds a value set without --secret. */
export const PLAIN_SECRET = "(plain)";

/** Whether the engine passed a config key as a secret (the SDK knows; its accessor is internal). */
function isConfigSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return runtime.isConfigSecret?.(key) ?? true;
}

/**
 * Reads the stack's `hvnetlab:*` configuration; of the secrets it learns only whether they are
 * set, and whether as secrets.
 */
export function loadLabConfig(): LabConfig {
    const config = new pulumi.Config("hvnetlab");
    const secret = new Set<string>(SECRET_KEYS);
    return parseLabConfig((key) => {
        if (!secret.has(key)) return config.get(key);
        const full = `hvnetlab:${key}`;
        if (!pulumi.runtime.getConfig(full)) return undefined;
        return isConfigSecret(full) ? "set" : PLAIN_SECRET;
    });
}

/** The secrets the lab uses (LabSecrets, ./keys.ts), read as Pulumi secrets (never plain values). */
export function loadLabSecrets(): LabSecrets {
    const config = new pulumi.Config("hvnetlab");
    return {
        sshPrivateKey: config.requireSecret("sshPrivateKey"),
        vspherePassword: config.requireSecret("vspherePassword"),
    };
}
