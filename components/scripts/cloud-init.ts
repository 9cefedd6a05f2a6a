// cloud-init documents for the libvirt guests: the user with the lab's key, and the network
// config that gives the management NIC and the benchmark NIC their static addresses. Pure.
import { createHash } from "crypto";
import * as yaml from "js-yaml";

export interface GuestNetwork {
    readonly hostname: string;
    readonly user: string;
    readonly sshPublicKey: string;
    readonly management: { readonly mac: string; readonly address: string; readonly prefix: number; readonly gateway?: string };
    readonly benchmark: { readonly mac: string; readonly name: string; readonly address: string; readonly mtu: number };
}

export function userData(g: GuestNetwork): string {
    return `#cloud-config\n${yaml.dump(
        {
            hostname: g.hostname,
            // sudo resolves the host name: without this, every sudo on a guest warns that it cannot.
            manage_etc_hosts: true,
            users: [{ name: g.user, shell: "/bin/bash", sudo: "ALL=(ALL) NOPASSWD:ALL", ssh_authorized_keys: [g.sshPublicKey] }],
            ssh_pwauth: false,
            // No package_update or packages: netperf's install step adds what a guest lacks, and
            // only then reaches a mirror (a lab without one lost 106 s per boot to apt's retries).
        },
        { lineWidth: -1 },
    )}`;
}

export function metaData(g: GuestNetwork): string {
    return yaml.dump({ "instance-id": g.hostname, "local-hostname": g.hostname });
}

/** Network config version 2: NICs matched by MAC, the benchmark NIC renamed and given the wire MTU. */
export function networkConfig(g: GuestNetwork): string {
    const m = g.management;
    return yaml.dump(
        {
            version: 2,
            ethernets: {
                mgmt0: {
                    match: { macaddress: m.mac },
                    "set-name": "mgmt0",
                    addresses: [`${m.address}/${m.prefix}`],
                    ...(m.gateway ? { routes: [{ to: "default", via: m.gateway }] } : {}),
                },
                [g.benchmark.name]: {
                    match: { macaddress: g.benchmark.mac },
                    "set-name": g.benchmark.name,
                    addresses: [`${g.benchmark.address}/30`],
                    mtu: g.benchmark.mtu,
                },
            },
        },
        { lineWidth: -1 },
    );
}

/** Locally administered MACs, stable per lab, guest and NIC role. */
export function guestMac(
    lab: { platform: string; host: string; labPrefix: string },
    guest: number,
    role: "management" | "benchmark",
): string {
    if (!Number.isInteger(guest) || guest < 0 || guest > 127) throw new RangeError(`guest index must be in 0..127, got ${guest}`);
    // Locally administered, unicast (02:...), then 32 bits of the lab's identity: two labs on one
    // management LAN (a kvm and a xen stack of the same prefix, say) get different MACs.
    const id = createHash("sha256").update(`${lab.platform}\0${lab.host}\0${lab.labPrefix}`).digest();
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    return ["02", hex(id[0]), hex(id[1]), hex(id[2]), hex(id[3]), hex((role === "management" ? 0 : 0x80) | guest)].join(":");
}
