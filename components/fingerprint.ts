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
              }
            : undefined;
    return {
        ...(guest ? { guest } : {}),
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
