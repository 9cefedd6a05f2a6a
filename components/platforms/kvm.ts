// The `kvm` platform: KVM through libvirt over SSH (qemu+ssh://); libvirt.domainType qemu runs
// the same lab emulated, on hosts without KVM. Each guest's benchmark NIC is a
// macvtap (direct) interface on its dedicated pNIC, which the host brings up with the wire MTU
// first. The runner samples the host's CPU with the kvm sampler (kvmPlanHost). The rest (host preflight, pool, volumes, cloud-init, domains, peer) is LibvirtLab's.
import type * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import type { PlanHost, PlanWire } from "../../model";
import type { LibvirtConfig, LibvirtLabArgs } from "./libvirt-lab";
import { LibvirtLab, libvirtPlanHost } from "./libvirt-lab";
import { pnicUpScripts } from "./remote";

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

/** The KVM lab: libvirt over qemu+ssh, each guest's benchmark NIC a macvtap on its dedicated pNIC. */
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
                pnic: { kind: "pnic", scripts: (label, nic) => pnicUpScripts(label, nic, args.config.mtu) },
                benchmarkNic: (i) => ({ macvtap: args.config.host.nics[i] }),
                xslt: readFileSync(KVM_XSLT_PATH, "utf8"),
                console: "ttyS0",
            },
            opts,
        );
    }
}
