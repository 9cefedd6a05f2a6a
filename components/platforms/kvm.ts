// The `kvm` platform: KVM through libvirt over SSH (qemu+ssh://); libvirt.domainType qemu runs
// the same lab emulated, on hosts without KVM. Each guest's benchmark NIC is a
// macvtap (direct) interface on its dedicated pNIC, which the host brings up with the wire MTU
// first. The rest (host preflight, pool, volumes, cloud-init, domains, peer) is LibvirtLab's.
import type * as pulumi from "@pulumi/pulumi";
import type { LibvirtLabArgs } from "./libvirt-lab";
import { LibvirtLab } from "./libvirt-lab";
import { pnicUpScripts } from "./remote";

/** The KVM lab: libvirt over qemu+ssh, each guest's benchmark NIC a macvtap on its dedicated pNIC. */
export class KvmLab extends LibvirtLab {
    constructor(name: string, args: LibvirtLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            "hvnetlab:platforms:KvmLab",
            name,
            args,
            {
                scheme: "qemu+ssh",
                domainType: args.config.libvirt.domainType,
                pnic: { kind: "pnic", scripts: (label, nic) => pnicUpScripts(label, nic, args.config.mtu) },
                benchmarkNic: (i) => ({ macvtap: args.config.host.nics[i] }),
            },
            opts,
        );
    }
}
