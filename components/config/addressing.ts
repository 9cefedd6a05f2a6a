// IPv4 addressing of the dedicated wires: one /30 per wire, carved from the lab's subnet.

export interface Cidr {
    /** Network address as an unsigned 32-bit number. */
    readonly base: number;
    readonly prefix: number;
}

import { CIDR } from "../../model";

/** Private ranges (RFC 1918) a lab may use for its wires. */
export const PRIVATE_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** Parses "a.b.c.d/n"; returns a reason instead when it is not a network address with prefix. */
export function parseCidr(text: string): Cidr | string {
    const m = CIDR.exec(text.trim());
    if (!m) return "is not an IPv4 CIDR like 10.77.0.0/24";
    const prefix = Number(m[5]);
    if (prefix > 32) return "has a prefix length over 32";
    const base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    if ((base & ~mask(prefix)) >>> 0 !== 0)
        return `has host bits set (the network address is ${formatIpv4((base & mask(prefix)) >>> 0)}/${prefix})`;
    return { base, prefix };
}

/** A dotted-quad address as an unsigned 32-bit number (the address must be valid). */
export function ipv4Number(a: string): number {
    return a.split(".").reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
}

export function mask(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function formatIpv4(n: number): string {
    return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join(".");
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    const m = mask(Math.min(a.prefix, b.prefix));
    return (a.base & m) >>> 0 === (b.base & m) >>> 0;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
    return outer.prefix <= inner.prefix && overlaps(outer, inner);
}

/** How many /30 wires fit in the subnet. */
export function wireCapacity(subnet: Cidr): number {
    return subnet.prefix > 30 ? 0 : 2 ** (30 - subnet.prefix);
}

/** Wire i's /30: the peer side takes the first host address, the guest side the second. */
export function wireAddresses(subnet: Cidr, index: number): { network: string; peer: string; guest: string; prefix: 30 } {
    if (index < 0 || index >= wireCapacity(subnet)) {
        throw new RangeError(`wire ${index} does not fit in ${formatIpv4(subnet.base)}/${subnet.prefix}`);
    }
    const net = subnet.base + index * 4;
    return { network: formatIpv4(net), peer: formatIpv4(net + 1), guest: formatIpv4(net + 2), prefix: 30 };
}
