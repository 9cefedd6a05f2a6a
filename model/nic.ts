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
