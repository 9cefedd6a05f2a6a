// The `local` platform: the lab built from Linux network namespaces on this machine. Every guest
// is a namespace with one veth NIC cabled to its own NIC on the peer side (one peer namespace with
// N NICs, or one peer namespace per guest), shaped with tc tbf to the configured wire speed.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { factsArgs, parseFacts } from "../../runner/netperf";
import { wireEnds } from "../../model";
import type { HostFacts, NetnsAccess, PlanEndpoint, PlanWire } from "../../model";
import { wireAddresses } from "../config";
import type { PlatformConfigParser, SharedConfig } from "../config";
import { exitWithError, shellQuote, SAFE, script } from "../scripts";
import { shellCommandLine } from "../../runner/transport";
import type { PlatformLab } from "./platform";

/** Namespaces, endpoints and wires of a local lab (pure: derived from the config alone). */
export type NetnsEndpoint = PlanEndpoint & { readonly access: NetnsAccess };

export interface LocalTopology {
    readonly endpoints: NetnsEndpoint[];
    readonly wires: PlanWire[];
}

/** The local lab's wirings. */
export const LOCAL_TOPOLOGIES = ["wires", "shared-uplink"] as const;
export type LocalTopologyKind = (typeof LOCAL_TOPOLOGIES)[number];

/** The local lab's configuration: the shared keys and its wiring. */
export interface LocalConfig extends SharedConfig {
    readonly platform: "local";
    /** A wire per guest, or every guest's wire bridged onto one shaped uplink. */
    readonly localTopology: LocalTopologyKind;
    /** The shared uplink's speed (Mb/s), with shared-uplink. */
    readonly uplinkMbps: number;
}

export const parseLocalConfig: PlatformConfigParser<LocalConfig> = (ctx) => {
    const localTopology = ctx.oneOf("localTopology", LOCAL_TOPOLOGIES);
    const uplinkMbps =
        ctx.text("uplinkMbps") === "" ? ctx.shared.nicSpeedMbps : ctx.number("uplinkMbps", 10, 400000, true, " Mb/s (empty: nicSpeedMbps)");
    if (localTopology === "shared-uplink" && ctx.shared.peer !== "native") {
        ctx.report(
            "peer",
            ctx.shared.peer,
            "cannot be guest with localTopology shared-uplink",
            "use peer: native (one peer behind the uplink)",
        );
    }
    return { platform: "local", localTopology, uplinkMbps };
};

/** The guest's benchmark NIC inside its namespace. */
export const GUEST_NIC = "bench0";
/** With shared-uplink: the uplink's NIC, in the hypervisor namespace and on the peer. */
export const UPLINK_NIC = "up0";
/** With shared-uplink: the bridge in the hypervisor namespace. */
export const BRIDGE = "br0";

/** With shared-uplink: the namespace standing for the hypervisor's switch (not an endpoint). */
export function hypervisorNamespace(config: Pick<SharedConfig, "labPrefix">): string {
    return `${config.labPrefix}-hv`;
}

export function localTopology(config: LocalConfig): LocalTopology {
    const ns = (endpoint: string) => `${config.labPrefix}-${endpoint}`;
    const endpoint = (name: string, role: "guest" | "peer"): NetnsEndpoint => ({
        name,
        role,
        access: { kind: "netns", namespace: ns(name) },
    });
    const endpoints: NetnsEndpoint[] = [];
    if (config.peer === "native") endpoints.push(endpoint("peer", "peer"));
    const wires: PlanWire[] = [];
    for (let i = 0; i < config.guests; i++) {
        const guest = `g${i + 1}`;
        endpoints.push(endpoint(guest, "guest"));
        let peer = "peer";
        let peerNic = config.localTopology === "shared-uplink" ? UPLINK_NIC : `bench${i}`;
        if (config.peer === "guest") {
            peer = `p${i + 1}`;
            peerNic = GUEST_NIC;
            endpoints.push(endpoint(peer, "peer"));
        }
        const a = wireAddresses(config.subnet, i);
        wires.push({
            index: i,
            guest,
            guestNic: GUEST_NIC,
            guestAddress: a.guest,
            peer,
            peerNic,
            peerAddress: a.peer,
            speedMbps: config.nicSpeedMbps,
            mtu: config.mtu,
        });
    }
    return { endpoints, wires };
}

/** Fails early, with the fix, when this machine cannot build a local lab. */
export function preflightScript(): string {
    return script(
        `[ "$(id -u)" = 0 ] || ${exitWithError("the local lab needs root for ip netns and tc: run as root (or with sudo)")}`,
        `for tool in ip tc; do command -v "$tool" >/dev/null || ${exitWithError("$tool not found: install iproute2 (apt-get install -y iproute2)")}; done`,
        shellCommandLine(factsArgs([])),
    );
}

export function namespaceScripts(namespace: string): { create: string; delete: string } {
    const ns = shellQuote(namespace, SAFE.name);
    return {
        create: script(
            `[ ! -e /run/netns/${ns} ] || ${exitWithError(`namespace ${namespace} already exists: another lab with this hvnetlab:labPrefix runs or was not torn down; tear it down (ip netns del ${namespace}) or choose another hvnetlab:labPrefix`)}`,
            `ip netns add ${ns} || exit 1`,
            `ip -n ${ns} link set lo up || { ip netns del ${ns}; exit 1; }`,
        ),
        // Ends whatever still runs inside (netserver, netperf) before the namespace goes: SIGKILL, since
        // an armed netperf (debug mode) catches SIGTERM.
        delete: script(`[ -e /run/netns/${ns} ] || exit 0`, `ip netns pids ${ns} | xargs -r kill -KILL 2>/dev/null`, `ip netns del ${ns}`),
    };
}

/** tbf burst: 256 KiB at 1 Gb/s (measured faithful), scaled with the rate above that. */
export function tbfBurstKb(speedMbps: number): number {
    return Math.max(256, Math.ceil((speedMbps * 256) / 1000));
}

/** Shapes a NIC's egress to the speed with tbf (ns and nic already quoted). */
function shapeCommand(ns: string, nic: string, speedMbps: number): string {
    return `ip netns exec ${ns} tc qdisc add dev ${nic} root tbf rate ${shellQuote(speedMbps, SAFE.uint)}mbit burst ${shellQuote(tbfBurstKb(speedMbps), SAFE.uint)}kb latency 50ms`;
}

export function wireScripts(wire: PlanWire, guestNs: string, peerNs: string): { create: string; delete: string } {
    const g = shellQuote(guestNs, SAFE.name);
    const p = shellQuote(peerNs, SAFE.name);
    const gn = shellQuote(wire.guestNic, SAFE.ifname);
    const pn = shellQuote(wire.peerNic, SAFE.ifname);
    const mtu = shellQuote(wire.mtu, SAFE.uint);
    const shape = (ns: string, nic: string) => shapeCommand(ns, nic, wire.speedMbps);
    return {
        create: script(
            "set -e",
            // On any failure remove the pair (deleting one end removes both) and fail.
            `trap 'ip -n ${g} link del ${gn} 2>/dev/null' EXIT`,
            `ip link add ${gn} netns ${g} type veth peer name ${pn} netns ${p}`,
            `ip -n ${g} link set ${gn} mtu ${mtu}`,
            `ip -n ${p} link set ${pn} mtu ${mtu}`,
            `ip -n ${g} addr add ${shellQuote(`${wire.guestAddress}/30`, SAFE.cidr)} dev ${gn}`,
            `ip -n ${p} addr add ${shellQuote(`${wire.peerAddress}/30`, SAFE.cidr)} dev ${pn}`,
            `ip -n ${g} link set ${gn} up`,
            `ip -n ${p} link set ${pn} up`,
            shape(g, gn),
            shape(p, pn),
            "trap - EXIT",
            `echo ${gn} ${shellQuote(wire.guestAddress, SAFE.ipv4)} '<->' ${pn} ${shellQuote(wire.peerAddress, SAFE.ipv4)}`,
        ),
        delete: `ip -n ${g} link del ${gn} 2>/dev/null || true`,
    };
}

/**
 * With shared-uplink: the hypervisor namespace's bridge, and the uplink from it to the peer,
 * shaped both ways to the uplink's speed. The peer's uplink NIC holds every wire's peer address.
 */
export function uplinkScripts(
    hvNs: string,
    peerNs: string,
    wires: readonly PlanWire[],
    uplinkMbps: number,
): { create: string; delete: string } {
    const h = shellQuote(hvNs, SAFE.name);
    const p = shellQuote(peerNs, SAFE.name);
    const up = shellQuote(UPLINK_NIC, SAFE.ifname);
    const br = shellQuote(BRIDGE, SAFE.ifname);
    const mtu = shellQuote(wires[0].mtu, SAFE.uint);
    const shape = (ns: string) => shapeCommand(ns, up, uplinkMbps);
    return {
        create: script(
            "set -e",
            `trap 'ip -n ${h} link del ${up} 2>/dev/null; ip -n ${h} link del ${br} 2>/dev/null' EXIT`,
            `ip -n ${h} link add ${br} type bridge`,
            `ip -n ${h} link set ${br} mtu ${mtu}`,
            `ip link add ${up} netns ${h} type veth peer name ${up} netns ${p}`,
            `ip -n ${h} link set ${up} mtu ${mtu}`,
            `ip -n ${p} link set ${up} mtu ${mtu}`,
            ...wires.map((w) => `ip -n ${p} addr add ${shellQuote(`${w.peerAddress}/30`, SAFE.cidr)} dev ${up}`),
            `ip -n ${h} link set ${up} master ${br}`,
            `ip -n ${h} link set ${up} up`,
            `ip -n ${p} link set ${up} up`,
            `ip -n ${h} link set ${br} up`,
            shape(h),
            shape(p),
            "trap - EXIT",
            `echo ${up} shared by ${shellQuote(wires.length, SAFE.uint)} wire"(s)" at ${shellQuote(uplinkMbps, SAFE.uint)} Mb/s`,
        ),
        delete: `ip -n ${h} link del ${up} 2>/dev/null; ip -n ${h} link del ${br} 2>/dev/null; true`,
    };
}

/** With shared-uplink: a guest's wire, from its namespace to a port of the hypervisor's bridge. */
export function bridgedWireScripts(wire: PlanWire, guestNs: string, hvNs: string): { create: string; delete: string } {
    const g = shellQuote(guestNs, SAFE.name);
    const h = shellQuote(hvNs, SAFE.name);
    const gn = shellQuote(wire.guestNic, SAFE.ifname);
    const port = shellQuote(`w${wire.index + 1}`, SAFE.ifname);
    const mtu = shellQuote(wire.mtu, SAFE.uint);
    const shape = (ns: string, nic: string) => shapeCommand(ns, nic, wire.speedMbps);
    return {
        create: script(
            "set -e",
            `trap 'ip -n ${g} link del ${gn} 2>/dev/null' EXIT`,
            `ip link add ${gn} netns ${g} type veth peer name ${port} netns ${h}`,
            `ip -n ${g} link set ${gn} mtu ${mtu}`,
            `ip -n ${h} link set ${port} mtu ${mtu}`,
            `ip -n ${g} addr add ${shellQuote(`${wire.guestAddress}/30`, SAFE.cidr)} dev ${gn}`,
            `ip -n ${h} link set ${port} master ${shellQuote(BRIDGE, SAFE.ifname)}`,
            `ip -n ${g} link set ${gn} up`,
            `ip -n ${h} link set ${port} up`,
            shape(g, gn),
            shape(h, port),
            "trap - EXIT",
            `echo ${gn} ${shellQuote(wire.guestAddress, SAFE.ipv4)} '<->' bridge port ${port}`,
        ),
        delete: `ip -n ${g} link del ${gn} 2>/dev/null || true`,
    };
}

export interface LocalLabArgs {
    /** The validated lab configuration. */
    readonly config: LocalConfig;
}

/**
 * The local lab: a namespace per guest and for the peer, a shaped veth wire per guest (to its own
 * peer NIC, or with shared-uplink to a bridge in a hypervisor namespace that shares one shaped
 * uplink to the peer), after a preflight that needs root, ip and tc. Outputs the endpoints and
 * wires for the plan, and this machine's facts; `ready` says what netperf waits for per endpoint.
 */
export class LocalLab extends pulumi.ComponentResource implements PlatformLab {
    readonly endpoints: PlanEndpoint[];
    readonly wires: PlanWire[];
    readonly limitBasis = "tbf" as const;
    readonly uplinkMbps?: number;
    readonly ready: Record<string, pulumi.Resource[]>;
    readonly hostFacts: pulumi.Output<Record<string, HostFacts>>;

    constructor(name: string, args: LocalLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:platforms:LocalLab", name, {}, opts);
        const topology = localTopology(args.config);
        this.endpoints = topology.endpoints;
        this.wires = topology.wires;

        const preflight = new command.local.Command(`${name}-preflight`, { create: preflightScript() }, { parent: this });
        this.hostFacts = preflight.stdout.apply((s): Record<string, HostFacts> => ({ local: parseFacts(s) }));

        const namespaces = new Map<string, command.local.Command>();
        for (const e of topology.endpoints) {
            const namespace = e.access.namespace;
            namespaces.set(
                e.name,
                new command.local.Command(`${name}-ns-${e.name}`, namespaceScripts(namespace), { parent: this, dependsOn: [preflight] }),
            );
        }
        const nsOf = (endpoint: string) => topology.endpoints.find((e) => e.name === endpoint)!.access.namespace;
        let wires: command.local.Command[];
        if (args.config.localTopology === "shared-uplink") {
            this.uplinkMbps = args.config.uplinkMbps;
            const hvNs = hypervisorNamespace(args.config);
            const hv = new command.local.Command(`${name}-ns-hv`, namespaceScripts(hvNs), { parent: this, dependsOn: [preflight] });
            const uplink = new command.local.Command(
                `${name}-uplink`,
                uplinkScripts(hvNs, nsOf("peer"), topology.wires, args.config.uplinkMbps),
                { parent: this, dependsOn: [hv, namespaces.get("peer")!] },
            );
            wires = topology.wires.map(
                (w) =>
                    new command.local.Command(`${name}-wire-${w.index + 1}`, bridgedWireScripts(w, nsOf(w.guest), hvNs), {
                        parent: this,
                        dependsOn: [namespaces.get(w.guest)!, uplink],
                    }),
            );
        } else {
            wires = topology.wires.map(
                (w) =>
                    new command.local.Command(`${name}-wire-${w.index + 1}`, wireScripts(w, nsOf(w.guest), nsOf(w.peer)), {
                        parent: this,
                        dependsOn: [namespaces.get(w.guest)!, namespaces.get(w.peer)!],
                    }),
            );
        }
        this.ready = Object.fromEntries(
            topology.endpoints.map((e) => [
                e.name,
                [namespaces.get(e.name)!, ...wireEnds(topology.wires, e.name).map((end) => wires[end.wire.index])],
            ]),
        );
        this.registerOutputs({ endpoints: this.endpoints, wires: this.wires, hostFacts: this.hostFacts });
    }
}
