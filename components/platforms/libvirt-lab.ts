// What the kvm and xen platforms share: the hypervisor host prepared over SSH, the libvirt provider
// over SSH, a storage pool, the base volume from the guest image, per guest a copy-on-write volume,
// a cloud-init disk and a domain with a management NIC and one benchmark NIC, and the peer. The
// platforms differ only in the URI scheme, the domain type, how a pNIC is made ready, the benchmark
// NIC's source and the XSLT applied to the domain XML: their LibvirtFlavour.
import * as pulumi from "@pulumi/pulumi";
import type { HostFacts, HostSamplerKind, PlanEndpoint, PlanHost, PlanWire } from "../../model";
import type { GuestNetwork } from "../scripts";
import { guestMac, metaData, networkConfig, userData } from "../scripts";
import type { ConfigContext, LabSecrets, PlatformConfigParser } from "../config";
import type { GuestShape, LibvirtSpec, XenSpec } from "../config";
import { parseLibvirt, parseNic, parseXen } from "../config";
import { libvirt } from "../providers";
import { nicHostPreflightScript } from "./nic-preflight";
import { nicPathTemplates, withTemplates } from "./nic-xslt";
import type { PlatformLab } from "./platform";
import type { PnicSetup } from "./remote";
import type { HypervisorConfig } from "./remote";
import { guestTopology, hypervisorHost, machineHostKey, parseHypervisorBlocks, parseRemoteBlocks, peerMachine, sshAccess } from "./remote";

/** The kvm and xen labs' configuration: host, peer, the guests booted from a cloud image, and libvirt. */
export interface LibvirtConfig extends HypervisorConfig {
    readonly platform: "kvm" | "xen";
    readonly guest: GuestShape & { readonly image: string };
    readonly libvirt: LibvirtSpec;
    /** xen only: how Xen runs the guests (hvnetlab:xen.guestMode, default hvm). */
    readonly xenGuestMode?: XenSpec["guestMode"];
}

/** The parser of the kvm or xen platform's part of the configuration. */
export function libvirtConfigParser(platform: LibvirtConfig["platform"]): PlatformConfigParser<LibvirtConfig> {
    return (ctx) => {
        const remote = parseRemoteBlocks(ctx, true);
        const { guest, managementSubnet } = parseHypervisorBlocks(ctx);
        const l = ctx.need("libvirt", "managementBridge (and optionally pool, poolPath, keyfile, domainType)");
        const libvirt = l
            ? parseLibvirt(l, ctx.shared.labPrefix, ctx.report)
            : { pool: "", poolPath: "", managementBridge: "", keyfile: "", domainType: "kvm" as const };
        if (platform === "xen" && l && l.domainType !== undefined)
            ctx.report("libvirt.domainType", l.domainType, "applies to the kvm platform only", "leave it out: Xen guests are xen domains");
        const xenGuestMode = platform === "xen" ? xenGuestModeOf(ctx, guest) : undefined;
        if (platform !== "xen" && ctx.block("xen") !== undefined)
            ctx.report("xen", undefined, "applies to the xen platform only", "leave the hvnetlab:xen block out");
        const nic = parseNic(ctx.block("nic"), { platform, guests: ctx.shared.guests, vcpus: guest.vcpus, xenGuestMode }, ctx.report);
        if (ctx.get("guest") && !guest.image) {
            ctx.report(
                "guest.image",
                undefined,
                `is missing but platform ${platform} boots its guests from a cloud image`,
                "give the qcow2 cloud image's URL or its path on the host",
            );
        }
        return {
            platform,
            ...remote,
            guest: { ...guest, image: guest.image ?? "" },
            managementSubnet,
            libvirt,
            nic,
            ...(xenGuestMode ? { xenGuestMode } : {}),
        };
    };
}

/**
 * The guest mode of a xen lab (hvnetlab:xen, parseXen). A PV guest boots the kernel and initrd
 * given in the guest block; without them libxl would boot it through pygrub, which this project
 * does not support, so that is refused by name.
 */
function xenGuestModeOf(ctx: ConfigContext, guest: { kernel?: string }): XenSpec["guestMode"] {
    const block = ctx.block("xen");
    const mode = block ? parseXen(block, ctx.report).guestMode : "hvm";
    if (mode === "pv" && !guest.kernel)
        ctx.report(
            "xen.guestMode",
            mode,
            "needs guest.kernel and guest.initrd: a PV guest without them boots through pygrub, which hvnetlab does not support",
            "give the guest's kernel and initrd paths on the Xen host in the guest block, or use hvm",
        );
    return mode;
}

/** The guest's benchmark NIC name inside the guest (cloud-init renames it). */
export const LIBVIRT_GUEST_NIC = "bench0";

/**
 * The libvirt connection URI over SSH; keyfile from config, else the SSH agent. The host key is
 * checked against hvnetlab:sshKnownHostsFile (`knownhosts=`, the official provider's parameter;
 * without it ~/.ssh/known_hosts), strictly whatever hvnetlab:sshHostKeyChecking says: the
 * official provider (terraform-provider-libvirt v0.8.1, libvirt/uri/ssh.go) never adds a key, so
 * the hypervisor host's key must already be in that file (accept-new serves the runner's SSH to
 * the guests only).
 */
export function libvirtUri(scheme: "qemu+ssh" | "xen+ssh", config: LibvirtConfig): string {
    const h = config.host;
    const port = h.port === 22 ? "" : `:${h.port}`;
    const query = config.libvirt.keyfile ? `?keyfile=${config.libvirt.keyfile}&sshauth=privkey` : "?sshauth=agent";
    const knownHosts = config.ssh.knownHostsFile ? `&knownhosts=${config.ssh.knownHostsFile}` : "";
    return `${scheme}://${h.user}@${h.address}${port}/system${query}${knownHosts}`;
}

export function guestNetwork(config: LibvirtConfig, wire: PlanWire): GuestNetwork {
    const i = wire.index;
    const lab = { platform: config.platform, host: config.host.address, labPrefix: config.labPrefix };
    return {
        hostname: libvirtDomainName(config, wire.guest),
        user: config.guest.user,
        sshPublicKey: config.guest.sshPublicKey,
        management: {
            mac: guestMac(lab, i, "management"),
            address: config.guestManagementAddresses[i],
            prefix: config.managementSubnet.prefix,
            ...(config.managementGateway ? { gateway: config.managementGateway } : {}),
        },
        benchmark: { mac: guestMac(lab, i, "benchmark"), name: LIBVIRT_GUEST_NIC, address: wire.guestAddress, mtu: wire.mtu },
    };
}

/** A libvirt guest's domain name on the host (its hostname). */
export function libvirtDomainName(config: Pick<LibvirtConfig, "labPrefix">, guest: string): string {
    return `${config.labPrefix}-${guest}`;
}

/**
 * The hypervisor host of a kvm or xen lab as the plan names it for CPU sampling: reached with the
 * SSH login libvirt's qemu+ssh:// / xen+ssh:// URI uses (hvnetlab:host address, user, port), each
 * guest endpoint mapped to its libvirt domain.
 */
export function libvirtPlanHost(
    name: string,
    sampler: Extract<HostSamplerKind, "kvm" | "xen">,
    config: Pick<LibvirtConfig, "host" | "labPrefix" | "guest">,
    wires: readonly PlanWire[],
): PlanHost {
    return {
        name,
        sampler,
        access: { kind: "ssh", host: config.host.address, user: config.host.user, port: config.host.port },
        guests: Object.fromEntries(wires.map((w) => [w.guest, libvirtDomainName(config, w.guest)])),
        guestVcpus: config.guest.vcpus,
    };
}

export interface LibvirtFlavour {
    /** The plan's hypervisor host: which sampler reads its CPU, and how it is reached. */
    readonly planHost: (wires: readonly PlanWire[]) => PlanHost;
    readonly scheme: "qemu+ssh" | "xen+ssh";
    /** libvirt domain type. */
    readonly domainType: "kvm" | "qemu" | "xen";
    /** How the host makes pNIC i ready for guest i. */
    readonly pnic: PnicSetup;
    /** The benchmark NIC of guest i (its source: macvtap on the pNIC, or the pNIC's bridge). */
    readonly benchmarkNic: (index: number) => libvirt.DomainNetworkInterface;
    /** Applied to the generated domain XML, with each guest's NIC path added (nic-xslt.ts). */
    readonly xslt?: string;
    /** The guest kernel's console device (a direct kernel boot's `console=`), e.g. ttyS0 or hvc0. */
    readonly console: string;
    /** libvirt's machine type, where the official provider's default (`pc`) is not the host's. */
    readonly machine?: string;
    /** The platform's own checks of the host, run first in its preflight (a script; `label` names the host). */
    readonly hostPreflight?: (label: string) => string;
}

export interface LibvirtLabArgs {
    /** The validated lab configuration (platform kvm or xen). */
    readonly config: LibvirtConfig;
    /** The lab's secrets. */
    readonly secrets: LabSecrets;
}

interface LibvirtGuestsArgs {
    readonly config: LibvirtConfig;
    readonly wires: readonly PlanWire[];
    readonly provider: libvirt.LibvirtProvider;
    readonly flavour: LibvirtFlavour;
    /** What the domains wait for (the host's prepared pNICs). */
    readonly dependsOn: pulumi.Resource[];
}

/**
 * A lab of libvirt guests on one hypervisor host, cabled to the peer (KvmLab and XenLab give the
 * flavour): the host's pNICs prepared over SSH, a storage pool, per guest a volume, a cloud-init
 * disk and a domain whose benchmark NIC sits on its dedicated pNIC; the peer's NICs over SSH.
 * Outputs endpoints, wires and the machines' facts; each guest is ready when its domain is.
 */
export abstract class LibvirtLab extends pulumi.ComponentResource implements PlatformLab {
    readonly endpoints: PlanEndpoint[];
    readonly wires: PlanWire[];
    readonly hosts: PlanHost[];
    readonly limitBasis = "ethernet" as const;
    readonly ready: Record<string, pulumi.Resource[]>;
    readonly hostFacts: pulumi.Output<Record<string, HostFacts>>;
    readonly provider: libvirt.LibvirtProvider;

    protected constructor(
        type: string,
        name: string,
        args: LibvirtLabArgs,
        flavour: LibvirtFlavour,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, {}, opts);
        const { config, secrets } = args;
        const topology = guestTopology(config, () => LIBVIRT_GUEST_NIC);
        this.endpoints = topology.endpoints;
        this.wires = topology.wires;
        this.hosts = [flavour.planHost(this.wires)];
        const hostKey = machineHostKey(config, sshAccess(config.host));
        // The platform's own checks, then the NIC path's (pinned CPUs, vhost-net, the VFs handed over).
        const hostPreflight = (label: string) =>
            [flavour.hostPreflight?.(label) ?? "", nicHostPreflightScript(label, config.nic)].filter((s) => s !== "").join("\n");
        const hv = hypervisorHost(
            `${name}-host`,
            config.host,
            this.wires.length,
            { pnic: flavour.pnic, hostPreflight },
            secrets.sshPrivateKey,
            this,
            hostKey,
        );
        this.provider = new libvirt.LibvirtProvider(`${name}-provider`, { uri: libvirtUri(flavour.scheme, config) }, { parent: this });
        const domains = libvirtGuests(name, { config, wires: this.wires, provider: this.provider, flavour, dependsOn: hv.ready }, this);
        const peer = peerMachine(`${name}-peer`, config, this.wires, secrets.sshPrivateKey, this);
        this.ready = { peer: peer.ready, ...Object.fromEntries(this.wires.map((w, i) => [w.guest, [domains[i]]])) };
        this.hostFacts = pulumi.all([hv.facts, peer.facts]).apply(([h, p]): Record<string, HostFacts> => ({ host: h, peer: p }));
        this.registerOutputs({ endpoints: this.endpoints, wires: this.wires, hostFacts: this.hostFacts });
    }
}

/**
 * The kernel command line as the official libvirt provider writes it and reads it back
 * (terraform-provider-libvirt v0.8.1: `setCmdlineArgs` in libvirt/domain.go sorts every word as a
 * whole string; `splitKernelCmdLine` in libvirt/utils_domain_def.go reads the line back as maps,
 * a new map at each repeated key, the bare words last under "_"). A Domain's `cmdlines` in this
 * form is what its state holds after a read, so a later `pulumi up` sees no change; in any other
 * form the official provider replaces the domain on every update (`cmdline` is ForceNew).
 */
export function officialCmdlines(words: readonly string[]): Record<string, string>[] {
    const maps: Record<string, string>[] = [];
    const bare: string[] = [];
    let current: Record<string, string> = {};
    // Byte order, as Go's sort.Strings.
    for (const w of [...words].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const eq = w.indexOf("=");
        if (eq < 0) {
            bare.push(w);
            continue;
        }
        const key = w.slice(0, eq);
        if (key in current) {
            maps.push(current);
            current = {};
        }
        current[key] = w.slice(eq + 1);
    }
    if (Object.keys(current).length > 0) maps.push(current);
    if (bare.length > 0) maps.push({ _: bare.join(" ") });
    return maps;
}

/**
 * The Domain inputs of a direct kernel boot, where the guest block asks for one: the guest's
 * command line and the platform's console (`console=<device>`: the official provider sorts the
 * words, so the platform sets the one console and guest.cmdline holds none), in the form the
 * official provider reads back (officialCmdlines).
 */
export function directKernelBoot(
    guest: LibvirtConfig["guest"],
    console: string,
): Pick<libvirt.DomainArgs, "kernel" | "initrd" | "cmdlines"> {
    if (!guest.kernel) return {};
    const words = [...(guest.cmdline ? guest.cmdline.split(" ") : []), `console=${console}`];
    return { kernel: guest.kernel, initrd: guest.initrd, cmdlines: officialCmdlines(words) };
}

/**
 * The Domain inputs the official libvirt provider updates in place without touching the domain
 * (v0.8.1, libvirt/resource_libvirt_domain.go: not ForceNew, and its Update redefines nothing): a
 * changed NIC, kernel, initrd or cloud-init disk would leave the guest as it was, so the program
 * replaces the domain instead.
 */
export const DOMAIN_REPLACE_ON_CHANGES = ["networkInterfaces", "kernel", "initrd", "cloudinit"];

/** Registers the pool, base volume and guests; returns the domains in guest order. */
function libvirtGuests(name: string, args: LibvirtGuestsArgs, parent: pulumi.Resource): libvirt.Domain[] {
    const { config, flavour } = args;
    const l = config.libvirt;
    const guest = config.guest;
    const ro = { parent, provider: args.provider };
    // After the host's checks: a host that cannot run the guests gets nothing made on it.
    const pool = new libvirt.Pool(
        `${name}-pool`,
        { name: l.pool, type: "dir", target: { path: l.poolPath } },
        { ...ro, dependsOn: args.dependsOn },
    );
    const base = new libvirt.Volume(
        `${name}-base`,
        { name: `${config.labPrefix}-base.qcow2`, pool: pool.name, source: guest.image, format: "qcow2" },
        ro,
    );
    return args.wires.map((w) => {
        const net = guestNetwork(config, w);
        const disk = new libvirt.Volume(
            `${name}-disk-${w.guest}`,
            {
                name: `${net.hostname}.qcow2`,
                pool: pool.name,
                baseVolumeId: base.id,
                format: "qcow2",
                size: guest.diskGiB * 1024 ** 3,
            },
            ro,
        );
        const init = new libvirt.CloudInitDisk(
            `${name}-init-${w.guest}`,
            {
                name: `${net.hostname}-init.iso`,
                pool: pool.name,
                userData: userData(net),
                metaData: metaData(net),
                networkConfig: networkConfig(net),
            },
            ro,
        );
        return new libvirt.Domain(
            `${name}-domain-${w.guest}`,
            {
                name: net.hostname,
                type: flavour.domainType,
                vcpu: guest.vcpus,
                memory: guest.memoryMiB,
                disks: [{ volumeId: disk.id }],
                cloudinit: init.id,
                networkInterfaces: [
                    { bridge: l.managementBridge, mac: net.management.mac },
                    { ...flavour.benchmarkNic(w.index), mac: net.benchmark.mac },
                ],
                ...directKernelBoot(guest, flavour.console),
                ...(flavour.machine ? { machine: flavour.machine } : {}),
                consoles: [{ type: "pty", targetPort: "0", targetType: "serial" }],
                ...(flavour.domainType === "kvm" ? { cpu: { mode: "host-passthrough" } } : {}),
                autostart: false,
                running: true,
                ...(flavour.xslt
                    ? {
                          xml: {
                              xslt: withTemplates(
                                  flavour.xslt,
                                  nicPathTemplates(config.nic, { benchmarkMac: net.benchmark.mac, index: w.index }),
                              ),
                          },
                      }
                    : {}),
            },
            { ...ro, dependsOn: args.dependsOn, replaceOnChanges: DOMAIN_REPLACE_ON_CHANGES },
        );
    });
}
