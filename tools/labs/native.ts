// npm run lab:native [-- --guests N] [--keep | --down]: the native stack (stacks/Pulumi.native-ns.yaml)
// through the real engine, against a bare-metal host that this machine stands in for:
//   - the host: namespace hvn-host, sshd on its management address 10.217.0.1, and N dedicated NICs
//     nic0..nicN-1, found down with MTU 9000 (a state unlike the lab's, so that a destroy that does
//     not restore it shows);
//   - the peer: namespace hvn-peer, sshd on 10.217.0.2, its NICs wire0..wireN-1, likewise;
//   - the wires: veth pairs nicI-wireI, each end shaped by tc tbf so that a full-size frame costs
//     what it costs on Ethernet, 38 bytes beyond the IP packet (see ethernetShaping), and the
//     plan's limit basis (ethernet: 941.5 Mb/s TCP goodput at 1 GbE) holds as on a real NIC;
//   - management: both namespaces on the bridge hvn-mgmt (10.217.0.254) of this namespace, where
//     the engine and the benchmark runner are.
// The stand-in host runs no systemd of its own: netserver must start there as a plain process.
import { existsSync } from "fs";
import { goodputLimit } from "../../model";
import type { Lab, LabHost } from "./lab-host";
import { ethernetShaping, managementNet } from "./lab-network";
import { main } from "./run-lab";
import type { StackOutputs } from "./stack";

const NET = managementNet("hvn", "10.217.0");
const HOST_NS = "hvn-host";
/** The stack's wire speed and MTU (hvnetlab:nicSpeedMbps, hvnetlab:mtu), and the MTU the NICs are found with. */
const SPEED_MBPS = 1000;
const WIRE_MTU = 1500;
const FOUND_MTU = 9000;

/** A NIC's MTU, up/down state and IPv4 addresses, as `ip -o` shows them in a namespace. */
function nicState(h: LabHost, ns: string, nic: string): { mtu: number; up: boolean; addresses: string[] } {
    const link = h.run("ip", ["-n", ns, "-o", "link", "show", "dev", nic]);
    const addrs = h.run("ip", ["-n", ns, "-o", "-4", "addr", "show", "dev", nic]);
    return {
        mtu: Number(/ mtu (\d+)/.exec(link)?.[1]),
        up: /[<,]UP[,>]/.test(link),
        addresses: [...addrs.matchAll(/ inet (\S+)/g)].map((m) => m[1]),
    };
}

/** How a dedicated NIC differs from the state it was found in (down, MTU `mtu`, no address). */
export function nicStateProblems(where: string, state: { mtu: number; up: boolean; addresses: string[] }, mtu: number): string[] {
    const problems: string[] = [];
    if (state.mtu !== mtu) problems.push(`${where} has MTU ${state.mtu}, it was found with ${mtu}`);
    if (state.up) problems.push(`${where} is up, it was found down`);
    if (state.addresses.length > 0) problems.push(`${where} still holds ${state.addresses.join(", ")}`);
    return problems;
}

const nics = (h: LabHost) => Array.from({ length: Number(h.options.guests) }, (_, i) => ({ nic: `nic${i}`, wire: `wire${i}` }));

const lab: Lab = {
    name: "native",
    stack: "native-ns",
    linkPrefix: "hvn-",
    root: true,
    needs: ["sshd", "ssh-keygen", "ip", "tc", "netperf", "netserver"],
    options: {
        guests: { help: "N", about: "dedicated NICs and streams, 1-16 (2 cores here)", pattern: /^([1-9]|1[0-6])$/, default: "2" },
    },

    async setUp(h) {
        const n = Number(h.options.guests);
        h.log(`host ${HOST_NS} (${NET.host}) and peer ${NET.peerNs} (${NET.peer}) on ${NET.bridge}, ${n} wires`);
        h.bridge(NET.bridge, "10.217.0.254/24");
        await h.machine("host", HOST_NS, NET, "hvn-hm", NET.host);
        await h.machine("peer", NET.peerNs, NET, "hvn-pm", NET.peer);
        for (const { nic, wire } of nics(h)) {
            h.veth(nic, HOST_NS, wire, NET.peerNs);
            for (const [ns, end] of [
                [HOST_NS, nic],
                [NET.peerNs, wire],
            ]) {
                h.link(ns, end, "mtu", String(FOUND_MTU));
                h.run("tc", ["qdisc", "add", "dev", end, "root", ...ethernetShaping(SPEED_MBPS, WIRE_MTU)], { ns });
            }
        }
        h.secret("hvnetlab:sshPrivateKey", h.clientKey().privateKey);
        if (n !== 2) {
            h.set("hvnetlab:guests", String(n));
            nics(h).forEach(({ nic, wire }, i) => {
                h.set(`hvnetlab:host.nics[${i}]`, nic, { path: true });
                h.set(`hvnetlab:peerHost.nics[${i}]`, wire, { path: true });
            });
        }
    },

    check(outputs: StackOutputs) {
        const problems: string[] = [];
        // Each run's limit is its guests' wires at Ethernet's limit (1 GbE, MTU 1500: 941.5 Mb/s each).
        const perWire = goodputLimit(SPEED_MBPS, WIRE_MTU, "ethernet", "TCP_STREAM", 16384).goodputMbps;
        for (const r of outputs.results?.runs ?? []) {
            const limit = Math.round(r.guests * perWire * 10) / 10;
            if (r.limits.goodputMbps !== limit)
                problems.push(`run ${r.id}'s goodput limit is ${r.limits.goodputMbps} Mb/s, not ${r.guests} x Ethernet's ${perWire}`);
        }
        // The stand-in host and peer run no systemd of their own: each netserver must be a plain process.
        const started = Object.entries((outputs.lab?.netservers ?? {}) as Record<string, string>);
        if (started.length === 0) problems.push("the lab output names no netserver");
        for (const [endpoint, how] of started)
            if (!how.startsWith("plain process")) problems.push(`the netserver on ${endpoint} started as ${how}, not a plain process`);
        return problems;
    },

    leftovers(h) {
        const problems: string[] = [];
        for (const { nic, wire } of nics(h)) {
            for (const [ns, end] of [
                [HOST_NS, nic],
                [NET.peerNs, wire],
            ]) {
                if (existsSync(`/run/netns/${ns}`)) problems.push(...nicStateProblems(`${end} in ${ns}`, nicState(h, ns, end), FOUND_MTU));
            }
        }
        return problems;
    },

    dedicatedNics: (h) => nics(h).flatMap(({ nic, wire }) => [nic, wire]),
};

export default lab;

if (require.main === module) main(lab);
