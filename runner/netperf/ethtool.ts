// What a dedicated NIC was set to: its offloads (ethtool -k), channels (ethtool -l) and ring
// sizes (ethtool -g), parsed from ethtool's output as the facts script prints it, and the
// differences between two labs' NICs that a comparison warns about. Pure functions, tested on
// output recorded from real veths, taps and a virtio-net NIC.
import type { HostFacts, NicFacts } from "../../model/types";

/** A query ethtool could not answer on a NIC, and why (never a made-up value). */
export interface Unavailable {
    readonly unavailable: string;
}

/**
 * The offloads the study's question turns on, by ethtool -k's names: tcp-segmentation-offload
 * (TSO), generic-segmentation-offload (GSO), generic-receive-offload (GRO),
 * large-receive-offload (LRO), rx-checksumming and tx-checksumming.
 */
export const OFFLOADS = {
    tso: "tcp-segmentation-offload",
    gso: "generic-segmentation-offload",
    gro: "generic-receive-offload",
    lro: "large-receive-offload",
    rxChecksumming: "rx-checksumming",
    txChecksumming: "tx-checksumming",
} as const;

export type Offload = keyof typeof OFFLOADS;

/**
 * Each offload's state as ethtool -k prints it: "on" or "off", with ethtool's note where it
 * printed one ("off [fixed]": the driver cannot change it; "off [requested on]": asked for but not
 * in effect). An offload ethtool did not list is absent.
 */
export type NicOffloads = Partial<Record<Offload, string>>;

/** Queue counts of one kind (ethtool -l): receive-only, transmit-only, other, combined; absent where ethtool says n/a. */
export interface ChannelCounts {
    readonly rx?: number;
    readonly tx?: number;
    readonly other?: number;
    readonly combined?: number;
}

/** ethtool -l: the channels in use and the most the NIC allows. */
export interface NicChannels {
    readonly current: ChannelCounts;
    readonly max: ChannelCounts;
}

/** Descriptor ring sizes (ethtool -g), in descriptors; absent where ethtool says n/a. */
export interface RingSizes {
    readonly rx?: number;
    readonly rxMini?: number;
    readonly rxJumbo?: number;
    readonly tx?: number;
}

/** ethtool -g: the ring sizes in use and the most the NIC allows. */
export interface NicRings {
    readonly current: RingSizes;
    readonly max: RingSizes;
}

/** The ethtool queries the facts script runs on every dedicated NIC. */
export const ETHTOOL_QUERIES = ["k", "l", "g"] as const;
export type EthtoolQuery = (typeof ETHTOOL_QUERIES)[number];

/** What one ethtool query printed on a NIC: its exit status and its lines (stdout and stderr). */
export interface EthtoolOutput {
    readonly code: number;
    readonly lines: string[];
}

/** The offloads of `ethtool -k NIC` (top-level features; the indented sub-features are left out). */
export function parseOffloads(text: string): NicOffloads {
    const byName = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
        const m = /^([a-z0-9_-]+):\s*(\S.*?)\s*$/.exec(line);
        if (m) byName.set(m[1], m[2]);
    }
    const out: Partial<Record<Offload, string>> = {};
    for (const [key, name] of Object.entries(OFFLOADS) as [Offload, string][]) {
        const v = byName.get(name);
        if (v !== undefined && /^(on|off)\b/.test(v)) out[key] = v;
    }
    return out;
}

/** The two sections ("Pre-set maximums:", "Current hardware settings:") of ethtool -l or -g, as label -> number. */
function sections(text: string): { max: Map<string, number>; current: Map<string, number> } | undefined {
    const max = new Map<string, number>();
    const current = new Map<string, number>();
    let into: Map<string, number> | undefined;
    let seen = 0;
    for (const line of text.split(/\r?\n/)) {
        if (/^Pre-set maximums:/.test(line)) {
            into = max;
            seen++;
        } else if (/^Current hardware settings:/.test(line)) {
            into = current;
            seen++;
        } else if (into) {
            const m = /^([A-Za-z][A-Za-z ]*?):\s*(\S+)\s*$/.exec(line);
            if (m && /^\d+$/.test(m[2])) into.set(m[1], Number(m[2]));
        }
    }
    return seen === 2 ? { max, current } : undefined;
}

function pick<K extends string>(values: Map<string, number>, labels: Record<K, string>): Partial<Record<K, number>> {
    const out: Partial<Record<K, number>> = {};
    for (const [key, label] of Object.entries(labels) as [K, string][]) {
        const v = values.get(label);
        if (v !== undefined) out[key] = v;
    }
    return out;
}

const CHANNEL_LABELS = { rx: "RX", tx: "TX", other: "Other", combined: "Combined" };
const RING_LABELS = { rx: "RX", rxMini: "RX Mini", rxJumbo: "RX Jumbo", tx: "TX" };

/** The channels of `ethtool -l NIC`; undefined when the output has not its two sections. */
export function parseChannels(text: string): NicChannels | undefined {
    const s = sections(text);
    return s ? { current: pick(s.current, CHANNEL_LABELS), max: pick(s.max, CHANNEL_LABELS) } : undefined;
}

/** The ring sizes of `ethtool -g NIC`; undefined when the output has not its two sections. */
export function parseRings(text: string): NicRings | undefined {
    const s = sections(text);
    return s ? { current: pick(s.current, RING_LABELS), max: pick(s.max, RING_LABELS) } : undefined;
}

/** Why a query has no figures: ethtool missing, the NIC refusing the query (veth has no rings), or output we cannot read. */
function unavailable(query: EthtoolQuery, nic: string, driver: string, out: EthtoolOutput | undefined, missing?: string): Unavailable {
    if (missing !== undefined) return { unavailable: missing };
    if (!out) return { unavailable: `ethtool -${query} ${nic} was not run` };
    const said = out.lines.find((l) => l.trim() !== "")?.trim() ?? "no output";
    if (out.code !== 0) {
        const refused = /not supported|Operation not supported|EOPNOTSUPP/i.test(said);
        return {
            unavailable: refused
                ? `${nic} (${driver}) does not support ethtool -${query}: ${said}`
                : `ethtool -${query} ${nic} failed (exit ${out.code}): ${said}`,
        };
    }
    return { unavailable: `ethtool -${query} ${nic} printed nothing this version reads: ${said}` };
}

/**
 * A NIC's offloads, channels and rings from what the facts script printed for it (by query), or
 * why each is unavailable. `missing` is set when ethtool is not installed: every query says so.
 */
export function nicSettings(
    nic: Pick<NicFacts, "name" | "driver">,
    outputs: Partial<Record<EthtoolQuery, EthtoolOutput>>,
    missing?: string,
): Pick<NicFacts, "offloads" | "channels" | "rings"> {
    const text = (q: EthtoolQuery) => (missing === undefined && outputs[q]?.code === 0 ? outputs[q]!.lines.join("\n") : undefined);
    const why = (q: EthtoolQuery) => unavailable(q, nic.name, nic.driver, outputs[q], missing);
    const k = text("k");
    const offloads = k !== undefined ? parseOffloads(k) : undefined;
    const l = text("l");
    const channels = l !== undefined ? parseChannels(l) : undefined;
    const g = text("g");
    const rings = g !== undefined ? parseRings(g) : undefined;
    return {
        offloads: offloads && Object.keys(offloads).length > 0 ? offloads : why("k"),
        channels: channels ?? why("l"),
        rings: rings ?? why("g"),
    };
}

/** Whether a setting holds figures (not an Unavailable). */
export function isAvailable<T extends object>(v: T | Unavailable | undefined): v is T {
    return v !== undefined && !("unavailable" in v);
}

/**
 * A NIC's settings that both labs read, by name: each offload ("tso" -> "on"; ethtool's note such
 * as "[fixed]" left out), and the channels and rings in use as one value each ("channels" ->
 * "rx 1 tx 1", "rings" -> "rx 256 tx 256"). Settings that could not be read are left out.
 */
export function flatSettings(nic: NicFacts): Map<string, string> {
    const out = new Map<string, string>();
    if (isAvailable(nic.offloads)) {
        for (const [k, v] of Object.entries(nic.offloads)) out.set(k, v.split(/\s/)[0]);
    }
    for (const [kind, v] of [
        ["channels", nic.channels],
        ["rings", nic.rings],
    ] as const) {
        if (isAvailable<NicChannels | NicRings>(v)) {
            out.set(
                kind,
                Object.entries(v.current)
                    .map(([k, n]) => `${k} ${n}`)
                    .join(" ") || "none",
            );
        }
    }
    return out;
}

/** A labelled lab's endpoint facts, as a comparison has them. */
export interface FactsSource {
    readonly label: string;
    readonly endpoints: Record<string, { facts: HostFacts }>;
}

/**
 * The wire NICs of a lab, keyed by endpoint and position (the facts list an endpoint's NICs in its
 * wires' order): "g1 #1", "peer #3". A native lab's one machine ("host", components/platforms/
 * native.ts) stands where the hypervisor labs have guests: its i-th NIC is keyed as g<i>'s first.
 */
export function keyedNics(source: FactsSource): Map<string, NicFacts> {
    const out = new Map<string, NicFacts>();
    for (const [endpoint, report] of Object.entries(source.endpoints)) {
        (report.facts?.nics ?? []).forEach((nic, i) => {
            out.set(endpoint === "host" ? `g${i + 1} #1` : `${endpoint} #${i + 1}`, nic);
        });
    }
    return out;
}

/**
 * Warnings for every NIC setting that differs between two labs: NICs are paired by endpoint and
 * position (keyedNics), and only settings both labs read are compared (an old document without
 * them, a query one NIC refused, or a NIC only one lab has, is not a difference). One line per NIC and setting, naming both
 * NICs: "warning: NIC settings differ: g1 #1 tso: local bench0 (veth) on, kvm eth1 (virtio_net) off".
 */
export function nicSettingWarnings(a: FactsSource, b: FactsSource): string[] {
    const na = keyedNics(a);
    const nb = keyedNics(b);
    const warnings: string[] = [];
    for (const [key, x] of na) {
        const y = nb.get(key);
        if (!y) continue;
        const sx = flatSettings(x);
        const sy = flatSettings(y);
        for (const [setting, vx] of sx) {
            const vy = sy.get(setting);
            if (vy === undefined || vy === vx) continue;
            warnings.push(
                `warning: NIC settings differ: ${key} ${setting}: ${a.label} ${x.name} (${x.driver}) ${vx}, ${b.label} ${y.name} (${y.driver}) ${vy}`,
            );
        }
    }
    return warnings;
}
