// cloud-init documents for the libvirt guests: the user with the lab's key, and the network
// config that gives the management NIC and the benchmark NIC their static addresses. Pure.
import * as yaml from "js-yaml";

export interface GuestNetwork {
    readonly hostname: string;
    readonly user: string;
    readonly sshPublicKey: string;
    readonly management: { readonly mac: string; readonly address: string; readonly prefix: number; readonly gateway?: string };
    readonly benchmark: { readonly mac: string; readonly name: string; readonly address: string; readonly mtu: number };
}

export function userData(g: GuestNetwork): string {
    return `#cloud-config\n${yaml.dump({
        hostname: g.hostname,
        users: [{ name: g.user, shell: "/bin/bash", sudo: "ALL=(ALL) NOPASSWD:ALL", ssh_authorized_keys: [g.sshPublicKey] }],
        ssh_pwauth: false,
        package_update: true,
        packages: ["ethtool", "iproute2", "curl", "ca-certificates"],
    }, { lineWidth: -1 })}`;
}

export function metaData(g: GuestNetwork): string {
    return yaml.dump({ "instance-id": g.hostname, "local-hostname": g.hostname });
}

/** Network config version 2: NICs matched by MAC, the benchmark NIC renamed and given the wire MTU. */
export function networkConfig(g: GuestNetwork): string {
    const m = g.management;
    return yaml.dump({
        version: 2,
        ethernets: {
            mgmt0: {
                match: { macaddress: m.mac }, "set-name": "mgmt0",
                addresses: [`${m.address}/${m.prefix}`],
                ...(m.gateway ? { routes: [{ to: "default", via: m.gateway }] } : {}),
            },
            [g.benchmark.name]: {
                match: { macaddress: g.benchmark.mac }, "set-name": g.benchmark.name,
                addresses: [`${g.benchmark.address}/30`], mtu: g.benchmark.mtu,
            },
        },
    }, { lineWidth: -1 });
}

/** Locally administered MACs, stable per lab, guest and NIC role. */
export function guestMac(labPrefix: string, guest: number, role: "management" | "benchmark"): string {
    let h = 0;
    for (const c of labPrefix) h = (h * 31 + c.charCodeAt(0)) & 0xff;
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    return ["52", "54", "00", hex(h), role === "management" ? "00" : "01", hex(guest & 0xff)].join(":");
}
