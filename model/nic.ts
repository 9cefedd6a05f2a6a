// What a dedicated NIC was set to, as the facts record it: offloads (ethtool -k), channels
// (ethtool -l) and ring sizes (ethtool -g). The parsing is runner/netperf/ethtool.ts's.

/** A query ethtool could not answer on a NIC, and why (never a made-up value). */
export interface Unavailable {
    readonly unavailable: string;
}

/**
 * The offloads the study's question turns on, by ethtool -k's names: tcp-segmentation-offload
 * (TSO), generic-segmentation-offload (GSO), generic-receive-offload (GRO),
 * large-receive-offload (LRO), rx-checksumming and tx-checksumming.
 */
export const OFFLOADS = {
    tso: "tcp-segmentation-offload",
    gso: "generic-segmentation-offload",
    gro: "generic-receive-offload",
    lro: "large-receive-offload",
    rxChecksumming: "rx-checksumming",
    txChecksumming: "tx-checksumming",
} as const;

export type Offload = keyof typeof OFFLOADS;

/**
 * Each offload's state as ethtool -k prints it: "on" or "off", with ethtool's note where it
 * printed one ("off [fixed]": the driver cannot change it; "off [requested on]": asked for but not
 * in effect). An offload ethtool did not list is absent.
 */
export type NicOffloads = Partial<Record<Offload, string>>;

/** Queue counts of one kind (ethtool -l): receive-only, transmit-only, other, combined; absent where ethtool says n/a. */
export interface ChannelCounts {
    readonly rx?: number;
    readonly tx?: number;
    readonly other?: number;
    readonly combined?: number;
}

/** ethtool -l: the channels in use and the most the NIC allows. */
export interface NicChannels {
    readonly current: ChannelCounts;
    readonly max: ChannelCounts;
}

/** Descriptor ring sizes (ethtool -g), in descriptors; absent where ethtool says n/a. */
export interface RingSizes {
    readonly rx?: number;
    readonly rxMini?: number;
    readonly rxJumbo?: number;
    readonly tx?: number;
}

/** ethtool -g: the ring sizes in use and the most the NIC allows. */
export interface NicRings {
    readonly current: RingSizes;
    readonly max: RingSizes;
}

/** Whether a setting holds figures (not an Unavailable). */
export function isAvailable<T extends object>(v: T | Unavailable | undefined): v is T {
    return v !== undefined && !("unavailable" in v);
}

/**
 * The virtual NIC path of a lab's guests (hvnetlab:nic): the device model the guest sees, its
 * queue pairs, how the device reaches the dedicated pNIC, vhost-net (kvm), and where the vCPUs
 * run. Part of the lab's identity: the fingerprint covers it, and two paths of one platform
 * compare with each other and with native (analysis/comparability.ts).
 */
export interface NicPath {
    /** The guest's device model: kvm virtio, e1000e, e1000, rtl8139; esx vmxnet3, e1000e, e1000; xen netfront, e1000, rtl8139. */
    readonly model: string;
    /** Queue pairs of the device (multiqueue), 1 unless the model has them. */
    readonly queues: number;
    /** How the device reaches the pNIC: kvm macvtap, bridge, passthrough, hostdev; xen bridge, hostdev; esx vswitch. */
    readonly attach: string;
    /** kvm: vhost-net on or off; absent: libvirt's default (vhost-net where /dev/vhost-net exists). */
    readonly vhost?: "on" | "off";
    /** Whether each guest's vCPUs are pinned to host CPUs (the CPU lists are in the config, not here: hosts differ). */
    readonly pinned: boolean;
}

/**
 * A NIC path in a few words, as tables and charts label a source: "virtio mq2 macvtap",
 * "e1000e bridge vhost off pinned"; queues only where above 1, vhost only where set.
 */
export function nicPathWords(path: NicPath): string {
    return [
        path.model,
        ...(path.queues > 1 ? [`mq${path.queues}`] : []),
        path.attach,
        ...(path.vhost ? [`vhost ${path.vhost}`] : []),
        ...(path.pinned ? ["pinned"] : []),
    ].join(" ");
}

/**
 * The Linux driver a guest binds to each device model, as `ethtool -i` names it (the facts'
 * `driver`): virtio-net virtio_net, Intel's e1000e and e1000, Realtek's 8139cp or 8139too,
 * VMware's vmxnet3, and Xen's netfront "vif" (drivers/net/xen-netfront.c registers as "vif").
 */
export const GUEST_DRIVERS: Readonly<Record<string, readonly string[]>> = {
    virtio: ["virtio_net"],
    e1000e: ["e1000e"],
    e1000: ["e1000"],
    rtl8139: ["8139cp", "8139too"],
    vmxnet3: ["vmxnet3"],
    netfront: ["vif"],
};

/** The queue pairs a NIC runs, from ethtool -l's channels in use (combined, else the larger of rx and tx). */
function queuePairs(channels: NicChannels | Unavailable | undefined): number | undefined {
    if (!isAvailable(channels)) return undefined;
    const c = channels.current;
    return c.combined ?? (c.rx !== undefined || c.tx !== undefined ? Math.max(c.rx ?? 0, c.tx ?? 0) : undefined);
}

/**
 * The path read back: for each wire whose guest's facts name its benchmark NIC, a note where the
 * driver the guest bound is not the one the path's model gives it, and, for virtio (the model whose
 * queues the path sets), where the queue pairs the guest runs (ethtool -l) are not the path's (a NIC
 * on another path than the one the lab is labelled with). Empty when they agree, or where the facts
 * or the model are unknown.
 */
export function nicPathNotes(
    path: NicPath | undefined,
    wires: readonly { guest: string; guestNic: string }[],
    facts: Readonly<
        Record<string, { nics?: readonly { name: string; driver: string; channels?: NicChannels | Unavailable }[] } | undefined>
    >,
): string[] {
    const expected = path ? GUEST_DRIVERS[path.model] : undefined;
    if (!path || !expected) return [];
    return wires.flatMap((w) => {
        const nic = facts[w.guest]?.nics?.find((n) => n.name === w.guestNic);
        if (!nic) return [];
        if (!expected.includes(nic.driver))
            return [
                `${w.guest}'s ${w.guestNic} is driven by ${nic.driver}, but the NIC path says ${path.model} (${expected.join(" or ")}): the guest is not on the path its lab is labelled with`,
            ];
        const pairs = path.model === "virtio" ? queuePairs(nic.channels) : undefined;
        if (pairs === undefined || pairs === path.queues) return [];
        return [
            `${w.guest}'s ${w.guestNic} runs ${pairs} queue pair${pairs === 1 ? "" : "s"} (ethtool -l), but the NIC path says ${path.queues}: the guest is not on the path its lab is labelled with`,
        ];
    });
}
