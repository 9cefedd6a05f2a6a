// The `kvm` platform: KVM through libvirt over SSH (qemu+ssh://); libvirt.domainType qemu runs
// the same lab emulated, on hosts without KVM. Each guest's benchmark NIC is a
// macvtap (direct) interface on its dedicated pNIC, which the host brings up with the wire MTU
// first. The runner samples the host's CPU with the kvm sampler (kvmPlanHost). The rest (host preflight, pool, volumes, cloud-init, domains, peer) is LibvirtLab's.
import type * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import type { PlanHost, PlanWire } from "../../model";
import type { libvirt } from "../providers";
import type { LibvirtConfig, LibvirtLabArgs } from "./libvirt-lab";
import { LibvirtLab, libvirtPlanHost } from "./libvirt-lab";
import type { PnicSetup } from "./remote";
import { pnicBridge, pnicBridgeScripts, pnicUpScripts } from "./remote";

/** The stylesheet applied to every kvm domain's XML (kvm-domain.xslt: no graphics). */
export const KVM_XSLT_PATH = path.join(__dirname, "kvm-domain.xslt");

/**
 * The KVM host as the plan names it: machine "host", sampled by the kvm sampler (its /proc/stat,
 * each guest's QEMU threads and vhost threads, found by libvirt's pid file of the guest's domain),
 * reached over the SSH login of the qemu+ssh:// URI.
 */
export function kvmPlanHost(config: Pick<LibvirtConfig, "host" | "labPrefix" | "guest">, wires: readonly PlanWire[]): PlanHost {
    return libvirtPlanHost("host", "kvm", config, wires);
}

/**
 * How guest i's benchmark NIC reaches its pNIC under hvnetlab:nic.attach, and what the host does
 * to the pNIC first: macvtap (bridge mode, the default) or macvtap passthrough mode (the guest
 * owns the NIC or VF alone) on the pNIC brought up; a bridge of its own enslaving the pNIC; or
 * hostdev, where nic-xslt.ts hands the guest its PCI device instead (the provider's macvtap entry
 * is only a placeholder for the XSLT to replace).
 */
export function kvmAttachment(config: Pick<LibvirtConfig, "nic" | "host" | "labPrefix" | "mtu">): {
    pnic: PnicSetup;
    benchmarkNic: (i: number) => libvirt.DomainNetworkInterface;
} {
    const nic = (i: number) => config.host.nics[i];
    const bridge = (i: number) => pnicBridge(config.labPrefix, i);
    switch (config.nic.path.attach) {
        case "bridge":
            return {
                pnic: { kind: "bridge", scripts: (label, n, i) => pnicBridgeScripts(label, n, bridge(i), config.mtu) },
                benchmarkNic: (i) => ({ bridge: bridge(i) }),
            };
        case "passthrough":
            return {
                pnic: { kind: "pnic", scripts: (label, n) => pnicUpScripts(label, n, config.mtu) },
                benchmarkNic: (i) => ({ passthrough: nic(i) }),
            };
        default:
            return {
                pnic: { kind: "pnic", scripts: (label, n) => pnicUpScripts(label, n, config.mtu) },
                benchmarkNic: (i) => ({ macvtap: nic(i) }),
            };
    }
}

/** The KVM lab: libvirt over qemu+ssh, each guest's benchmark NIC attached as hvnetlab:nic says (macvtap on its dedicated pNIC by default). */
export class KvmLab extends LibvirtLab {
    constructor(name: string, args: LibvirtLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            "hvnetlab:platforms:KvmLab",
            name,
            args,
            {
                scheme: "qemu+ssh",
                planHost: (wires) => kvmPlanHost(args.config, wires),
                domainType: args.config.libvirt.domainType,
                ...kvmAttachment(args.config),
                xslt: readFileSync(KVM_XSLT_PATH, "utf8"),
                console: "ttyS0",
            },
            opts,
        );
    }
}
