// Wire speed and goodput limits: the highest payload rate a wire of a given speed and MTU can carry.
import type { LimitBasis, NetperfTest } from "./plan";
import type { Limits } from "./results";

/** Bytes each frame costs beyond the IP packet: Ethernet header 14 + FCS 4 + preamble 8 + gap 12. */
export const ETHERNET_OVERHEAD = 38;
/** tc's tbf shaper counts the 14-byte Ethernet header and nothing else. */
export const TBF_OVERHEAD = 14;
/** IPv4 20 + TCP 20 + timestamps option 12. */
export const TCP_IPV4_TS_HEADERS = 52;
const IPV4_HEADER = 20;
const UDP_HEADER = 8;

export function frameOverhead(basis: LimitBasis): number {
    return basis === "ethernet" ? ETHERNET_OVERHEAD : TBF_OVERHEAD;
}

/**
 * Goodput limit of one wire for a test. TCP: every full segment carries MTU-52 bytes.
 * UDP: a message of `messageBytes` is one datagram, fragmented into MTU-sized IP packets.
 * TCP_RR is latency-bound; its limit is stated for the request payload as a TCP stream.
 */
export function goodputLimit(speedMbps: number, mtu: number, basis: LimitBasis, test: NetperfTest, messageBytes: number): Limits {
    const overhead = frameOverhead(basis);
    const basisName = basis === "ethernet" ? "Ethernet frame +38 B (header, FCS, preamble, gap)" : "tc tbf +14 B (Ethernet header only)";
    if (test === "UDP_STREAM") {
        const datagram = messageBytes + UDP_HEADER;
        const perFragment = Math.floor((mtu - IPV4_HEADER) / 8) * 8;
        const fragments = Math.ceil(datagram / perFragment);
        const wireBytes = datagram + fragments * (IPV4_HEADER + overhead);
        return {
            lineRateMbps: speedMbps,
            goodputMbps: round((speedMbps * messageBytes) / wireBytes, 1),
            basis: `UDP/IPv4, ${messageBytes} B messages in ${fragments} frame(s) of MTU ${mtu}, ${basisName}`,
        };
    }
    const payload = mtu - TCP_IPV4_TS_HEADERS;
    return {
        lineRateMbps: speedMbps,
        goodputMbps: round((speedMbps * payload) / (mtu + overhead), 1),
        basis: `TCP/IPv4 with timestamps, ${payload}/${mtu + overhead} B per frame at MTU ${mtu}, ${basisName}`,
    };
}

export function round(value: number, digits: number): number {
    const f = 10 ** digits;
    return Math.round(value * f) / f;
}
