// The `kvm` platform: KVM through libvirt over SSH (qemu+ssh://). Each guest's benchmark NIC is a
// macvtap (direct) interface on its dedicated pNIC, which the host brings up with the wire MTU
// first. The rest (host preflight, pool, volumes, cloud-init, domains, peer) is LibvirtLab's.
import * as pulumi from "@pulumi/pulumi";
import { LibvirtLab, LibvirtLabArgs } from "./libvirt-lab";
import { pnicUpScripts } from "./remote";

export class KvmLab extends LibvirtLab {
    constructor(name: string, args: LibvirtLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            "hvnetlab:platforms:KvmLab",
            name,
            args,
            {
                scheme: "qemu+ssh",
                domainType: "kvm",
                pnic: { kind: "pnic", scripts: (label, nic) => pnicUpScripts(label, nic, args.config.mtu) },
                benchmarkNic: (i) => ({ macvtap: args.config.host!.nics[i] }),
            },
            opts,
        );
    }
}
