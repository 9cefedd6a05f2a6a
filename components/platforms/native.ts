// The `native` platform: the baseline without a hypervisor. A bare-metal server and a peer machine,
// reached over SSH, each with one dedicated NIC per wire, cabled NIC to NIC; netperf runs on the
// server's dedicated NICs directly.
import * as pulumi from "@pulumi/pulumi";
import { wireEnds } from "../../model";
import type { HostFacts, PlanEndpoint, PlanWire } from "../../model";
import type { LabSecrets, PlatformConfigParser } from "../config";
import type { PlatformLab } from "./platform";
import type { RemoteConfig } from "./remote";
import { connectionTo, machineHostKey, parseRemoteBlocks, peerEndpoint, peerMachine, remoteWires, sshAccess, sshMachine } from "./remote";

/** The native baseline's configuration: the bare-metal host and the peer. */
export interface NativeConfig extends RemoteConfig {
    readonly platform: "native";
}

export const parseNativeConfig: PlatformConfigParser<NativeConfig> = (ctx) => ({ platform: "native", ...parseRemoteBlocks(ctx, true) });

export function nativeTopology(config: NativeConfig): { endpoints: PlanEndpoint[]; wires: PlanWire[] } {
    const host = config.host;
    return {
        endpoints: [{ name: "host", role: "guest", access: sshAccess(host) }, peerEndpoint(config)],
        wires: remoteWires(
            config,
            () => "host",
            (i) => host.nics[i],
        ),
    };
}

export interface NativeLabArgs {
    /** The validated lab configuration (platform native). */
    readonly config: NativeConfig;
    /** The lab's secrets. */
    readonly secrets: LabSecrets;
}

/**
 * The native baseline: a bare-metal server and the peer, both reached over SSH; each dedicated NIC
 * pair gets its wire addresses and MTU after a preflight on each machine. Outputs the endpoints,
 * wires and both machines' facts; no hypervisor.
 */
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
        const host = config.host;
        const server = sshMachine(
            `${name}-host`,
            `host ${host.address}`,
            "host",
            wireEnds(this.wires, "host"),
            connectionTo(sshAccess(host), secrets.sshPrivateKey, undefined, machineHostKey(config, sshAccess(host))),
            this,
        );
        const peerSide = peerMachine(`${name}-peer`, config, this.wires, secrets.sshPrivateKey, this);
        this.ready = { host: server.ready, peer: peerSide.ready };
        this.hostFacts = pulumi.all([server.facts, peerSide.facts]).apply(([h, p]): Record<string, HostFacts> => ({ host: h, peer: p }));
        this.registerOutputs({ endpoints: this.endpoints, wires: this.wires, hostFacts: this.hostFacts });
    }
}
