// The differences between two labs' NICs that a comparison warns about: the settings the facts
// recorded (offloads, channels, rings; model/nic.ts), compared NIC by NIC. Pure.
import type { HostFacts, NicFacts } from "../model";
import type { NicChannels, NicRings } from "../model";
import { isAvailable } from "../model";

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
