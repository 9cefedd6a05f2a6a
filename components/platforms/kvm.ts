// The `kvm` platform: KVM through libvirt over SSH (qemu+ssh://). Each guest's benchmark NIC is a
// macvtap (direct) interface on its dedicated pNIC; the hypervisor host is checked and its pNICs
// brought up with the wire MTU over SSH first. The peer is a machine reached over SSH.
import * as pulumi from "@pulumi/pulumi";
import { HostFacts, PlanEndpoint, PlanWire } from "../../benchmarks/types";
import { LabConfig, LabSecrets } from "../config";
import { LibvirtProvider } from "../providers/libvirt";
import { guestEndpoints } from "./esx";
import { LIBVIRT_GUEST_NIC, libvirtGuests, libvirtUri } from "./libvirt-guests";
import { peerEndpoint, remoteWires } from "./native";
import { PlatformLab } from "./platform";
import { connectionTo, hypervisorHost, peerMachine } from "./remote";

export function libvirtTopology(config: LabConfig): { endpoints: PlanEndpoint[]; wires: PlanWire[] } {
    return {
        endpoints: [...guestEndpoints(config), peerEndpoint(config.peerHost!)],
        wires: remoteWires(config, (i) => `g${i + 1}`, () => LIBVIRT_GUEST_NIC),
    };
}

export interface KvmLabArgs {
    /** The validated lab configuration (platform kvm). */
    readonly config: LabConfig;
    /** The lab's secrets. */
    readonly secrets: LabSecrets;
}

export class KvmLab extends pulumi.ComponentResource implements PlatformLab {
    readonly endpoints: PlanEndpoint[];
    readonly wires: PlanWire[];
    readonly limitBasis = "ethernet" as const;
    readonly ready: Record<string, pulumi.Resource[]>;
    readonly hostFacts: pulumi.Output<Record<string, HostFacts>>;
    readonly provider: LibvirtProvider;

    constructor(name: string, args: KvmLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:platforms:KvmLab", name, {}, opts);
        const { config, secrets } = args;
        const topology = libvirtTopology(config);
        this.endpoints = topology.endpoints;
        this.wires = topology.wires;
        const host = config.host!;
        const hv = hypervisorHost(`${name}-host`, host, config.mtu, "pnic", connectionTo(host, secrets.sshPrivateKey), this);
        this.provider = new LibvirtProvider(`${name}-provider`, { uri: libvirtUri("qemu+ssh", config) }, { parent: this });
        const domains = libvirtGuests(`${name}`, {
            config, wires: this.wires, provider: this.provider, domainType: "kvm",
            benchmarkNic: (i) => ({ macvtap: host.nics[i] }),
            dependsOn: hv.ready,
        }, this);
        const peer = peerMachine(`${name}-peer`, config.peerHost!, this.wires, connectionTo(config.peerHost!, secrets.sshPrivateKey), this);
        this.ready = { peer: peer.ready, ...Object.fromEntries(this.wires.map((w, i) => [w.guest, [domains[i]]])) };
        this.hostFacts = pulumi.all([hv.facts, peer.facts]).apply(([h, p]): Record<string, HostFacts> => ({ host: h, peer: p }));
        this.registerOutputs({ endpoints: this.endpoints, wires: this.wires, hostFacts: this.hostFacts });
    }
}
