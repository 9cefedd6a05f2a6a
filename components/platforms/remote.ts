// Machines the lab reaches over SSH (the bare-metal host, the peer, the hypervisor host, the guests):
// their endpoints and wires in the plan, the connection, the preflight that checks the dedicated
// NICs, and the addresses on those NICs. Scripts are pure functions; the resources are
// @pulumi/command remote commands.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { factsArgs, nicHoldingAddress, parseFacts } from "../../runner/netperf";
import { shellCommandLine } from "../../runner/transport";
import type { WireEnd } from "../../model";
import { wireEnds } from "../../model";
import type { HostFacts, PlanEndpoint, PlanWire, SshAccess } from "../../model";
import { wireAddresses } from "../config";
import { IPV4 } from "../../model";
import type { Cidr } from "../config";
import { contains, ipv4Number } from "../config";
import type { ConfigContext, SharedConfig } from "../config";
import type { GuestShape, HostSpec, NicSpec } from "../config";
import { parseGuest, parseHost, repeated } from "../config";
import { knownHostKey } from "../scripts";
import { AS_ROOT, checked, exitWithError, SAFE, script, shellQuote } from "../scripts";

export type Connection = command.types.input.remote.ConnectionArgs;

/** The configuration of a lab whose machines are reached over SSH: a host and the peer. */
export interface RemoteConfig extends SharedConfig {
    /** The hypervisor or bare-metal host with its dedicated NICs. */
    readonly host: HostSpec;
    /** The peer machine with the matching NICs. */
    readonly peerHost: HostSpec;
}

/** The configuration of a lab of guests under a hypervisor. */
export interface HypervisorConfig extends RemoteConfig {
    /** The matched guest shape. */
    readonly guest: GuestShape;
    /** The management network the guests' static addresses are in. */
    readonly managementSubnet: Cidr;
    /** The guests' virtual NIC path (hvnetlab:nic; the platform's default when absent). */
    readonly nic: NicSpec;
}

const NO_HOST: HostSpec = { address: "", user: "", port: 22, managementNic: "", nics: [] };

/**
 * The host and peer blocks, with the rules every remote platform shares: a NIC per guest on each,
 * the peer a machine of its own, a native peer, and the SSH key set as a secret. `hostNeedsSsh` is
 * false for an ESXi host, which vSphere manages.
 */
export function parseRemoteBlocks(ctx: ConfigContext, hostNeedsSsh: boolean): Pick<RemoteConfig, "host" | "peerHost"> {
    const { shared, report } = ctx;
    if (shared.peer !== "native") {
        report(
            "peer",
            shared.peer,
            `is not supported on platform ${shared.platform}`,
            "use peer: native (one peer machine with a NIC cabled to each dedicated NIC of the host)",
        );
    }
    const h = ctx.need("host", "address, user, managementNic and nics");
    const p = ctx.need("peerHost", "address, user, managementNic and nics");
    const host = h ? parseHost("host", h, hostNeedsSsh, report) : NO_HOST;
    const peerHost = p ? parseHost("peerHost", p, true, report) : NO_HOST;
    for (const [key, spec] of [
        ["host", host],
        ["peerHost", peerHost],
    ] as const) {
        if (spec.nics.length > 0 && Number.isInteger(shared.guests) && spec.nics.length < shared.guests) {
            report(
                "guests",
                String(shared.guests),
                `is more than the ${spec.nics.length} dedicated NIC(s) in hvnetlab:${key}.nics`,
                "lower hvnetlab:guests or list more NICs: every guest needs a NIC of its own",
            );
        }
    }
    if (host.address !== "" && host.address === peerHost.address) {
        report(
            "peerHost.address",
            peerHost.address,
            "is the host itself",
            "the peer must be a separate machine cabled to the host's dedicated NICs",
        );
    }
    if (!shared.secretsSet.sshPrivateKey) {
        report(
            "sshPrivateKey",
            undefined,
            "is not set",
            "set it as a secret: pulumi config set --secret hvnetlab:sshPrivateKey < ~/.ssh/id_ed25519",
        );
    }
    return { host, peerHost };
}

/** The guest block and the guests' management addresses, for every hypervisor platform. */
export function parseHypervisorBlocks(ctx: ConfigContext): Pick<HypervisorConfig, "guest" | "managementSubnet"> {
    const { shared, report } = ctx;
    const g = ctx.need("guest", "vcpus, memoryMiB, diskGiB, image or template, user and sshPublicKey");
    const guest = g ? parseGuest(g, report) : { vcpus: 0, memoryMiB: 0, diskGiB: 0, user: "", sshPublicKey: "" };
    const managementText = ctx.get("managementSubnet") ?? "";
    const management = shared.managementSubnet;
    if (!management && managementText === "") {
        report(
            "managementSubnet",
            managementText,
            "is not set",
            "set the management network's CIDR: the guests' management addresses are given in it",
        );
    }
    const addresses = shared.guestManagementAddresses;
    const raw = ctx.get("guestManagementAddresses");
    if (Number.isInteger(shared.guests) && addresses.length < shared.guests) {
        report(
            "guestManagementAddresses",
            raw,
            `lists ${addresses.length} address(es) for ${shared.guests} guest(s)`,
            "list one free management address per guest",
        );
    }
    const outside = addresses.filter((a) => !IPV4.test(a) || (management && !contains(management, { base: ipv4Number(a), prefix: 32 })));
    if (outside.length > 0) {
        report(
            "guestManagementAddresses",
            raw,
            `has address(es) outside the management network: ${outside.join(", ")}`,
            `use addresses inside hvnetlab:managementSubnet ${managementText}`,
        );
    }
    const twice = repeated(addresses);
    if (twice.length > 0)
        report("guestManagementAddresses", raw, `lists ${twice.join(", ")} more than once`, "give every guest its own address");
    return { guest, managementSubnet: management ?? { base: 0, prefix: 0 } };
}

/** How the runner and the remote commands reach a machine of a host block. */
export function sshAccess(spec: HostSpec): SshAccess {
    return { kind: "ssh", host: spec.address, user: spec.user, port: spec.port };
}

/**
 * How many failed dials a guest's SSH connection retries (a few seconds apart, at most 5): a guest
 * that its platform just started is still booting, and an emulated one takes minutes.
 */
export const GUEST_BOOT_DIALS = 100;

/**
 * The SSH connection to a machine; the private key stays a secret, so the whole connection does.
 * `dialErrorLimit` raises the provider's retries for a machine that may still be booting.
 * `hostKey` (an authorized_keys line) is the key the machine must present; without it the
 * command provider takes any key.
 */
export function connectionTo(
    access: SshAccess,
    privateKey: pulumi.Output<string>,
    dialErrorLimit?: number,
    hostKey?: string,
): pulumi.Output<Connection> {
    return pulumi.secret(
        privateKey.apply((key) => ({
            host: access.host,
            user: access.user,
            port: access.port,
            privateKey: key,
            ...(dialErrorLimit !== undefined ? { dialErrorLimit } : {}),
            ...(hostKey !== undefined ? { hostKey } : {}),
        })),
    );
}

/**
 * The host key the remote commands to a machine check: for the machines of the host and peerHost
 * blocks, which exist before the lab, their key in hvnetlab:sshKnownHostsFile where
 * hvnetlab:sshHostKeyChecking is yes (knownHostKey); none for a guest, whose key is new on every
 * boot, nor under accept-new, which the command provider cannot do.
 */
export function machineHostKey(config: SharedConfig & Partial<RemoteConfig>, access: SshAccess): string | undefined {
    const known = [config.host, config.peerHost].some((m) => m !== undefined && m.address === access.host && m.port === access.port);
    return known ? knownHostKey(config.ssh, access.host, access.port) : undefined;
}

/** Wire i: guest `guest(i)` with NIC `guestNic(i)` cabled to the peer's NIC i; addresses from the subnet. */
export function remoteWires(config: RemoteConfig, guest: (i: number) => string, guestNic: (i: number) => string): PlanWire[] {
    const peer = config.peerHost;
    return Array.from({ length: config.guests }, (_, i) => {
        const a = wireAddresses(config.subnet, i);
        return {
            index: i,
            guest: guest(i),
            guestNic: guestNic(i),
            guestAddress: a.guest,
            peer: "peer",
            peerNic: peer.nics[i],
            peerAddress: a.peer,
            speedMbps: config.nicSpeedMbps,
            mtu: config.mtu,
        };
    });
}

/** The peer endpoint every remote platform shares: one machine with a NIC per wire. */
export function peerEndpoint(config: RemoteConfig): PlanEndpoint {
    return { name: "peer", role: "peer", access: sshAccess(config.peerHost) };
}

/**
 * Endpoints and wires of a lab of guests g1..gN (virtual machines reached at their static
 * management addresses) and the peer; `guestNic(i)` names guest i's benchmark NIC.
 */
export function guestTopology(config: HypervisorConfig, guestNic: (i: number) => string): { endpoints: PlanEndpoint[]; wires: PlanWire[] } {
    const guests = Array.from({ length: config.guests }, (_, i): PlanEndpoint => ({
        name: `g${i + 1}`,
        role: "guest",
        access: { kind: "ssh", host: config.guestManagementAddresses[i], user: config.guest.user, port: 22 },
    }));
    return { endpoints: [...guests, peerEndpoint(config)], wires: remoteWires(config, (i) => `g${i + 1}`, guestNic) };
}

/**
 * Sets the MTU of the NIC that holds a wire address, on a guest whose NIC names the lab does not
 * choose (vSphere's customization addresses NICs but cannot set their MTU).
 */
export function guestWireMtuScript(label: string, address: string, mtu: number): string {
    const a = shellQuote(address, SAFE.ipv4);
    const m = shellQuote(mtu, SAFE.uint);
    return script(
        AS_ROOT,
        `tries=0`,
        `until nic=$(${nicHoldingAddress(a)}); [ -n "$nic" ]; do`,
        `  tries=$((tries + 1)); [ "$tries" -lt 60 ] || ${exitWithError(`no NIC holds the wire address ${address} on ${label} after 60 s: check the guest customization`)}`,
        `  sleep 1`,
        `done`,
        `run ip link set dev "$nic" mtu ${m} || ${exitWithError(`cannot set MTU ${mtu} on the wire NIC of ${label}`)}`,
        `echo "$nic mtu $(cat /sys/class/net/$nic/mtu)"`,
    );
}

/**
 * Checks a machine before anything is changed on it: root or sudo, every dedicated NIC present and
 * not carrying the default route (which would make it a management NIC); prints the host facts.
 */
export function machinePreflightScript(label: string, key: string, nics: readonly string[]): string {
    const checks = nics.map((nic) => {
        const n = shellQuote(nic, SAFE.ifname);
        return [
            `[ -e /sys/class/net/${n} ] || ${exitWithError(`NIC ${nic} does not exist on ${label}: fix hvnetlab:${key}.nics (ip -br link lists the NICs there)`)}`,
            `[ -z "$(ip route show default dev ${n} 2>/dev/null)" ] || ${exitWithError(`NIC ${nic} on ${label} carries the default route, so it is a management NIC: benchmark traffic must stay off it; fix hvnetlab:${key}.nics`)}`,
        ].join("\n");
    });
    return script(
        AS_ROOT,
        `run true 2>/dev/null || ${exitWithError(`the SSH user on ${label} is neither root nor allowed passwordless sudo: fix hvnetlab:${key}.user`)}`,
        `command -v ip >/dev/null || ${exitWithError(`ip not found on ${label}: install iproute2`)}`,
        ...checks,
        shellCommandLine(factsArgs(nics.map((n) => `nic:${n}`))),
    );
}

/** Where a dedicated NIC's state before the lab (MTU, up or down) is kept until destroy restores it. */
export function nicStateFile(nic: string): string {
    return `/run/hvnetlab-nic-${checked(nic, SAFE.ifname)}.prev`;
}

/**
 * The shell words that print which NIC a name stands for right now: its network namespace, ifindex
 * and MAC address (`net:[4026531840]/3/52:54:00:12:34:56`). A NIC of the same name in another
 * namespace, or one deleted and made again, prints another identity.
 */
function nicIdentity(nic: string): string {
    const n = shellQuote(nic, SAFE.ifname);
    return `"$(readlink /proc/self/ns/net)/$(cat /sys/class/net/${n}/ifindex)/$(cat /sys/class/net/${n}/address)"`;
}

/**
 * Records the NIC's MTU, whether it is up, and which NIC it is (nicIdentity), once: a state left by
 * an earlier lab that was not torn down is the original, and is kept. A state recorded for another
 * NIC of that name (a lab interrupted on another machine sharing /run, or a NIC made anew) is stale,
 * and is replaced.
 */
export function saveNicState(nic: string): string {
    const n = shellQuote(nic, SAFE.ifname);
    const f = nicStateFile(nic);
    return script(
        `id=${nicIdentity(nic)}; old=`,
        `[ ! -e ${f} ] || read -r _ _ old < ${f}`,
        `[ -e ${f} ] && [ "$old" = "$id" ] || printf '%s %s %s\n' "$(cat /sys/class/net/${n}/mtu)" "$(ip -o link show dev ${n} | grep -q '[<,]UP[,>]' && echo up || echo down)" "$id" | run tee ${f} >/dev/null`,
    );
}

/**
 * Puts the NIC back to the MTU and up/down state recorded by saveNicState, where it was recorded
 * for this very NIC (nicIdentity), and forgets it.
 */
export function restoreNicState(nic: string): string {
    const n = shellQuote(nic, SAFE.ifname);
    const f = nicStateFile(nic);
    return script(
        `if [ -e ${f} ] && [ -e /sys/class/net/${n} ]; then`,
        `  read -r mtu state id < ${f}`,
        `  if [ "$id" = ${nicIdentity(nic)} ]; then`,
        `    case "$mtu" in ''|*[!0-9]*) ;; *) run ip link set dev ${n} mtu "$mtu" ;; esac`,
        `    [ "$state" = up ] || run ip link set dev ${n} down`,
        `  fi`,
        `fi`,
        `run rm -f ${f}`,
    );
}

/**
 * Puts a wire address on a dedicated NIC, with the wire's MTU, refusing a NIC that already has an
 * IPv4 address (it is then in use for something else). Delete removes the address again and puts
 * back the NIC's MTU and up/down state from before the lab.
 */
export function nicAddressScripts(label: string, nic: string, address: string, mtu: number): { create: string; delete: string } {
    const n = shellQuote(nic, SAFE.ifname);
    const cidr = shellQuote(`${address}/30`, SAFE.cidr);
    return {
        create: script(
            AS_ROOT,
            `other=$(ip -o -4 addr show dev ${n} | awk '{ print $4 }' | grep -vx ${cidr} | head -n 1)`,
            `[ -z "$other" ] || ${exitWithError(`NIC ${nic} on ${label} already has address $other: it is not dedicated to the lab; free it or list another NIC`)}`,
            saveNicState(nic),
            `run ip link set dev ${n} mtu ${shellQuote(mtu, SAFE.uint)} up || ${exitWithError(`cannot set MTU ${mtu} on ${nic} on ${label}`)}`,
            `run ip addr replace ${cidr} dev ${n} || exit 1`,
            `echo ${n} ${cidr}`,
        ),
        delete: script(AS_ROOT, `run ip addr del ${cidr} dev ${n} 2>/dev/null || true`, restoreNicState(nic)),
    };
}

export interface SshMachine {
    /** The preflight and address commands; netperf waits for them. */
    readonly ready: pulumi.Resource[];
    readonly facts: pulumi.Output<HostFacts>;
}

/**
 * A machine whose dedicated NICs carry the lab's wires directly (the peer, or the bare-metal host):
 * preflight, then one address command per wire it terminates.
 */
export function sshMachine(
    name: string,
    label: string,
    key: "host" | "peerHost",
    ends: readonly WireEnd[],
    connection: pulumi.Output<Connection>,
    parent: pulumi.Resource,
): SshMachine {
    const preflight = new command.remote.Command(
        `${name}-preflight`,
        {
            connection,
            create: machinePreflightScript(
                label,
                key,
                ends.map((end) => end.nic),
            ),
        },
        { parent },
    );
    const addresses = ends.map(
        (end) =>
            new command.remote.Command(
                `${name}-wire-${end.wire.index + 1}`,
                {
                    connection,
                    ...nicAddressScripts(label, end.nic, end.address, end.wire.mtu),
                },
                { parent, dependsOn: [preflight] },
            ),
    );
    return { ready: [preflight, ...addresses], facts: preflight.stdout.apply(parseFacts) };
}

/** The peer side of every wire, on the peer machine. */
export function peerMachine(
    name: string,
    config: RemoteConfig,
    wires: readonly PlanWire[],
    privateKey: pulumi.Output<string>,
    parent: pulumi.Resource,
): SshMachine {
    const spec = config.peerHost;
    const access = sshAccess(spec);
    const connection = connectionTo(access, privateKey, undefined, machineHostKey(config, access));
    return sshMachine(name, `peer ${spec.address}`, "peerHost", wireEnds(wires, "peer"), connection, parent);
}

/**
 * Brings a dedicated pNIC up with the wire MTU, for guests that attach to it directly (macvtap);
 * delete puts back its MTU and up/down state from before the lab.
 */
export function pnicUpScripts(label: string, nic: string, mtu: number): { create: string; delete: string } {
    const n = shellQuote(nic, SAFE.ifname);
    return {
        create: script(
            AS_ROOT,
            saveNicState(nic),
            `run ip link set dev ${n} mtu ${shellQuote(mtu, SAFE.uint)} up || ${exitWithError(`cannot bring up ${nic} with MTU ${mtu} on ${label}`)}`,
            `echo ${n} up`,
        ),
        delete: script(AS_ROOT, restoreNicState(nic)),
    };
}

/** The bridge that carries guest i's benchmark NIC on a host that bridges its pNICs (xen, kvm with attach bridge). */
export function pnicBridge(labPrefix: string, i: number): string {
    return `${labPrefix}br${i + 1}`;
}

/**
 * A bridge of its own around a dedicated pNIC (for Xen, whose libxl driver rejects macvtap, and kvm's attach bridge).
 * Refuses a pNIC that is already enslaved; delete releases the pNIC, removes the bridge, and puts
 * back the pNIC's MTU and up/down state from before the lab.
 */
export function pnicBridgeScripts(label: string, nic: string, bridge: string, mtu: number): { create: string; delete: string } {
    const n = shellQuote(nic, SAFE.ifname);
    const b = shellQuote(bridge, SAFE.ifname);
    const m = shellQuote(mtu, SAFE.uint);
    return {
        create: script(
            AS_ROOT,
            `[ ! -e /sys/class/net/${n}/master ] || ${exitWithError(`NIC ${nic} on ${label} is already part of a bridge or bond: it is not dedicated to the lab`)}`,
            `[ ! -e /sys/class/net/${b} ] || ${exitWithError(`bridge ${bridge} already exists on ${label}: another lab with this hvnetlab:labPrefix runs there, or choose another prefix`)}`,
            saveNicState(nic),
            `run ip link add name ${b} type bridge || exit 1`,
            `{ run ip link set dev ${n} mtu ${m} && run ip link set dev ${n} master ${b} && run ip link set dev ${b} mtu ${m} && run ip link set dev ${n} up && run ip link set dev ${b} up; } || { run ip link del ${b}; ${exitWithError(`cannot enslave ${nic} to ${bridge} on ${label}`)}; }`,
            `echo ${b} ${n}`,
        ),
        delete: script(
            AS_ROOT,
            `run ip link set dev ${n} nomaster 2>/dev/null`,
            `run ip link del ${b} 2>/dev/null || true`,
            restoreNicState(nic),
        ),
    };
}

/** How a hypervisor host makes dedicated pNIC i ready for its guest (e.g. "pnic": up; "bridge": bridged). */
export interface PnicSetup {
    /** Names the resources: `<host>-<kind>-<i>`. */
    readonly kind: string;
    readonly scripts: (label: string, nic: string, index: number) => { create: string; delete: string };
}

/**
 * The hypervisor host seen over SSH: preflight (the platform's own checks first, then the pNICs of
 * the lab's guests, with host facts), then each pNIC made ready for its guest. NICs listed beyond hvnetlab:guests are left alone.
 * `hostKey` is the key the host must present (machineHostKey).
 */
export function hypervisorHost(
    name: string,
    spec: HostSpec,
    guests: number,
    platform: { readonly pnic: PnicSetup; readonly hostPreflight?: (label: string) => string },
    privateKey: pulumi.Output<string>,
    parent: pulumi.Resource,
    hostKey?: string,
): SshMachine {
    const label = `host ${spec.address}`;
    const setup = platform.pnic;
    const connection = connectionTo(sshAccess(spec), privateKey, undefined, hostKey);
    const used = spec.nics.slice(0, guests);
    const own = platform.hostPreflight?.(label);
    const preflight = new command.remote.Command(
        `${name}-preflight`,
        {
            connection,
            create: own ? script(own, machinePreflightScript(label, "host", used)) : machinePreflightScript(label, "host", used),
        },
        { parent },
    );
    const nics = used.map(
        (nic, i) =>
            new command.remote.Command(
                `${name}-${setup.kind}-${i + 1}`,
                {
                    connection,
                    ...setup.scripts(label, nic, i),
                },
                { parent, dependsOn: [preflight] },
            ),
    );
    return { ready: [preflight, ...nics], facts: preflight.stdout.apply(parseFacts) };
}
