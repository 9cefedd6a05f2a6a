// The hypervisor host's checks of a virtual NIC path (hvnetlab:nic), run with its preflight,
// before anything is made there; each failure is one line naming the field, the host and the fix:
// - pinning: every CPU a list names exists on the host (`nproc --all`);
// - vhost on: /dev/vhost-net is there (the vhost_net module; libvirt would fail the domain later);
// - hostdev: each guest's device is a PCI device in sysfs, an SR-IOV virtual function (it has a
//   physfn link: libvirt's <interface type='hostdev'> sets a MAC only on a VF), inside an IOMMU
//   group (the IOMMU is on: intel_iommu=on or AMD-Vi), and no other device of its group is bound
//   to a host driver other than vfio-pci or pcieport (VFIO hands a guest whole groups, so such a
//   device would be taken from the host). The sysfs layout is the kernel's
//   (Documentation/ABI/testing/sysfs-bus-pci, Documentation/driver-api/vfio.rst).
import type { NicSpec } from "../config";
import { PCI_ADDRESS, pinnedCpus } from "../config";
import { exitWithError, script, shellQuote, SAFE } from "../scripts";

/** Host drivers a device of a passed-through VF's IOMMU group may be bound to. */
export const GROUP_DRIVERS_ALLOWED = ["vfio-pci", "pcieport"];

function pinningLines(label: string, spec: NicSpec): string[] {
    const cpus = pinnedCpus(spec.pinning);
    if (cpus.length === 0) return [];
    return [
        `cpus=$(nproc --all)`,
        ...cpus.map(
            (c) =>
                `[ ${shellQuote(c.highest, SAFE.uint)} -lt "$cpus" ] || ${exitWithError(
                    `${c.where} names CPU ${c.highest}, but ${label} has $cpus CPUs (0 to $((cpus - 1))): pin to CPUs the host has`,
                )}`,
        ),
    ];
}

function vhostLines(label: string, spec: NicSpec): string[] {
    if (spec.path.vhost !== "on") return [];
    return [
        `[ -c /dev/vhost-net ] || ${exitWithError(`nic.vhost is on, but ${label} has no /dev/vhost-net: load the vhost_net module (modprobe vhost_net), or set nic.vhost off`)}`,
    ];
}

function deviceLines(label: string, spec: NicSpec, sysfs: string): string[] {
    if (spec.path.attach !== "hostdev") return [];
    const allowed = GROUP_DRIVERS_ALLOWED.join(" ");
    return spec.devices.flatMap((device, i) => {
        const d = `${shellQuote(sysfs, SAFE.path)}/bus/pci/devices/${shellQuote(device, PCI_ADDRESS)}`;
        const at = `nic.devices[${i}] ${device}`;
        return [
            `d=${d}`,
            `[ -e "$d" ] || ${exitWithError(`${at} is not a PCI device on ${label}: list the guests' VFs as lspci -D names them`)}`,
            `[ -e "$d/physfn" ] || ${exitWithError(`${at} on ${label} is not an SR-IOV virtual function: create VFs (echo N > sriov_numvfs of the NIC) and list those`)}`,
            `[ -e "$d/iommu_group" ] || ${exitWithError(`${at} on ${label} is in no IOMMU group: turn the IOMMU on (intel_iommu=on or AMD-Vi in firmware) and reboot`)}`,
            `for m in "$d"/iommu_group/devices/*; do`,
            `  [ "$(basename "$m")" = "$(basename "$d")" ] && continue`,
            `  drv=$( [ -e "$m/driver" ] && basename "$(readlink "$m/driver")" || true )`,
            `  group=$(basename "$(readlink "$d/iommu_group")"); other=$(basename "$m")`,
            `  case " ${allowed} " in *" $drv "*) ;; *) [ -z "$drv" ] || ${exitWithError(
                `${at} on ${label} shares IOMMU group $group with $other, bound to $drv: VFIO would take that device from the host too; use a VF alone in its group (ACS), or unbind it`,
            )} ;; esac`,
            `done`,
        ];
    });
}

/**
 * The host preflight lines of a NIC path on the host called `label` (e.g. "host 10.0.0.5"), or
 * "" when the path needs no check (the platform's default). `sysfs` is where sysfs is mounted
 * (/sys; tests point it at a recorded tree). Throws an UnsafeValueError on a value outside its
 * pattern (the config parser checked them all before).
 */
export function nicHostPreflightScript(label: string, spec: NicSpec, sysfs = "/sys"): string {
    const lines = [...pinningLines(label, spec), ...vhostLines(label, spec), ...deviceLines(label, spec, sysfs)];
    return lines.length ? script(...lines) : "";
}
