// The `xen` platform: Xen through libvirt's libxl driver over SSH (xen+ssh://), domain type xen.
// libxl rejects macvtap, so each dedicated pNIC is enslaved to a bridge of its own on the host and
// the guest's benchmark NIC joins that bridge. The provider's domain XML is made fit for Xen by
// xen-domain.xslt (no qemu guest-agent channel, Xen disks, PV network model).
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import { HostFacts, PlanEndpoint, PlanWire } from "../../benchmarks/types";
import { LabConfig, LabSecrets } from "../config";
import { LibvirtProvider } from "../providers/libvirt";
import { libvirtTopology } from "./kvm";
import { libvirtGuests, libvirtUri } from "./libvirt-guests";
import { PlatformLab } from "./platform";
import { connectionTo, hypervisorHost, peerMachine } from "./remote";

export const XEN_XSLT_PATH = path.join(__dirname, "xen-domain.xslt");

/** The bridge that carries guest i's benchmark NIC on the Xen host. */
export function xenBridge(labPrefix: string, i: number): string {
    return `${labPrefix}br${i + 1}`;
}

export interface XenLabArgs {
    /** The validated lab configuration (platform xen). */
    readonly config: LabConfig;
    /** The lab's secrets. */
    readonly secrets: LabSecrets;
}

export class XenLab extends pulumi.ComponentResource implements PlatformLab {
    readonly endpoints: PlanEndpoint[];
    readonly wires: PlanWire[];
    readonly limitBasis = "ethernet" as const;
    readonly ready: Record<string, pulumi.Resource[]>;
    readonly hostFacts: pulumi.Output<Record<string, HostFacts>>;
    readonly provider: LibvirtProvider;

    constructor(name: string, args: XenLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:platforms:XenLab", name, {}, opts);
        const { config, secrets } = args;
        const topology = libvirtTopology(config);
        this.endpoints = topology.endpoints;
        this.wires = topology.wires;
        const host = config.host!;
        const hv = hypervisorHost(`${name}-host`, host, config.mtu, "bridge", connectionTo(host, secrets.sshPrivateKey), this,
            (i) => xenBridge(config.labPrefix, i));
        this.provider = new LibvirtProvider(`${name}-provider`, { uri: libvirtUri("xen+ssh", config) }, { parent: this });
        const domains = libvirtGuests(`${name}`, {
            config, wires: this.wires, provider: this.provider, domainType: "xen",
            benchmarkNic: (i) => ({ bridge: xenBridge(config.labPrefix, i) }),
            xslt: readFileSync(XEN_XSLT_PATH, "utf8"),
            dependsOn: hv.ready,
        }, this);
        const peer = peerMachine(`${name}-peer`, config.peerHost!, this.wires, connectionTo(config.peerHost!, secrets.sshPrivateKey), this);
        this.ready = { peer: peer.ready, ...Object.fromEntries(this.wires.map((w, i) => [w.guest, [domains[i]]])) };
        this.hostFacts = pulumi.all([hv.facts, peer.facts]).apply(([h, p]): Record<string, HostFacts> => ({ host: h, peer: p }));
        this.registerOutputs({ endpoints: this.endpoints, wires: this.wires, hostFacts: this.hostFacts });
    }
}
