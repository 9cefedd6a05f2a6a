// The `xen` platform: Xen through libvirt's libxl driver over SSH (xen+ssh://), domain type xen.
// libxl rejects macvtap, so each dedicated pNIC is enslaved to a bridge of its own on the host and
// the guest's benchmark NIC joins that bridge. The provider's domain XML is made fit for Xen by
// xen-domain.xslt (the guest mode, HVM or PV; no qemu guest-agent channel, Xen disks, PV network
// model). The rest is LibvirtLab's.
import type * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import type { XenSpec } from "../config-blocks";
import type { PlanHost, PlanWire } from "../../benchmarks/types";
import type { LibvirtConfig, LibvirtLabArgs } from "./libvirt-lab";
import { LibvirtLab, libvirtPlanHost } from "./libvirt-lab";
import { pnicBridgeScripts } from "./remote";

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

/** The bridge that carries guest i's benchmark NIC on the Xen host. */
export function xenBridge(labPrefix: string, i: number): string {
    return `${labPrefix}br${i + 1}`;
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
        const bridge = (i: number) => xenBridge(args.config.labPrefix, i);
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
            },
            opts,
        );
    }
}
