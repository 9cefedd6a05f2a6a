// The lab fingerprint: a hash of everything that must match for two stacks' results to be
// comparable (guest shape, wire speed, MTU, netperf version, test matrix and method), and of
// nothing that may differ between them (platform, names, addresses).
import { createHash } from "crypto";
import { canonical } from "../model";
import type { Comparable } from "../model";
import type { LabConfig } from "./lab-config";

export function fingerprintInputs(config: LabConfig): Comparable {
    // The SSH key and OS user name say how to log in, not what is measured.
    const guest =
        "guest" in config
            ? {
                  vcpus: config.guest.vcpus,
                  memoryMiB: config.guest.memoryMiB,
                  diskGiB: config.guest.diskGiB,
                  image: config.guest.image,
                  template: config.guest.template,
                  ...(config.guest.kernel
                      ? { kernel: config.guest.kernel, initrd: config.guest.initrd, cmdline: config.guest.cmdline }
                      : {}),
              }
            : undefined;
    const emulation = emulationOf(config);
    return {
        ...(guest ? { guest } : {}),
        ...(emulation ? { emulation } : {}),
        // How Xen runs the guests changes what is measured (HVM with PV drivers, or PV).
        ...(config.platform === "xen" ? { xenGuestMode: config.xenGuestMode ?? "hvm" } : {}),
        // The virtual NIC path is the lab's identity too: a tuned path is another lab.
        ...("nic" in config ? { nicPath: config.nic.path } : {}),
        nicSpeedMbps: config.nicSpeedMbps,
        ...(config.platform === "local" && config.localTopology === "shared-uplink" ? { uplinkMbps: config.uplinkMbps } : {}),
        mtu: config.mtu,
        netperfVersion: config.netperfVersion,
        matrix: {
            experiments: config.experiments,
            peer: config.peer,
            tests: config.tests,
            messageSizes: config.messageSizes,
            guests: config.guests,
            ...(config.guestCountsSet ? { guestCounts: config.guestCounts } : {}),
        },
        method: {
            durationSeconds: config.durationSeconds,
            intervalSeconds: config.intervalSeconds,
            warmupSeconds: config.warmupSeconds,
        },
    };
}

/**
 * What the lab emulates, or "" on real hardware: hvnetlab:emulation where set; else the local lab
 * (namespaces and shaped veth wires on one machine) and kvm guests under QEMU's TCG
 * (libvirt.domainType qemu) are emulated by definition. Emulated labs compare only with each other
 * (analysis/comparability.ts). kvm, esx and xen on hardware share one comparable block for one guest
 * block but for their NIC paths, which the fingerprint covers and the rules never hold apart.
 */
export function emulationOf(config: LabConfig): string {
    if (config.emulation !== "") return config.emulation;
    if (config.platform === "local") return "network namespaces on one machine, veth wires shaped by tc";
    if (config.platform === "kvm" && config.libvirt.domainType === "qemu") return "QEMU TCG guests (libvirt domainType qemu)";
    return "";
}

export function fingerprint(config: LabConfig): string {
    return `sha256:${createHash("sha256")
        .update(canonical(fingerprintInputs(config)))
        .digest("hex")
        .slice(0, 16)}`;
}
