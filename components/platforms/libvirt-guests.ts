// What the kvm and xen platforms share: the libvirt provider over SSH, a storage pool, the base
// volume from the guest image, and per guest a copy-on-write volume, a cloud-init disk and a domain
// with a management NIC and one benchmark NIC. The platforms differ only in the domain type, the
// benchmark NIC's source and the XSLT applied to the domain XML.
import * as pulumi from "@pulumi/pulumi";
import { PlanWire } from "../../benchmarks/types";
import { guestMac, GuestNetwork, metaData, networkConfig, userData } from "../cloud-init";
import { LabConfig } from "../config";
import * as libvirt from "../providers/libvirt";

/** The guest's benchmark NIC name inside the guest (cloud-init renames it). */
export const LIBVIRT_GUEST_NIC = "bench0";

/** The libvirt connection URI over SSH; keyfile from config, else the SSH agent. */
export function libvirtUri(scheme: "qemu+ssh" | "xen+ssh", config: LabConfig): string {
    const h = config.host!;
    const port = h.port === 22 ? "" : `:${h.port}`;
    const query = config.libvirt!.keyfile ? `?keyfile=${config.libvirt!.keyfile}&sshauth=privkey` : "?sshauth=agent";
    return `${scheme}://${h.user}@${h.address}${port}/system${query}`;
}

export function guestNetwork(config: LabConfig, wire: PlanWire): GuestNetwork {
    const i = wire.index;
    return {
        hostname: `${config.labPrefix}-${wire.guest}`,
        user: config.guest!.user,
        sshPublicKey: config.guest!.sshPublicKey,
        management: {
            mac: guestMac(config.labPrefix, i, "management"),
            address: config.guestManagementAddresses[i],
            prefix: config.managementSubnet!.prefix,
            ...(config.managementGateway ? { gateway: config.managementGateway } : {}),
        },
        benchmark: { mac: guestMac(config.labPrefix, i, "benchmark"), name: LIBVIRT_GUEST_NIC, address: wire.guestAddress, mtu: wire.mtu },
    };
}

export interface LibvirtGuestsArgs {
    readonly config: LabConfig;
    readonly wires: readonly PlanWire[];
    readonly provider: libvirt.LibvirtProvider;
    /** libvirt domain type. */
    readonly domainType: "kvm" | "xen";
    /** The benchmark NIC of guest i (its source: macvtap on the pNIC, or the pNIC's bridge). */
    readonly benchmarkNic: (index: number) => libvirt.DomainNetworkInterface;
    /** Applied to the generated domain XML. */
    readonly xslt?: string;
    /** What the domains wait for (e.g. the host's bridges). */
    readonly dependsOn: pulumi.Resource[];
}

/** Registers the pool, base volume and guests; returns the domains in guest order. */
export function libvirtGuests(name: string, args: LibvirtGuestsArgs, parent: pulumi.Resource): libvirt.Domain[] {
    const { config } = args;
    const l = config.libvirt!;
    const guest = config.guest!;
    const ro = { parent, provider: args.provider };
    const pool = new libvirt.Pool(`${name}-pool`, { name: l.pool, type: "dir", target: { path: l.poolPath } }, ro);
    const base = new libvirt.Volume(`${name}-base`, { name: `${config.labPrefix}-base.qcow2`, pool: pool.name, source: guest.image!, format: "qcow2" }, ro);
    return args.wires.map((w) => {
        const net = guestNetwork(config, w);
        const disk = new libvirt.Volume(`${name}-disk-${w.guest}`, {
            name: `${net.hostname}.qcow2`, pool: pool.name, baseVolumeId: base.id, format: "qcow2", size: guest.diskGiB * 1024 ** 3,
        }, ro);
        const init = new libvirt.CloudInitDisk(`${name}-init-${w.guest}`, {
            name: `${net.hostname}-init.iso`, pool: pool.name,
            userData: userData(net), metaData: metaData(net), networkConfig: networkConfig(net),
        }, ro);
        return new libvirt.Domain(`${name}-domain-${w.guest}`, {
            name: net.hostname,
            type: args.domainType,
            vcpu: guest.vcpus,
            memory: guest.memoryMiB,
            disks: [{ volumeId: disk.id }],
            cloudinit: init.id,
            networkInterfaces: [
                { bridge: l.managementBridge, mac: net.management.mac },
                { ...args.benchmarkNic(w.index), mac: net.benchmark.mac },
            ],
            consoles: [{ type: "pty", targetPort: "0", targetType: "serial" }],
            ...(args.domainType === "kvm" ? { cpu: { mode: "host-passthrough" } } : {}),
            autostart: false,
            running: true,
            ...(args.xslt ? { xml: { xslt: args.xslt } } : {}),
        }, { ...ro, dependsOn: args.dependsOn });
    });
}
