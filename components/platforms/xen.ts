// The `xen` platform: Xen through libvirt's libxl driver over SSH (xen+ssh://), domain type xen.
// libxl rejects macvtap, so each dedicated pNIC is enslaved to a bridge of its own on the host and
// the guest's benchmark NIC joins that bridge. The provider's domain XML is made fit for Xen by
// xen-domain.xslt (no qemu guest-agent channel, Xen disks, PV network model). The rest is
// LibvirtLab's.
import type * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import type { LibvirtLabArgs } from "./libvirt-lab";
import { LibvirtLab } from "./libvirt-lab";
import { pnicBridgeScripts } from "./remote";

export const XEN_XSLT_PATH = path.join(__dirname, "xen-domain.xslt");

/** The bridge that carries guest i's benchmark NIC on the Xen host. */
export function xenBridge(labPrefix: string, i: number): string {
    return `${labPrefix}br${i + 1}`;
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
                domainType: "xen",
                pnic: { kind: "bridge", scripts: (label, nic, i) => pnicBridgeScripts(label, nic, bridge(i), args.config.mtu) },
                benchmarkNic: (i) => ({ bridge: bridge(i) }),
                xslt: readFileSync(XEN_XSLT_PATH, "utf8"),
            },
            opts,
        );
    }
}
