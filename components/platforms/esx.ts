// The `esx` platform: ESXi through vSphere. Per guest: one standard vSwitch whose only uplink is the
// guest's dedicated pNIC, one port group on it, and a VM cloned from the template, pinned to the
// host, with a management NIC and one vmxnet3 benchmark NIC on its own port group; addresses are
// set by guest customization. The peer is a machine reached over SSH.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { HostFacts, PlanEndpoint, PlanHost, PlanWire, SshAccess } from "../../model";
import type { LabSecrets, PlatformConfigParser } from "../config";
import type { GuestShape, VsphereSpec } from "../config";
import { parseNic, parseVsphere, PATTERNS } from "../config";
import { shellQuote } from "../scripts";
import { vsphere } from "../providers";
import type { PlatformLab } from "./platform";
import type { HypervisorConfig } from "./remote";
import {
    connectionTo,
    GUEST_BOOT_DIALS,
    guestTopology,
    guestWireMtuScript,
    parseHypervisorBlocks,
    parseRemoteBlocks,
    peerMachine,
} from "./remote";

/** The ESX lab's configuration: host, peer, the guests cloned from a template, and vSphere. */
export interface EsxConfig extends HypervisorConfig {
    readonly platform: "esx";
    readonly guest: GuestShape & { readonly template: string };
    readonly vsphere: VsphereSpec;
}

/**
 * The largest MTU of a vSphere standard switch, bytes: vSphere's jumbo-frame limit, and the range
 * the official vsphere provider checks before it calls vCenter (terraform-provider-vsphere
 * host_virtual_switch_structure.go, HostVirtualSwitchSpec `mtu`: IntBetween(1, 9000)).
 */
export const VSPHERE_MAX_MTU = 9000;

/** A vSphere VM's memory size is a whole number of 4 MB (vSphere Virtual Machine Administration, virtual memory configuration). */
export const VSPHERE_MEMORY_STEP_MIB = 4;

/** The largest virtual disk vSphere creates: 62 TB (vSphere Configuration Maximums, "Virtual Disk size"), in GiB. */
export const VSPHERE_MAX_DISK_GIB = 62 * 1024;

/** ESXi names its physical NICs vmnicN (vusbN for USB NICs); a vSwitch uplink is named so (HostVirtualSwitch networkAdapters). */
export const ESXI_PNIC = /^(vmnic|vusb)\d+$/;

/**
 * The limits of vSphere that would otherwise be found by vCenter in the middle of `pulumi up`,
 * after other resources were created: each is reported with its key and the limit.
 */
export function checkVsphereLimits(
    config: {
        readonly mtu: number;
        readonly guest: { readonly memoryMiB: number; readonly diskGiB: number };
        readonly nics: readonly string[];
    },
    report: (key: string, raw: unknown, what: string, fix: string) => void,
): void {
    if (config.mtu > VSPHERE_MAX_MTU)
        report(
            "mtu",
            String(config.mtu),
            `is above the ${VSPHERE_MAX_MTU}-byte MTU limit of a vSphere standard switch (platform esx)`,
            `use an MTU from 576 to ${VSPHERE_MAX_MTU} bytes`,
        );
    const memory = config.guest.memoryMiB;
    if (Number.isInteger(memory) && memory % VSPHERE_MEMORY_STEP_MIB !== 0)
        report(
            "guest.memoryMiB",
            memory,
            `is not a multiple of ${VSPHERE_MEMORY_STEP_MIB} MB, which vSphere requires of a VM's memory`,
            `use ${memory - (memory % VSPHERE_MEMORY_STEP_MIB)} or ${memory - (memory % VSPHERE_MEMORY_STEP_MIB) + VSPHERE_MEMORY_STEP_MIB}`,
        );
    if (config.guest.diskGiB > VSPHERE_MAX_DISK_GIB)
        report(
            "guest.diskGiB",
            config.guest.diskGiB,
            `is above vSphere's largest virtual disk (62 TB, ${VSPHERE_MAX_DISK_GIB} GiB)`,
            `use at most ${VSPHERE_MAX_DISK_GIB}`,
        );
    const notEsxi = config.nics.filter((n) => !ESXI_PNIC.test(n));
    if (notEsxi.length > 0)
        report(
            "host.nics",
            config.nics,
            `names ${notEsxi.join(", ")}, which is not how ESXi names a physical NIC`,
            "list the host's physical NICs as ESXi names them (vmnic1, vmnic2, ...; esxcli network nic list)",
        );
}

export const parseEsxConfig: PlatformConfigParser<EsxConfig> = (ctx) => {
    const remote = parseRemoteBlocks(ctx, false);
    const { guest, managementSubnet } = parseHypervisorBlocks(ctx);
    checkVsphereLimits({ mtu: ctx.shared.mtu, guest, nics: remote.host.nics }, ctx.report);
    const v = ctx.need("vsphere", "server, user, datacenter, datastore and managementNetwork");
    const vsphere = v
        ? parseVsphere(v, ctx.report)
        : { server: "", user: "", allowUnverifiedSsl: false, datacenter: "", datastore: "", managementNetwork: "" };
    if (ctx.get("guest") && !guest.template) {
        ctx.report(
            "guest.template",
            undefined,
            "is missing but platform esx clones its guests from a template",
            "name the vSphere template (built from the same image as the other stacks' guest.image)",
        );
    }
    if (!ctx.shared.secretsSet.vspherePassword) {
        ctx.report("vspherePassword", undefined, "is not set", "set it as a secret: pulumi config set --secret hvnetlab:vspherePassword");
    }
    const nic = parseNic(ctx.block("nic"), { platform: "esx", guests: ctx.shared.guests, vcpus: guest.vcpus }, ctx.report);
    return { platform: "esx", ...remote, guest: { ...guest, template: guest.template ?? "" }, managementSubnet, vsphere, nic };
};

/**
 * Minutes a VM's create waits after power-on for its guest to report the customization's outcome
 * (VirtualMachine clone.customize.timeout). The official provider waits for it, 10 minutes by
 * default, whatever waitForGuestNetTimeout says. A Linux guest on ESXi boots, applies the
 * customization, reboots and reports within a few minutes, even with the lab's guests booting
 * together on one host; one that has not reported in 5 never will (a template without VMware
 * Tools, say), and its create fails then with one line naming the VM and the reason (the VM kept
 * for troubleshooting), before anything dials the guest.
 */
export const ESX_CUSTOMIZE_TIMEOUT_MINUTES = 5;

/** vSwitch and port group of guest i. */
export function esxNames(labPrefix: string, i: number): { vswitch: string; portGroup: string; vm: string } {
    return { vswitch: `${labPrefix}-vs${i + 1}`, portGroup: `${labPrefix}-pg${i + 1}`, vm: `${labPrefix}-g${i + 1}` };
}

/** Customization script that authorizes the lab's key for the guest user (runs once, as root). */
export function authorizeKeyScript(user: string, publicKey: string): string {
    const u = shellQuote(user, PATTERNS.user);
    return [
        "#!/bin/sh",
        `if [ "$1" = postcustomization ]; then`,
        `  home=$(getent passwd ${u} | cut -d: -f6)`,
        `  mkdir -p "$home/.ssh" && echo ${shellQuote(publicKey, PATTERNS.sshPublicKey)} >> "$home/.ssh/authorized_keys"`,
        `  chown -R ${u} "$home/.ssh" && chmod 700 "$home/.ssh" && chmod 600 "$home/.ssh/authorized_keys"`,
        `fi`,
    ].join("\n");
}

export interface EsxLabArgs {
    /** The validated lab configuration (platform esx). */
    readonly config: EsxConfig;
    /** The lab's secrets. */
    readonly secrets: LabSecrets;
}

/**
 * The ESXi host as the plan names it: machine "host", sampled by the esx sampler (`esxtop -b` over
 * SSH: Physical Cpu "% Util Time" and each guest VM's Group Cpu "% Used"), each guest endpoint
 * mapped to its VM name. It needs the host's SSH service enabled and a login (hvnetlab:host.user,
 * the runner's key); without hvnetlab:host.user the plan says why the host is not sampled.
 */
export function esxPlanHost(config: Pick<EsxConfig, "host" | "labPrefix" | "guest">, wires: readonly PlanWire[]): PlanHost {
    const h = config.host;
    return {
        name: "host",
        sampler: "esx",
        ...(h.user
            ? { access: { kind: "ssh" as const, host: h.address, user: h.user, port: h.port } }
            : {
                  unreachable: `no SSH login for the ESXi host ${h.address} (hvnetlab:host.user is not set): enable SSH on the host and set hvnetlab:host.user to sample its CPU with esxtop`,
              }),
        guests: Object.fromEntries(wires.map((w) => [w.guest, esxNames(config.labPrefix, w.index).vm])),
        guestVcpus: config.guest.vcpus,
    };
}

/** The options of the lab's vSphere resources and lookups: the lab as parent, and its vSphere provider. */
interface EsxOptions {
    readonly parent: pulumi.Resource;
    readonly provider: vsphere.VsphereProvider;
}

/** The vSphere inventory the guests are placed on, looked up by name in the lab's datacenter. */
interface EsxInventory {
    readonly datacenterId: pulumi.Output<string>;
    /** The ESXi host the guests are pinned to (and whose resource pool they run in). */
    readonly esxHost: ReturnType<typeof vsphere.getHost>;
    /** The datastore the guests' disks go on. */
    readonly datastore: ReturnType<typeof vsphere.getDatastore>;
    /** The template the guests are cloned from. */
    readonly template: ReturnType<typeof vsphere.getVirtualMachine>;
    /** The port group of the guests' management NIC. */
    readonly management: ReturnType<typeof vsphere.getNetwork>;
}

/** Looks up the datacenter, the ESXi host, the datastore, the template and the management port group. */
function esxInventory(config: EsxConfig, ro: EsxOptions): EsxInventory {
    const v = config.vsphere;
    const datacenter = vsphere.getDatacenter({ name: v.datacenter }, ro);
    const datacenterId = datacenter.id;
    const esxHost = vsphere.getHost({ name: config.host.address, datacenterId }, ro);
    const datastore = vsphere.getDatastore({ name: v.datastore, datacenterId }, ro);
    const template = vsphere.getVirtualMachine({ name: config.guest.template!, datacenterId }, ro);
    const management = vsphere.getNetwork({ name: v.managementNetwork, datacenterId }, ro);
    return { datacenterId, esxHost, datastore, template, management };
}

/**
 * Guest i's wire on the host: a standard vSwitch whose only uplink is the guest's dedicated pNIC,
 * with the wire MTU, and a port group on it. Returns the port group's network, which the guest's
 * benchmark NIC joins.
 */
function esxWireNetwork(name: string, config: EsxConfig, inventory: EsxInventory, i: number, ro: EsxOptions) {
    const names = esxNames(config.labPrefix, i);
    const pnic = config.host.nics[i];
    const vswitch = new vsphere.HostVirtualSwitch(
        `${name}-vswitch-${i + 1}`,
        {
            name: names.vswitch,
            hostSystemId: inventory.esxHost.id,
            networkAdapters: [pnic],
            activeNics: [pnic],
            standbyNics: [],
            mtu: config.mtu,
        },
        ro,
    );
    const portGroup = new vsphere.HostPortGroup(
        `${name}-portgroup-${i + 1}`,
        {
            name: names.portGroup,
            hostSystemId: inventory.esxHost.id,
            virtualSwitchName: vswitch.name,
        },
        ro,
    );
    // A host port group's id is not a network id: the VM needs the network's.
    return vsphere.getNetwork({ name: portGroup.name, datacenterId: inventory.datacenterId }, { ...ro, dependsOn: [portGroup] });
}

/**
 * Guest i's VM: cloned from the template onto the ESXi host and the datastore, in the guest
 * shape, with a management NIC and one vmxnet3 benchmark NIC on the wire's network; guest
 * customization sets its host name, both NICs' addresses and the lab's key for the guest user.
 */
function esxGuestVm(
    name: string,
    config: EsxConfig,
    inventory: EsxInventory,
    network: ReturnType<typeof vsphere.getNetwork>,
    w: PlanWire,
    i: number,
    ro: EsxOptions,
): vsphere.VirtualMachine {
    const names = esxNames(config.labPrefix, i);
    const guest = config.guest;
    const { esxHost, datastore, template, management } = inventory;
    const netmask = config.managementSubnet.prefix;
    return new vsphere.VirtualMachine(
        `${name}-vm-${w.guest}`,
        {
            name: names.vm,
            resourcePoolId: esxHost.resourcePoolId,
            hostSystemId: esxHost.id,
            datastoreId: datastore.id,
            numCpus: guest.vcpus,
            memory: guest.memoryMiB,
            guestId: template.guestId,
            scsiType: template.scsiType,
            firmware: template.firmware,
            disks: template.disks.apply((d) => [{ label: "disk0", size: guest.diskGiB, thinProvisioned: d[0]?.thinProvisioned ?? true }]),
            networkInterfaces: [
                { networkId: management.id, adapterType: "vmxnet3" },
                // The guest's benchmark vNIC as hvnetlab:nic.model says (vmxnet3 by default).
                { networkId: network.id, adapterType: config.nic.path.model },
            ],
            // The official provider waits 5 minutes by default for VMware Tools to report a
            // routable address, which needs a default gateway: with no managementGateway
            // every create would time out. The lab waits for what it needs instead: the
            // customization's outcome (clone.customize.timeout), then the guest's SSH at its
            // customized address (the next step dials it with retries).
            waitForGuestNetTimeout: 0,
            waitForGuestNetRoutable: false,
            clone: {
                templateUuid: template.id,
                customize: {
                    linuxOptions: {
                        hostName: names.vm,
                        domain: "lab",
                        scriptText: pulumi.secret(authorizeKeyScript(guest.user, guest.sshPublicKey)),
                    },
                    networkInterfaces: [
                        { ipv4Address: config.guestManagementAddresses[i], ipv4Netmask: netmask },
                        { ipv4Address: w.guestAddress, ipv4Netmask: 30 },
                    ],
                    // The official provider sets it only on the NIC whose subnet holds it: the management NIC.
                    ...(config.managementGateway ? { ipv4Gateway: config.managementGateway } : {}),
                    timeout: ESX_CUSTOMIZE_TIMEOUT_MINUTES,
                },
            },
        },
        ro,
    );
}

/**
 * The ESX lab through vSphere: per guest a standard vSwitch whose only uplink is the guest's
 * dedicated pNIC, a port group, and a VM cloned from the template and pinned to the host (its
 * benchmark NIC's MTU set over SSH); the peer's NICs over SSH. Depends on the vsphere provider,
 * the template and the vCenter password. Outputs endpoints, wires and the machines' facts.
 */
export class EsxLab extends pulumi.ComponentResource implements PlatformLab {
    readonly endpoints: PlanEndpoint[];
    readonly wires: PlanWire[];
    readonly hosts: PlanHost[];
    readonly limitBasis = "ethernet" as const;
    readonly ready: Record<string, pulumi.Resource[]>;
    readonly hostFacts: pulumi.Output<Record<string, HostFacts>>;
    readonly provider: vsphere.VsphereProvider;

    constructor(name: string, args: EsxLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:platforms:EsxLab", name, {}, opts);
        const { config, secrets } = args;
        const v = config.vsphere;
        // Guest customization cannot name the NIC inside the guest; the port group names it here
        // and the runner's host facts report the name the guest gave it.
        const topology = guestTopology(config, (i) => esxNames(config.labPrefix, i).portGroup);
        this.endpoints = topology.endpoints;
        this.wires = topology.wires;
        this.hosts = [esxPlanHost(config, this.wires)];

        this.provider = new vsphere.VsphereProvider(
            `${name}-provider`,
            {
                vsphereServer: v.server,
                user: v.user,
                password: secrets.vspherePassword,
                allowUnverifiedSsl: v.allowUnverifiedSsl,
            },
            { parent: this },
        );
        const ro: EsxOptions = { parent: this, provider: this.provider };
        const inventory = esxInventory(config, ro);
        const vms = this.wires.map((w, i) => {
            const network = esxWireNetwork(name, config, inventory, i, ro);
            return esxGuestVm(name, config, inventory, network, w, i, ro);
        });
        // The vSwitch carries the wire MTU; the guest's NIC must too, or the limits would be wrong.
        const mtus = this.wires.map((w, i) => {
            const access = this.endpoints.find((e) => e.name === w.guest)!.access as SshAccess;
            return new command.remote.Command(
                `${name}-mtu-${w.guest}`,
                {
                    connection: connectionTo(access, secrets.sshPrivateKey, GUEST_BOOT_DIALS),
                    create: guestWireMtuScript(`${w.guest} (${access.host})`, w.guestAddress, w.mtu),
                },
                { parent: this, dependsOn: [vms[i]] },
            );
        });
        const peer = peerMachine(`${name}-peer`, config, this.wires, secrets.sshPrivateKey, this);
        this.ready = { peer: peer.ready, ...Object.fromEntries(this.wires.map((w, i) => [w.guest, [vms[i], mtus[i]]])) };
        this.hostFacts = peer.facts.apply((p): Record<string, HostFacts> => ({ peer: p }));
        this.registerOutputs({ endpoints: this.endpoints, wires: this.wires, hostFacts: this.hostFacts });
    }
}
