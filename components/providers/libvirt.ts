// Typed declarations of the few libvirt resources the kvm and xen platforms use, with the type
// tokens, input names and plugin version of the official @pulumi/libvirt 0.5.4 SDK (which is not
// installable here), so a user's Pulumi CLI loads the real provider plugin. The conformance test
// holds every registration against ../shared/provider-schemas/libvirt.json.
import * as pulumi from "@pulumi/pulumi";

export const LIBVIRT_VERSION = "0.5.4";
type In<T> = pulumi.Input<T>;
const withVersion = <T extends object>(opts: T | undefined) => ({ ...opts, version: LIBVIRT_VERSION });

export class LibvirtProvider extends pulumi.ProviderResource {
    constructor(name: string, args: { readonly uri: In<string> }, opts?: pulumi.ResourceOptions) {
        super("libvirt", name, { uri: args.uri }, withVersion(opts));
    }
}

export interface PoolArgs {
    readonly name: In<string>;
    readonly type: In<string>;
    readonly target?: In<{ readonly path?: In<string> }>;
}

export class Pool extends pulumi.CustomResource {
    declare readonly name: pulumi.Output<string>;

    constructor(name: string, args: PoolArgs, opts?: pulumi.CustomResourceOptions) {
        super("libvirt:index/pool:Pool", name, { ...args }, withVersion(opts));
    }
}

export interface VolumeArgs {
    readonly name: In<string>;
    readonly pool?: In<string>;
    readonly source?: In<string>;
    readonly format?: In<string>;
    readonly baseVolumeId?: In<string>;
    /** Bytes. */
    readonly size?: In<number>;
}

export class Volume extends pulumi.CustomResource {
    constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions) {
        super("libvirt:index/volume:Volume", name, { ...args }, withVersion(opts));
    }
}

export interface CloudInitDiskArgs {
    readonly name: In<string>;
    readonly pool?: In<string>;
    readonly userData?: In<string>;
    readonly metaData?: In<string>;
    readonly networkConfig?: In<string>;
}

export class CloudInitDisk extends pulumi.CustomResource {
    constructor(name: string, args: CloudInitDiskArgs, opts?: pulumi.CustomResourceOptions) {
        super("libvirt:index/cloudInitDisk:CloudInitDisk", name, { ...args }, withVersion(opts));
    }
}

/** One NIC: the first set of networkName, networkId, bridge, vepa, macvtap, passthrough is its source. */
export interface DomainNetworkInterface {
    readonly mac?: In<string>;
    readonly bridge?: In<string>;
    readonly macvtap?: In<string>;
    /** Host NIC (or SR-IOV VF) given to the guest alone: <interface type='direct'><source dev=... mode='passthrough'/>. */
    readonly passthrough?: In<string>;
    readonly networkName?: In<string>;
    readonly waitForLease?: In<boolean>;
}

export interface DomainArgs {
    readonly name: In<string>;
    /** libvirt domain type: kvm (default), qemu (emulated) or xen. */
    readonly type?: In<string>;
    readonly vcpu?: In<number>;
    /** MiB. */
    readonly memory?: In<number>;
    readonly disks?: In<In<{ readonly volumeId?: In<string> }>[]>;
    readonly cloudinit?: In<string>;
    readonly networkInterfaces?: In<In<DomainNetworkInterface>[]>;
    readonly consoles?: In<In<{ readonly type: In<string>; readonly targetPort: In<string>; readonly targetType?: In<string> }>[]>;
    readonly cpu?: In<{ readonly mode?: In<string> }>;
    /** Direct kernel boot: kernel and initrd paths on the host, and the command line as maps of key=value ("_" for a bare word). */
    readonly kernel?: In<string>;
    readonly initrd?: In<string>;
    readonly cmdlines?: In<In<Record<string, In<string>>>[]>;
    readonly autostart?: In<boolean>;
    readonly running?: In<boolean>;
    readonly qemuAgent?: In<boolean>;
    /** XSLT applied to the generated domain XML before it is defined. */
    readonly xml?: In<{ readonly xslt?: In<string> }>;
}

export class Domain extends pulumi.CustomResource {
    constructor(name: string, args: DomainArgs, opts?: pulumi.CustomResourceOptions) {
        super("libvirt:index/domain:Domain", name, { ...args }, withVersion(opts));
    }
}
