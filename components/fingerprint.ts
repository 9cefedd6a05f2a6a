// The lab fingerprint: a hash of everything that must match for two stacks' results to be
// comparable (guest shape, wire speed, MTU, netperf version, test matrix and method), and of
// nothing that may differ between them (platform, names, addresses).
import { createHash } from "crypto";
import { LabConfig } from "./config";

export function fingerprintInputs(config: LabConfig): Record<string, unknown> {
    // The SSH key and OS user name say how to log in, not what is measured.
    const guest = config.guest
        ? { vcpus: config.guest.vcpus, memoryMiB: config.guest.memoryMiB, diskGiB: config.guest.diskGiB, image: config.guest.image, template: config.guest.template }
        : undefined;
    return {
        guest,
        nicSpeedMbps: config.nicSpeedMbps,
        mtu: config.mtu,
        netperfVersion: config.netperfVersion,
        matrix: {
            experiments: config.experiments,
            peer: config.peer,
            tests: config.tests,
            messageSizes: config.messageSizes,
            guests: config.guests,
        },
        method: {
            durationSeconds: config.durationSeconds,
            intervalSeconds: config.intervalSeconds,
            warmupSeconds: config.warmupSeconds,
        },
    };
}

/** Canonical JSON: object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    return JSON.stringify(value);
}

export function fingerprint(config: LabConfig): string {
    return `sha256:${createHash("sha256").update(canonicalJson(fingerprintInputs(config))).digest("hex").slice(0, 16)}`;
}
