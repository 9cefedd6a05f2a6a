// The `native` platform: the baseline without a hypervisor. A bare-metal server and a peer machine,
// reached over SSH, each with one dedicated NIC per wire, cabled NIC to NIC; netperf runs on the
// server's dedicated NICs directly.
import * as pulumi from "@pulumi/pulumi";
import { HostFacts, PlanEndpoint, PlanWire } from "../../benchmarks/types";
import { wireAddresses } from "../addressing";
import { LabConfig, LabSecrets } from "../config";
import { HostSpec } from "../config-blocks";
import { PlatformLab } from "./platform";
import { connectionTo, peerMachine, sshMachine } from "./remote";

/** The peer endpoint every remote platform shares: one machine with a NIC per wire. */
export function peerEndpoint(peer: HostSpec): PlanEndpoint {
    return { name: "peer", role: "peer", access: { kind: "ssh", host: peer.address, user: peer.user, port: peer.port } };
}

/** Wire i: guest `guest(i)` with NIC `guestNic(i)` cabled to the peer's NIC i; addresses from the subnet. */
export function remoteWires(config: LabConfig, guest: (i: number) => string, guestNic: (i: number) => string): PlanWire[] {
    const peer = config.peerHost!;
    return Array.from({ length: config.guests }, (_, i) => {
        const a = wireAddresses(config.subnet, i);
        return {
            index: i, guest: guest(i), guestNic: guestNic(i), guestAddress: a.guest,
            peer: "peer", peerNic: peer.nics[i], peerAddress: a.peer,
            speedMbps: config.nicSpeedMbps, mtu: config.mtu,
        };
    });
}

export function nativeTopology(config: LabConfig): { endpoints: PlanEndpoint[]; wires: PlanWire[] } {
    const host = config.host!;
    return {
        endpoints: [
            { name: "host", role: "guest", access: { kind: "ssh", host: host.address, user: host.user, port: host.port } },
            peerEndpoint(config.peerHost!),
        ],
        wires: remoteWires(config, () => "host", (i) => host.nics[i]),
    };
}

export interface NativeLabArgs {
    /** The validated lab configuration (platform native). */
    readonly config: LabConfig;
    /** The lab's secrets. */
    readonly secrets: LabSecrets;
}

export class NativeLab extends pulumi.ComponentResource implements PlatformLab {
    readonly endpoints: PlanEndpoint[];
    readonly wires: PlanWire[];
    readonly limitBasis = "ethernet" as const;
    readonly ready: Record<string, pulumi.Resource[]>;
    readonly hostFacts: pulumi.Output<Record<string, HostFacts>>;

    constructor(name: string, args: NativeLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:platforms:NativeLab", name, {}, opts);
        const { config, secrets } = args;
        const topology = nativeTopology(config);
        this.endpoints = topology.endpoints;
        this.wires = topology.wires;
        const host = config.host!;
        const peer = config.peerHost!;
        const server = sshMachine(`${name}-host`, `host ${host.address}`, "host",
            this.wires.map((w) => ({ wire: w, nic: w.guestNic, address: w.guestAddress })),
            connectionTo(host, secrets.sshPrivateKey), this);
        const peerSide = peerMachine(`${name}-peer`, peer, this.wires, connectionTo(peer, secrets.sshPrivateKey), this);
        this.ready = { host: server.ready, peer: peerSide.ready };
        this.hostFacts = pulumi.all([server.facts, peerSide.facts]).apply(([h, p]): Record<string, HostFacts> => ({ host: h, peer: p }));
        this.registerOutputs({ endpoints: this.endpoints, wires: this.wires, hostFacts: this.hostFacts });
    }
}
