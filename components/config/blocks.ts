// The structured configuration blocks of the hypervisor stacks: the matched `guest` shape, the
// hypervisor `host` and its `peerHost`, the vSphere and libvirt connection details, and the xen
// guest mode. Each parser is pure and reports every problem with the key path, the value and the
// fix. A leaf like ./keys.ts: the platforms' parsers call these, and nothing here imports them.
import * as yaml from "js-yaml";
import type { Report } from "./keys";
import {
    ABSOLUTE_PATH,
    HOST,
    HOST_PORT,
    IFNAME,
    IMAGE,
    INVENTORY,
    KERNEL_CMDLINE,
    NAME,
    SSH_PUBLIC_KEY,
    USER,
    VSPHERE_USER,
} from "../../model";

/** The guest shape every hypervisor stack shares; the fingerprint covers it. */
export interface GuestShape {
    readonly vcpus: number;
    readonly memoryMiB: number;
    readonly diskGiB: number;
    /** Cloud image the kvm and xen guests boot (an http(s) URL, or a path on the machine running Pulumi, which uploads it). */
    readonly image?: string;
    /** Direct kernel boot of the kvm and xen guests, for images without a boot loader: kernel and initrd paths on the hypervisor host. */
    readonly kernel?: string;
    readonly initrd?: string;
    /** The kernel command line of a direct kernel boot. */
    readonly cmdline?: string;
    /** vSphere template the esx guests are cloned from. */
    readonly template?: string;
    /** OS user the runner logs in as. */
    readonly user: string;
    /** Public key authorized for that user. */
    readonly sshPublicKey: string;
}

/** A machine reached over SSH: the hypervisor or bare-metal host, or the peer. */
export interface HostSpec {
    /** Management address or DNS name. */
    readonly address: string;
    readonly user: string;
    readonly port: number;
    /** The NIC that carries management traffic; it must never carry benchmark traffic. */
    readonly managementNic: string;
    /** Dedicated benchmark NICs, guest i on nics[i]. */
    readonly nics: string[];
}

export interface VsphereSpec {
    readonly server: string;
    readonly user: string;
    readonly allowUnverifiedSsl: boolean;
    readonly datacenter: string;
    readonly datastore: string;
    /** Port group of the guests' management NIC. */
    readonly managementNetwork: string;
}

export interface LibvirtSpec {
    /** Storage pool the lab creates for its volumes. */
    readonly pool: string;
    readonly poolPath: string;
    /** Host bridge on the management LAN that the guests' management NIC joins. */
    readonly managementBridge: string;
    /** Private key file the libvirt provider's SSH client uses (empty: the SSH agent). */
    readonly keyfile: string;
    /** libvirt domain type: kvm (hardware acceleration), or qemu (emulation, for hosts without KVM). */
    readonly domainType: "kvm" | "qemu";
}

export const PATTERNS = {
    host: HOST,
    user: USER,
    vsphereUser: VSPHERE_USER,
    ifname: IFNAME,
    inventory: INVENTORY,
    image: IMAGE,
    path: ABSOLUTE_PATH,
    sshPublicKey: SSH_PUBLIC_KEY,
    kernelCmdline: KERNEL_CMDLINE,
    hostPort: HOST_PORT,
} as const;

/** The values a list holds more than once. */
export function repeated(values: readonly string[]): string[] {
    return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}

/** Parses a structured key as Pulumi passes it (JSON) or as written in YAML; undefined when unset. */
export function parseObject(key: string, raw: string | undefined, report: Report): Record<string, unknown> | undefined {
    if (raw === undefined || raw.trim() === "") return undefined;
    let value: unknown;
    try {
        value = yaml.load(raw);
    } catch {
        value = undefined;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        report(key, raw, "is not a block of settings", `write it as a YAML mapping under hvnetlab:${key} in the stack file`);
        return undefined;
    }
    return value as Record<string, unknown>;
}

/** Typed field readers over one block, reporting as hvnetlab:block.field. */
function fields(block: string, obj: Record<string, unknown>, report: Report) {
    const at = (f: string) => `${block}.${f}`;
    const str = (f: string, pattern: RegExp, fix: string, fallback?: string): string => {
        const v = obj[f];
        if (v === undefined || v === null || v === "") {
            if (fallback !== undefined) return fallback;
            report(at(f), v, "is missing", fix);
            return "";
        }
        if (typeof v !== "string" || !pattern.test(v)) report(at(f), v, "is not valid", fix);
        return String(v);
    };
    const int = (f: string, min: number, max: number, fallback?: number): number => {
        const v = obj[f] ?? fallback;
        if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
            report(at(f), obj[f], v === undefined ? "is missing" : "is out of range", `use a whole number from ${min} to ${max}`);
            return NaN;
        }
        return v;
    };
    const bool = (f: string, fallback: boolean): boolean => {
        const v = obj[f] ?? fallback;
        if (typeof v !== "boolean") {
            report(at(f), v, "is not a boolean", "use true or false");
            return fallback;
        }
        return v;
    };
    const list = (f: string, pattern: RegExp, fix: string): string[] => {
        const v = obj[f];
        if (!Array.isArray(v) || v.length === 0) {
            report(at(f), v, "is not a list", fix);
            return [];
        }
        const bad = v.filter((x) => typeof x !== "string" || !pattern.test(x));
        if (bad.length > 0) report(at(f), v, `has invalid entries ${bad.map((x) => JSON.stringify(x)).join(", ")}`, fix);
        return v.map(String);
    };
    const unknown = (known: readonly string[]) => {
        const extra = Object.keys(obj).filter((k) => !known.includes(k));
        if (extra.length > 0)
            report(block, Object.keys(obj).join(","), `has unknown setting(s) ${extra.join(", ")}`, `use only ${known.join(", ")}`);
    };
    return { str, int, bool, list, unknown };
}

/**
 * The most vCPUs a guest may have: Xen's HVM_MAX_VCPUS (128, xen/include/public/hvm/hvm_info_table.h,
 * the lowest of the hypervisors' caps; QEMU's q35 machine takes 288, a vSphere 8 VM 768). One
 * limit for every hypervisor, since the guest shape is matched across stacks.
 */
export const GUEST_MAX_VCPUS = 128;

export function parseGuest(obj: Record<string, unknown>, report: Report): GuestShape {
    const f = fields("guest", obj, report);
    f.unknown(["vcpus", "memoryMiB", "diskGiB", "image", "template", "user", "sshPublicKey", "kernel", "initrd", "cmdline"]);
    const optional = (key: string, pattern: RegExp, fix: string) => (obj[key] === undefined ? undefined : f.str(key, pattern, fix));
    const kernel = optional("kernel", PATTERNS.path, "use the absolute path of the guest kernel on the hypervisor host");
    const initrd = optional("initrd", PATTERNS.path, "use the absolute path of the guest initrd on the hypervisor host");
    const cmdline = optional("cmdline", PATTERNS.kernelCmdline, "use kernel arguments separated by single spaces, e.g. root=/dev/vda rw");
    if (cmdline !== undefined && cmdline.split(" ").some((w) => w.startsWith("console=")))
        report(
            "guest.cmdline",
            cmdline,
            "sets console=, which the platform sets (kvm ttyS0; xen hvc0 for PV guests, ttyS0 for HVM)",
            "remove console= from guest.cmdline: the official libvirt provider sorts the kernel's arguments, so consoles given here would reach the guest in another order than written (the last is the primary)",
        );
    if ((kernel === undefined) !== (initrd === undefined))
        report(
            "guest.kernel",
            kernel ?? initrd,
            "and guest.initrd go together",
            "give both the kernel and the initrd for a direct kernel boot, or neither",
        );
    if (cmdline !== undefined && kernel === undefined)
        report(
            "guest.cmdline",
            cmdline,
            "is set without guest.kernel",
            "a command line applies to a direct kernel boot: set guest.kernel and guest.initrd too",
        );
    const image = optional("image", PATTERNS.image, "use an http(s) URL or an absolute path of a qcow2 cloud image");
    const template = optional("template", PATTERNS.inventory, "use the vSphere template's name");
    return {
        vcpus: f.int("vcpus", 1, GUEST_MAX_VCPUS),
        memoryMiB: f.int("memoryMiB", 256, 4 * 1024 * 1024),
        diskGiB: f.int("diskGiB", 1, 65536),
        ...(image !== undefined ? { image } : {}),
        ...(template !== undefined ? { template } : {}),
        ...(kernel !== undefined ? { kernel } : {}),
        ...(initrd !== undefined ? { initrd } : {}),
        ...(cmdline !== undefined ? { cmdline } : {}),
        user: f.str("user", PATTERNS.user, "use a Linux user name (lowercase letters, digits, _ and -)"),
        sshPublicKey: f.str("sshPublicKey", PATTERNS.sshPublicKey, "paste one OpenSSH public key line (ssh-ed25519 AAAA... comment)"),
    };
}

/** A host block; `needsSsh` is false for an ESXi host, which vSphere manages. */
export function parseHost(block: "host" | "peerHost", obj: Record<string, unknown>, needsSsh: boolean, report: Report): HostSpec {
    const f = fields(block, obj, report);
    f.unknown(["address", "user", "port", "managementNic", "nics"]);
    const nicFix = "list the dedicated NICs by their names on that machine, e.g. [enp3s0f0, enp3s0f1]";
    const nics = f.list("nics", PATTERNS.ifname, nicFix);
    const managementNic = f.str("managementNic", PATTERNS.ifname, "name the NIC that carries management traffic (e.g. eno1, vmnic0)");
    const twice = repeated(nics);
    if (twice.length > 0)
        report(`${block}.nics`, nics, `lists ${twice.join(", ")} more than once`, "give every guest its own NIC: list each NIC once");
    if (managementNic !== "" && nics.includes(managementNic)) {
        report(
            `${block}.nics`,
            nics,
            `includes the management NIC ${managementNic}`,
            "benchmark traffic must stay off the management network: list only dedicated NICs",
        );
    }
    return {
        // An ESXi host is reached through vCenter, by its name in vCenter's inventory.
        address: needsSsh
            ? f.str("address", PATTERNS.host, "use the machine's management IPv4 address or DNS name")
            : f.str("address", PATTERNS.inventory, "use the ESXi host's name in vCenter"),
        user: needsSsh
            ? f.str("user", PATTERNS.user, "use the SSH login user (root, or a user with passwordless sudo)")
            : String(obj.user ?? ""),
        port: f.int("port", 1, 65535, 22),
        managementNic,
        nics,
    };
}

export function parseVsphere(obj: Record<string, unknown>, report: Report): VsphereSpec {
    const f = fields("vsphere", obj, report);
    f.unknown(["server", "user", "allowUnverifiedSsl", "datacenter", "datastore", "managementNetwork"]);
    return {
        server: f.str("server", PATTERNS.hostPort, "use the vCenter (or ESXi) address or DNS name, with :port if not 443"),
        user: f.str("user", PATTERNS.vsphereUser, "use a vSphere user such as administrator@vsphere.local"),
        allowUnverifiedSsl: f.bool("allowUnverifiedSsl", false),
        datacenter: f.str("datacenter", PATTERNS.inventory, "use the datacenter's name (ha-datacenter on a standalone ESXi)"),
        datastore: f.str("datastore", PATTERNS.inventory, "use the name of the datastore the guests' disks go on"),
        managementNetwork: f.str("managementNetwork", PATTERNS.inventory, "use the port group of the management network, e.g. VM Network"),
    };
}

/** The xen block (hvnetlab:xen) as parsed; see parseXen. */
export interface XenSpec {
    /** How Xen runs the guests: hvm (hardware virtualization with PV drivers) or pv (paravirtualized). */
    readonly guestMode: "hvm" | "pv";
}

/** The xen block: guestMode hvm (default, as XCP-ng and XenServer run guests) or pv. */
export function parseXen(obj: Record<string, unknown>, report: Report): XenSpec {
    const f = fields("xen", obj, report);
    f.unknown(["guestMode"]);
    const mode = f.str("guestMode", /^(hvm|pv)$/, "use hvm (hardware virtualization, as XCP-ng and XenServer run guests) or pv", "hvm");
    return { guestMode: mode === "pv" ? "pv" : "hvm" };
}

export function parseLibvirt(obj: Record<string, unknown>, labPrefix: string, report: Report): LibvirtSpec {
    const f = fields("libvirt", obj, report);
    f.unknown(["pool", "poolPath", "managementBridge", "keyfile", "domainType"]);
    const domainType = f.str("domainType", /^(kvm|qemu)$/, "use kvm, or qemu on a host without KVM (emulated, slow)", "kvm");
    return {
        pool: f.str("pool", NAME, "use a storage pool name", labPrefix),
        poolPath: f.str("poolPath", PATTERNS.path, "use an absolute directory on the host", `/var/lib/libvirt/images/${labPrefix}`),
        managementBridge: f.str("managementBridge", PATTERNS.ifname, "name the host bridge on the management LAN (e.g. br0)"),
        keyfile: f.str("keyfile", PATTERNS.path, "use the absolute path of a private key file, or leave it out to use the SSH agent", ""),
        domainType: domainType === "qemu" ? "qemu" : "kvm",
    };
}
