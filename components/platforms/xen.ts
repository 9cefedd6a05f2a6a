// The `xen` platform: Xen through libvirt's libxl driver over SSH (xen+ssh://), domain type xen.
// libxl rejects macvtap, so each dedicated pNIC is enslaved to a bridge of its own on the host and
// the guest's benchmark NIC joins that bridge. The provider's domain XML is made fit for Xen by
// xen-domain.xslt (the guest mode, HVM or PV; no qemu guest-agent channel, Xen disks, PV network
// model). The rest is LibvirtLab's.
import type * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import type { XenSpec } from "../config";
import type { PlanHost, PlanWire } from "../../model";
import { AS_ROOT, exitWithError, script, SAFE, shellQuote } from "../scripts";
import type { LibvirtConfig, LibvirtLabArgs } from "./libvirt-lab";
import { LibvirtLab, libvirtPlanHost } from "./libvirt-lab";
import { pnicBridge, pnicBridgeScripts } from "./remote";

export const XEN_XSLT_PATH = path.join(__dirname, "xen-domain.xslt");

/** How Xen runs the guests (hvnetlab:xen.guestMode): hardware-virtualized with PV drivers, or paravirtualized. */
export type XenGuestMode = XenSpec["guestMode"];
export const XEN_GUEST_MODES: readonly XenGuestMode[] = ["hvm", "pv"];

/** The line of xen-domain.xslt that chooses the guest mode, as the file ships it (hvm). */
const MODE_LINE = `<xsl:variable name="guestMode" select="'hvm'"/>`;

/**
 * xen-domain.xslt for one guest mode: the stylesheet with its guestMode variable set. Throws a
 * RangeError for another mode, and an Error when the stylesheet lacks the variable's line.
 */
export function xenDomainXslt(mode: XenGuestMode, sheet: string = readFileSync(XEN_XSLT_PATH, "utf8")): string {
    if (!XEN_GUEST_MODES.includes(mode)) throw new RangeError(`Xen guest mode must be hvm or pv, got '${String(mode)}'`);
    if (!sheet.includes(MODE_LINE)) throw new Error(`${XEN_XSLT_PATH} lacks the line ${MODE_LINE}`);
    return sheet.replace(MODE_LINE, `<xsl:variable name="guestMode" select="'${mode}'"/>`);
}

/**
 * The Xen host's own checks, before anything is made there (run with the host preflight): Xen's
 * toolstack is there (`xl`), Xen can run the guest mode (`xl info`'s virt_caps lists `hvm` only
 * with VT-x or AMD-V; `pv` always), libvirtd answers for xen:///system (its libxl driver, from
 * libvirt-daemon-driver-xen, is loaded), and the guests' kernel and initrd are where the guest
 * block says. Each failure is one line: what is wrong on which host, and what to do.
 */
export function xenHostPreflightScript(label: string, mode: XenGuestMode, bootFiles: readonly { key: string; path: string }[]): string {
    if (!XEN_GUEST_MODES.includes(mode)) throw new RangeError(`Xen guest mode must be hvm or pv, got '${String(mode)}'`);
    const files = bootFiles.map(
        (f) =>
            `run test -r ${shellQuote(f.path, SAFE.path)} || ${exitWithError(`${f.key} ${f.path} is missing on ${label}: copy it there, or fix hvnetlab:${f.key}`)}`,
    );
    return script(
        AS_ROOT,
        `command -v xl >/dev/null || ${exitWithError(`xl not found on ${label}: it is not a Xen dom0 (install xen-utils and boot the host into Xen)`)}`,
        `caps=$(run xl info 2>/dev/null | sed -n 's/^virt_caps[[:space:]]*:[[:space:]]*//p')`,
        `[ -n "$caps" ] || ${exitWithError(`xl info on ${label} reports no virt_caps: is the host running Xen, and is this dom0?`)}`,
        `case " $caps " in *" ${mode} "*) ;; *) ${exitWithError(
            mode === "hvm"
                ? `hvnetlab:xen.guestMode hvm needs hardware virtualization, but Xen on ${label} reports virt_caps: $caps (xl info): enable VT-x or AMD-V, or use guestMode pv`
                : `hvnetlab:xen.guestMode pv, but Xen on ${label} reports virt_caps: $caps (xl info): use guestMode hvm`,
        )} ;; esac`,
        `out=$(run virsh -c xen:///system uri 2>&1) || ${exitWithError(`libvirtd on ${label} does not serve xen:///system, so its libxl driver is missing or not running ($out): install libvirt-daemon-driver-xen and restart libvirtd`)}`,
        ...files,
    );
}

/**
 * Xen's dom0 as the plan names it: machine "dom0", sampled by the xen sampler (dom0's /proc/stat,
 * whose cpuN are dom0's vCPUs, and `xentop -b` for Domain-0 and each guest's domain), reached over
 * the SSH login of the xen+ssh:// URI. The sampler needs xentop on dom0 and a login allowed to run
 * it (root); each guest's domain name is its libvirt name (libvirtDomainName). A lab outside the
 * Pulumi program (tools/labs) builds the same entry with this function, or with libvirtPlanHost.
 */
export function xenPlanHost(config: Pick<LibvirtConfig, "host" | "labPrefix" | "guest">, wires: readonly PlanWire[]): PlanHost {
    return libvirtPlanHost("dom0", "xen", config, wires);
}

/**
 * The Xen lab: libvirt's libxl driver over xen+ssh, each dedicated pNIC enslaved to a bridge of
 * its own (libxl rejects macvtap), the domain XML fixed up by xen-domain.xslt.
 */
export class XenLab extends LibvirtLab {
    constructor(name: string, args: LibvirtLabArgs, opts?: pulumi.ComponentResourceOptions) {
        const bridge = (i: number) => pnicBridge(args.config.labPrefix, i);
        super(
            "hvnetlab:platforms:XenLab",
            name,
            args,
            {
                scheme: "xen+ssh",
                planHost: (wires) => xenPlanHost(args.config, wires),
                domainType: "xen",
                pnic: { kind: "bridge", scripts: (label, nic, i) => pnicBridgeScripts(label, nic, bridge(i), args.config.mtu) },
                benchmarkNic: (i) => ({ bridge: bridge(i) }),
                xslt: xenDomainXslt(args.config.xenGuestMode ?? "hvm"),
                // A PV guest's console is Xen's (hvc0), an HVM guest's the emulated serial port.
                console: (args.config.xenGuestMode ?? "hvm") === "pv" ? "hvc0" : "ttyS0",
                // libvirt's libxl driver offers one machine for HVM guests, xenfv; without it the
                // official provider looks for pc and fails (v0.8.1 libvirt/utils_domain_def.go
                // getMachineTypeForArch). A PV guest gets xenpv from the XSLT.
                machine: "xenfv",
                hostPreflight: (label) =>
                    xenHostPreflightScript(
                        label,
                        args.config.xenGuestMode ?? "hvm",
                        [
                            { key: "guest.kernel", path: args.config.guest.kernel },
                            { key: "guest.initrd", path: args.config.guest.initrd },
                        ].filter((f): f is { key: string; path: string } => f.path !== undefined),
                    ),
            },
            opts,
        );
    }
}
