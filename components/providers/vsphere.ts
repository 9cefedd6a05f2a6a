// Typed declarations of the few vSphere resources and functions the esx platform uses, with the
// type tokens, input names and plugin version of the official @pulumi/vsphere 4.17.0 SDK (which is
// not installable here), so a user's Pulumi CLI loads the real provider plugin. The conformance
// test holds every registration against ../shared/provider-schemas/vsphere.json.
import * as pulumi from "@pulumi/pulumi";

export const VSPHERE_VERSION = "4.17.0";
type In<T> = pulumi.Input<T>;

export interface VsphereProviderArgs {
    readonly vsphereServer: In<string>;
    readonly user: In<string>;
    /** Always registered as a secret (the schema does not flag it). */
    readonly password: In<string>;
    readonly allowUnverifiedSsl?: In<boolean>;
}

export class VsphereProvider extends pulumi.ProviderResource {
    constructor(name: string, args: VsphereProviderArgs, opts?: pulumi.ResourceOptions) {
        super(
            "vsphere",
            name,
            {
                vsphereServer: args.vsphereServer,
                user: args.user,
                password: pulumi.secret(args.password),
                // Provider inputs that are not strings travel JSON-encoded, as the official SDK sends them.
                allowUnverifiedSsl: pulumi.output(args.allowUnverifiedSsl).apply((v) => (v === undefined ? undefined : JSON.stringify(v))),
            },
            { ...opts, version: VSPHERE_VERSION },
        );
    }
}

export interface HostVirtualSwitchArgs {
    readonly name: In<string>;
    readonly hostSystemId: In<string>;
    readonly networkAdapters: In<In<string>[]>;
    readonly activeNics: In<In<string>[]>;
    readonly standbyNics?: In<In<string>[]>;
    readonly mtu?: In<number>;
    readonly numberOfPorts?: In<number>;
}

/** A standard vSwitch on one ESXi host. */
export class HostVirtualSwitch extends pulumi.CustomResource {
    declare readonly name: pulumi.Output<string>;

    constructor(name: string, args: HostVirtualSwitchArgs, opts?: pulumi.CustomResourceOptions) {
        super("vsphere:index/hostVirtualSwitch:HostVirtualSwitch", name, { ...args }, { ...opts, version: VSPHERE_VERSION });
    }
}

export interface HostPortGroupArgs {
    readonly name: In<string>;
    readonly hostSystemId: In<string>;
    readonly virtualSwitchName: In<string>;
    readonly vlanId?: In<number>;
}

/** A port group on a standard vSwitch. Its id is not a network id: look it up with getNetwork. */
export class HostPortGroup extends pulumi.CustomResource {
    declare readonly name: pulumi.Output<string>;

    constructor(name: string, args: HostPortGroupArgs, opts?: pulumi.CustomResourceOptions) {
        super("vsphere:index/hostPortGroup:HostPortGroup", name, { ...args }, { ...opts, version: VSPHERE_VERSION });
    }
}

export interface VirtualMachineDisk {
    readonly label: In<string>;
    readonly size?: In<number>;
    readonly thinProvisioned?: In<boolean>;
    readonly eagerlyScrub?: In<boolean>;
}

export interface VirtualMachineNetworkInterface {
    readonly networkId: In<string>;
    readonly adapterType?: In<string>;
}

export interface VirtualMachineClone {
    readonly templateUuid: In<string>;
    readonly linkedClone?: In<boolean>;
    readonly customize?: In<{
        readonly linuxOptions?: In<{ readonly hostName: In<string>; readonly domain: In<string>; readonly scriptText?: In<string> }>;
        readonly networkInterfaces?: In<In<{ readonly ipv4Address?: In<string>; readonly ipv4Netmask?: In<number> }>[]>;
        readonly ipv4Gateway?: In<string>;
        /** Minutes to wait after power-on for the guest to report the customization's outcome; below 1 disables the waiter (official default 10). */
        readonly timeout?: In<number>;
    }>;
}

export interface VirtualMachineArgs {
    readonly name: In<string>;
    readonly resourcePoolId: In<string>;
    readonly hostSystemId?: In<string>;
    readonly datastoreId?: In<string>;
    readonly numCpus?: In<number>;
    readonly memory?: In<number>;
    readonly guestId?: In<string>;
    readonly scsiType?: In<string>;
    readonly firmware?: In<string>;
    readonly disks?: In<In<VirtualMachineDisk>[]>;
    readonly networkInterfaces?: In<In<VirtualMachineNetworkInterface>[]>;
    readonly clone?: In<VirtualMachineClone>;
    /** Minutes to wait for the guest to report an IP address through VMware Tools; below 1 disables the waiter (official default 5). */
    readonly waitForGuestNetTimeout?: In<number>;
    /** Whether that waiter also waits for a default gateway and a routable address (official default true). */
    readonly waitForGuestNetRoutable?: In<boolean>;
}

export class VirtualMachine extends pulumi.CustomResource {
    declare readonly defaultIpAddress: pulumi.Output<string>;
    declare readonly moid: pulumi.Output<string>;

    constructor(name: string, args: VirtualMachineArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "vsphere:index/virtualMachine:VirtualMachine",
            name,
            { ...args, defaultIpAddress: undefined, moid: undefined },
            { ...opts, version: VSPHERE_VERSION },
        );
    }
}

function invoke<T>(token: string, args: Record<string, unknown>, opts?: pulumi.InvokeOutputOptions): pulumi.Output<T> {
    return pulumi.runtime.invokeOutput<T>(token, args, { ...opts, version: VSPHERE_VERSION });
}

export const getDatacenter = (args: { name: In<string> }, opts?: pulumi.InvokeOutputOptions) =>
    invoke<{ id: string; name: string }>("vsphere:index/getDatacenter:getDatacenter", args, opts);

export const getHost = (args: { name: In<string>; datacenterId: In<string> }, opts?: pulumi.InvokeOutputOptions) =>
    invoke<{ id: string; name: string; resourcePoolId: string }>("vsphere:index/getHost:getHost", args, opts);

export const getDatastore = (args: { name: In<string>; datacenterId: In<string> }, opts?: pulumi.InvokeOutputOptions) =>
    invoke<{ id: string }>("vsphere:index/getDatastore:getDatastore", args, opts);

export const getNetwork = (args: { name: In<string>; datacenterId: In<string> }, opts?: pulumi.InvokeOutputOptions) =>
    invoke<{ id: string; type: string }>("vsphere:index/getNetwork:getNetwork", args, opts);

export interface TemplateFacts {
    readonly id: string;
    readonly guestId: string;
    readonly scsiType: string;
    readonly firmware: string;
    readonly disks: { label: string; size: number; thinProvisioned: boolean; eagerlyScrub: boolean }[];
}

export const getVirtualMachine = (args: { name: In<string>; datacenterId: In<string> }, opts?: pulumi.InvokeOutputOptions) =>
    invoke<TemplateFacts>("vsphere:index/getVirtualMachine:getVirtualMachine", args, opts);
