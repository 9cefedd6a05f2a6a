// The virtual NIC path block (hvnetlab:nic) of the esx, kvm and xen stacks: the guest's device
// model, its queue pairs, how the device reaches the dedicated pNIC, vhost-net, and where the
// vCPUs run. Each field is checked against what its platform supports, with the platform's
// default where it is absent, and every refusal names the field, the platform and the choices.
// What each platform supports, and why:
// - kvm (QEMU through libvirt): the models QEMU's PC machines emulate for a Linux guest (virtio-net,
//   e1000e, e1000, rtl8139); multiqueue on virtio only (libvirt's <driver queues=N/>, formatdomain
//   "Setting NIC driver-specific options"); macvtap, a bridge, macvtap passthrough mode (the
//   exclusive use of a NIC or an SR-IOV VF) or <interface type='hostdev'>; vhost-net on virtio only.
// - xen (libxl): netfront, the PV driver (the only device of a PV guest), or an emulated e1000 or
//   rtl8139 for an HVM guest (xl-network-configuration: model=), on a bridge. PCI passthrough is
//   not offered yet: Xen owns the IOMMU and hands devices over through xen-pciback, which needs a
//   preflight of its own.
// - esx (vSphere): the VirtualMachine resource's adapterType (vmxnet3, e1000e, e1000) on a standard
//   vSwitch. vSphere's resource has no input for vmxnet3's queues, so only 1 is taken. SR-IOV
//   (physicalFunction) and DirectPath I/O (pciDeviceIds) are not offered yet: vSphere's guest
//   customization addresses vNICs only, so the guest's benchmark address would need another way in.
//   Nor is pinning: the VirtualMachine resource has no input for CPU affinity.
// With a device handed over (kvm hostdev), the guest drives the VF with the VF's own driver: the
// model, queues and vhost do not apply, and the path's model is "vf".
import type { NicPath } from "../../model";
import type { Report } from "./keys";

/** The platforms with a virtual NIC path. */
export type NicPlatform = "kvm" | "xen" | "esx";

/** What one platform offers for each field, its default first. */
interface NicChoices {
    readonly models: readonly string[];
    /** The models with multiqueue. */
    readonly multiqueue: readonly string[];
    readonly attaches: readonly string[];
    /** Attachments that hand the guest a PCI device (a VF or the NIC itself), named in `devices`. */
    readonly deviceAttaches: readonly string[];
    readonly vhost: boolean;
    /** Whether the guests' vCPUs can be pinned (libvirt's <cputune>). */
    readonly pinning: boolean;
    /** Whether QEMU's emulator and I/O threads can be pinned (`io` of a pinning entry). */
    readonly ioPinning: boolean;
}

/** Each platform's choices (defaults first); see the file's header for their sources. */
export const NIC_CHOICES: Record<NicPlatform, NicChoices> = {
    kvm: {
        models: ["virtio", "e1000e", "e1000", "rtl8139"],
        multiqueue: ["virtio"],
        attaches: ["macvtap", "bridge", "passthrough", "hostdev"],
        deviceAttaches: ["hostdev"],
        vhost: true,
        pinning: true,
        ioPinning: true,
    },
    xen: {
        models: ["netfront", "e1000", "rtl8139"],
        multiqueue: [],
        attaches: ["bridge"],
        deviceAttaches: [],
        vhost: false,
        pinning: true,
        ioPinning: false,
    },
    esx: {
        models: ["vmxnet3", "e1000e", "e1000"],
        multiqueue: [],
        attaches: ["vswitch"],
        deviceAttaches: [],
        vhost: false,
        pinning: false,
        ioPinning: false,
    },
};

/** The most queue pairs a virtio NIC takes (QEMU's VIRTIO_QUEUE_MAX / 2 - 1 is higher; libvirt takes up to the vCPUs). */
export const MAX_NIC_QUEUES = 64;

/** Host CPUs in the kernel's list syntax: "3", "2-5", "0,2,4-6". */
export const CPU_LIST = /^\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*$/;
/** A PCI address with its domain, as sysfs names devices: 0000:3b:02.1. */
export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;

/** Where one guest's vCPUs run: a host CPU list per vCPU, and (kvm) QEMU's emulator and I/O threads. */
export interface GuestPinning {
    readonly vcpus: readonly string[];
    readonly io?: string;
}

/** The hvnetlab:nic block as parsed: the path, and what it needs per guest. */
export interface NicSpec {
    readonly path: NicPath;
    /** One entry per guest (guest i, in wire order) when pinned; empty when not. */
    readonly pinning: readonly GuestPinning[];
    /** One PCI address per guest for the attachments that hand over a device; empty otherwise. */
    readonly devices: readonly string[];
}

/** The platform's default path: its first model and attachment, 1 queue, libvirt's vhost default, no pinning. */
export function defaultNicSpec(platform: NicPlatform): NicSpec {
    const c = NIC_CHOICES[platform];
    return { path: { model: c.models[0], queues: 1, attach: c.attaches[0], pinned: false }, pinning: [], devices: [] };
}

/** What parseNic needs of the rest of the lab. */
export interface NicContext {
    readonly platform: NicPlatform;
    /** hvnetlab:guests (NaN when it did not parse). */
    readonly guests: number;
    /** guest.vcpus (NaN when it did not parse). */
    readonly vcpus: number;
    /** xen: the guest mode; a PV guest has netfront only. */
    readonly xenGuestMode?: "hvm" | "pv";
}

const words = (xs: readonly string[]) => xs.join(", ");

/** Whether a CPU list is in the kernel's syntax with every range ascending ("2-5", not "5-2"). */
export function validCpuList(list: string): boolean {
    return (
        CPU_LIST.test(list) &&
        list.split(",").every((r) => {
            const [a, b] = r.split("-").map(Number);
            return b === undefined || a <= b;
        })
    );
}

/** A CPU list's highest CPU, or NaN when the list is not in the kernel's syntax. */
export function highestCpu(list: string): number {
    if (!CPU_LIST.test(list)) return NaN;
    return Math.max(...list.split(/[,-]/).map(Number));
}

function parseModel(obj: Record<string, unknown>, ctx: NicContext, report: Report): string {
    const c = NIC_CHOICES[ctx.platform];
    const model = obj.model ?? c.models[0];
    if (typeof model !== "string" || !c.models.includes(model)) {
        report(
            "nic.model",
            model,
            `is not a NIC model of the ${ctx.platform} platform`,
            `use one of ${words(c.models)} (default ${c.models[0]})`,
        );
        return c.models[0];
    }
    if (ctx.platform === "xen" && ctx.xenGuestMode === "pv" && model !== "netfront")
        report("nic.model", model, "is emulated by QEMU, which a PV guest does not have", "use netfront, or hvnetlab:xen.guestMode hvm");
    return model;
}

function parseQueues(obj: Record<string, unknown>, model: string, ctx: NicContext, report: Report): number {
    const queues = obj.queues ?? 1;
    if (typeof queues !== "number" || !Number.isInteger(queues) || queues < 1 || queues > MAX_NIC_QUEUES) {
        report("nic.queues", queues, "is not a queue count", `use a whole number from 1 to ${MAX_NIC_QUEUES}`);
        return 1;
    }
    if (queues > 1 && !NIC_CHOICES[ctx.platform].multiqueue.includes(model)) {
        const why =
            ctx.platform === "esx"
                ? "vSphere's VirtualMachine resource has no input for a vNIC's queues"
                : `the ${ctx.platform} platform's ${model} model has one queue pair`;
        const fix = NIC_CHOICES[ctx.platform].multiqueue.length
            ? `use model ${words(NIC_CHOICES[ctx.platform].multiqueue)}, or queues 1`
            : "leave queues out (1)";
        report("nic.queues", queues, `asks for multiqueue, but ${why}`, fix);
    } else if (queues > 1 && Number.isInteger(ctx.vcpus) && queues > ctx.vcpus)
        report(
            "nic.queues",
            queues,
            `is more than the guest's ${ctx.vcpus} vCPU(s): a queue pair beyond one per vCPU stays idle`,
            `use at most ${ctx.vcpus}, or give the guest more vCPUs`,
        );
    return queues;
}

function parseAttach(obj: Record<string, unknown>, ctx: NicContext, report: Report): string {
    const c = NIC_CHOICES[ctx.platform];
    const attach = obj.attach ?? c.attaches[0];
    if (typeof attach !== "string" || !c.attaches.includes(attach)) {
        report(
            "nic.attach",
            attach,
            `is not a way the ${ctx.platform} platform attaches a NIC`,
            `use one of ${words(c.attaches)} (default ${c.attaches[0]})`,
        );
        return c.attaches[0];
    }
    return attach;
}

function parseVhost(obj: Record<string, unknown>, model: string, ctx: NicContext, report: Report): "on" | "off" | undefined {
    if (obj.vhost === undefined) return undefined;
    // YAML 1.1 reads a bare on/off as a boolean.
    const v = obj.vhost === true ? "on" : obj.vhost === false ? "off" : obj.vhost;
    if (!NIC_CHOICES[ctx.platform].vhost) {
        report("nic.vhost", v, "applies to the kvm platform only (vhost-net is a Linux host's virtio backend)", "leave nic.vhost out");
        return undefined;
    }
    if (v !== "on" && v !== "off") {
        report(
            "nic.vhost",
            v,
            "is not on or off",
            "use on (vhost-net) or off (QEMU's own virtio backend), or leave it out for libvirt's default",
        );
        return undefined;
    }
    if (model !== "virtio")
        report("nic.vhost", v, `applies to the virtio model only, not ${model}`, "leave nic.vhost out, or use model virtio");
    return v;
}

function parseDevices(obj: Record<string, unknown>, attach: string, ctx: NicContext, report: Report): string[] {
    const needs = NIC_CHOICES[ctx.platform].deviceAttaches.includes(attach);
    const v = obj.devices;
    if (!needs) {
        const attaches = NIC_CHOICES[ctx.platform].deviceAttaches;
        if (v !== undefined)
            report(
                "nic.devices",
                v,
                attaches.length ? `apply to attach ${words(attaches)} only` : `apply to no attachment of the ${ctx.platform} platform`,
                "leave nic.devices out",
            );
        return [];
    }
    const fix = "list one PCI address per guest, as sysfs names it (e.g. [0000:3b:02.0, 0000:3b:02.1]): the SR-IOV VF each guest gets";
    if (!Array.isArray(v)) {
        report(
            "nic.devices",
            v,
            v === undefined ? `are missing, but attach ${attach} hands each guest a PCI device` : "is not a list",
            fix,
        );
        return [];
    }
    const devices = v.map(String);
    const bad = v.filter((d) => typeof d !== "string" || !PCI_ADDRESS.test(d));
    if (bad.length > 0)
        report("nic.devices", v, `has entries that are not PCI addresses: ${bad.map((d) => JSON.stringify(d)).join(", ")}`, fix);
    if (Number.isInteger(ctx.guests) && devices.length !== ctx.guests)
        report("nic.devices", v, `lists ${devices.length} device(s) for ${ctx.guests} guest(s)`, fix);
    const twice = devices.filter((d, i) => devices.indexOf(d) !== i);
    if (twice.length > 0) report("nic.devices", v, `lists ${words([...new Set(twice)])} more than once`, "give every guest its own device");
    return devices;
}

function parsePinning(obj: Record<string, unknown>, ctx: NicContext, report: Report): GuestPinning[] {
    const v = obj.pinning ?? "none";
    if (v === "none") return [];
    if (!NIC_CHOICES[ctx.platform].pinning) {
        report(
            "nic.pinning",
            v,
            `is not offered on the ${ctx.platform} platform: vSphere's VirtualMachine resource has no input for CPU affinity`,
            "leave nic.pinning out (none)",
        );
        return [];
    }
    const fix = `use none, or a list with one entry per guest: { vcpus: [<CPU list per vCPU>]${NIC_CHOICES[ctx.platform].ioPinning ? ", io: <CPU list>" : ""} }, e.g. [{ vcpus: ["2"] }]`;
    if (!Array.isArray(v)) {
        report("nic.pinning", v, "is not none or a list", fix);
        return [];
    }
    if (Number.isInteger(ctx.guests) && v.length !== ctx.guests)
        report("nic.pinning", v, `has ${v.length} entries for ${ctx.guests} guest(s)`, fix);
    return v.map((entry, i) => parseGuestPinning(entry, i, ctx, report, fix));
}

function parseGuestPinning(entry: unknown, i: number, ctx: NicContext, report: Report, fix: string): GuestPinning {
    const at = `nic.pinning[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        report(at, entry, "is not a mapping", fix);
        return { vcpus: [] };
    }
    const e = entry as Record<string, unknown>;
    const known = NIC_CHOICES[ctx.platform].ioPinning ? ["vcpus", "io"] : ["vcpus"];
    const extra = Object.keys(e).filter((k) => !known.includes(k));
    if (extra.length > 0)
        report(
            at,
            Object.keys(e).join(","),
            `has ${words(extra)}, which the ${ctx.platform} platform cannot pin`,
            `use only ${words(known)}`,
        );
    const vcpus = Array.isArray(e.vcpus) ? e.vcpus.map(String) : [];
    if (!Array.isArray(e.vcpus) || e.vcpus.some((c) => typeof c !== "string" || !validCpuList(c)))
        report(
            `${at}.vcpus`,
            e.vcpus,
            "is not a list of host CPU lists",
            'give one CPU list per vCPU in the kernel\'s syntax, e.g. ["2", "3"] or ["2-3", "2-3"]',
        );
    else if (Number.isInteger(ctx.vcpus) && vcpus.length !== ctx.vcpus)
        report(
            `${at}.vcpus`,
            e.vcpus,
            `has ${vcpus.length} CPU list(s) for the guest's ${ctx.vcpus} vCPU(s)`,
            "give one CPU list per vCPU",
        );
    const io = e.io === undefined ? undefined : String(e.io);
    if (io !== undefined && (typeof e.io !== "string" || !validCpuList(io)))
        report(`${at}.io`, e.io, "is not a host CPU list", 'use the kernel\'s syntax, e.g. "0" or "0-1"');
    return { vcpus, ...(io !== undefined && known.includes("io") ? { io } : {}) };
}

/**
 * The hvnetlab:nic block of an esx, kvm or xen lab, every field checked against the platform
 * (NIC_CHOICES) and against the guests: `queues` at most the vCPUs, one PCI address per guest in
 * `devices` where the attachment hands over a device, one pinning entry per guest with one CPU
 * list per vCPU. Unknown fields and every problem are reported through `report`; the result then
 * holds the platform's defaults where a field was wrong.
 */
export function parseNic(obj: Record<string, unknown> | undefined, ctx: NicContext, report: Report): NicSpec {
    if (obj === undefined) return defaultNicSpec(ctx.platform);
    const known = ["model", "queues", "attach", "vhost", "pinning", "devices"];
    const extra = Object.keys(obj).filter((k) => !known.includes(k));
    if (extra.length > 0) report("nic", Object.keys(obj).join(","), `has unknown setting(s) ${words(extra)}`, `use only ${words(known)}`);
    const attach = parseAttach(obj, ctx, report);
    const devices = parseDevices(obj, attach, ctx, report);
    const pinning = parsePinning(obj, ctx, report);
    if (NIC_CHOICES[ctx.platform].deviceAttaches.includes(attach)) {
        // The guest drives the VF with the VF's own driver: nothing of the emulated device applies.
        for (const field of ["model", "queues", "vhost"].filter((f) => obj[f] !== undefined))
            report(
                `nic.${field}`,
                obj[field],
                `does not apply with attach ${attach}: the guest drives its VF with the VF's own driver`,
                `leave nic.${field} out`,
            );
        return { path: { model: "vf", queues: 1, attach, pinned: pinning.length > 0 }, pinning, devices };
    }
    const model = parseModel(obj, ctx, report);
    const queues = parseQueues(obj, model, ctx, report);
    const vhost = parseVhost(obj, model, ctx, report);
    return { path: { model, queues, attach, ...(vhost ? { vhost } : {}), pinned: pinning.length > 0 }, pinning, devices };
}

/**
 * The host preflight's check of the pinning: every CPU a list names exists on the host
 * (`nproc --all` there). Each entry is "<list> (nic.pinning[i]...)" with its highest CPU.
 */
export function pinnedCpus(pinning: readonly GuestPinning[]): { where: string; list: string; highest: number }[] {
    return pinning.flatMap((p, i) => [
        ...p.vcpus.map((list, v) => ({ where: `nic.pinning[${i}].vcpus[${v}]`, list, highest: highestCpu(list) })),
        ...(p.io !== undefined ? [{ where: `nic.pinning[${i}].io`, list: p.io, highest: highestCpu(p.io) }] : []),
    ]);
}
