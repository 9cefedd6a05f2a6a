// The networks of the labs on this machine: the Ethernet shaping of their wires (tc tbf), the
// management network that reaches their machines, and the dedicated NICs' saved states.
import { existsSync, rmSync } from "fs";
import { ETHERNET_OVERHEAD, TBF_OVERHEAD } from "../../model";
import { nicStateFile, tbfBurstKb } from "../../components/platforms";

/**
 * tc arguments (after `tc qdisc add dev NIC root`) that shape a NIC's egress so that full-size
 * frames cost what they cost on Ethernet at `speedMbps`: MTU + 38 bytes each (header 14, FCS 4,
 * preamble 8, gap 12; model/limits.ts's Ethernet basis). tbf counts each frame with its
 * 14-byte header only, so its rate is the wire's scaled by (MTU + 14) / (MTU + 38): at 1 Gb/s and
 * MTU 1500, 984395 kbit/s, whose TCP goodput limit is Ethernet's 941.5 Mb/s. Frames shorter than
 * the MTU (ACKs, a datagram's last fragment) get a little more than on Ethernet.
 *
 * Why not add the 24 bytes per frame instead: TCP hands the qdisc GSO packets of many segments
 * (its sockets always use GSO; the veth segments after the qdisc). The kernel counts a GSO packet's
 * length with every segment's headers (qdisc_pkt_len_init), but a size table (`stab overhead 24`)
 * recomputes it from skb->len plus 24 once, and tbf's own `overhead 24` is added once per packet,
 * not per segment. Measured here, one TCP_STREAM at 1 Gb/s: 998 Mb/s with the size table, 952-955
 * with tbf's overhead, 923 when tbf is made to segment every GSO packet (peakrate 100gbit mtu 3000,
 * costing CPU per frame on 2 cores), and 939 and 937 over 20 s with the scaled rate.
 */
export function ethernetShaping(speedMbps: number, mtu: number): string[] {
    const kbit = Math.round((speedMbps * 1000 * (mtu + TBF_OVERHEAD)) / (mtu + ETHERNET_OVERHEAD));
    return ["tbf", "rate", `${kbit}kbit`, "burst", `${tbfBurstKb(speedMbps)}kb`, "latency", "50ms"];
}

/** A lab's management network on this machine: its bridge here, the host at .1, the peer at .2 (a /24). */
export interface ManagementNet {
    readonly bridge: string;
    readonly peerNs: string;
    readonly host: string;
    readonly peer: string;
}

/** The management network of a lab whose links and namespaces are named `<prefix>-...`, in `<net>.0/24`. */
export function managementNet(prefix: string, net: string): ManagementNet {
    return { bridge: `${prefix}-mgmt`, peerNs: `${prefix}-peer`, host: `${net}.1`, peer: `${net}.2` };
}

/**
 * The dedicated NICs whose state before the lab the stack saved (nicStateFile: /run is this
 * machine's for every stand-in machine) and a destroy did not restore and forget, as leftovers.
 */
export function nicStatesLeft(nics: readonly string[]): string[] {
    return nics.filter((nic) => existsSync(nicStateFile(nic))).map((nic) => `${nicStateFile(nic)} (${nic}'s saved state)`);
}

/** Forgets those saved states: the NICs go with the lab's setup, and a state left would be stale. */
export function forgetNicStates(nics: readonly string[]): void {
    for (const nic of nics) rmSync(nicStateFile(nic), { force: true });
}
