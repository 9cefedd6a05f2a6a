// What a dedicated NIC was set to: its offloads (ethtool -k), channels (ethtool -l) and ring
// sizes (ethtool -g), parsed from ethtool's output as the facts script prints it (the types are
// model/nic.ts's; the differences a comparison warns about, analysis/nic-differences.ts). Pure, tested on
// output recorded from real veths, taps and a virtio-net NIC.
import type { NicFacts } from "../../model";
import type { NicChannels, NicOffloads, NicRings, Offload, Unavailable } from "../../model";
import { OFFLOADS } from "../../model";

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
