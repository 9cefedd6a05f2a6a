// The lab fingerprint: a hash of everything that must match for two stacks' results to be
// comparable (guest shape, wire speed, MTU, netperf version, test matrix and method), and of
// nothing that may differ between them (platform, names, addresses).
import { createHash } from "crypto";
import { canonical } from "../benchmarks/canonical";
import type { Comparable } from "../benchmarks/types";
import type { LabConfig } from "./config";

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
    // Emulated guests (no KVM) are not comparable with accelerated ones; kvm keeps the fingerprint
    // that the esx and xen stacks of the same guest block share.
    const emulated = config.platform === "kvm" && config.libvirt.domainType === "qemu" ? { domainType: "qemu" } : {};
    return {
        ...(guest ? { guest } : {}),
        ...emulated,
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

export function fingerprint(config: LabConfig): string {
    return `sha256:${createHash("sha256")
        .update(canonical(fingerprintInputs(config)))
        .digest("hex")
        .slice(0, 16)}`;
}
