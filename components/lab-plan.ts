// The plan handed to the benchmark runner, built from the config and what the platform made.
import type { Plan } from "../model";
import type { LabConfig } from "./lab-config";
import { fingerprint, fingerprintInputs } from "./fingerprint";
import type { PlatformLab } from "./platforms";

export function buildPlan(config: LabConfig, lab: Pick<PlatformLab, "endpoints" | "wires" | "limitBasis" | "uplinkMbps" | "hosts">): Plan {
    return {
        schemaVersion: 1,
        platform: config.platform,
        labPrefix: config.labPrefix,
        fingerprint: fingerprint(config),
        comparable: fingerprintInputs(config),
        netserverPort: config.netserverPort,
        durationSeconds: config.durationSeconds,
        intervalSeconds: config.intervalSeconds,
        warmupSeconds: config.warmupSeconds,
        startLeadMs: config.startLeadMs,
        cpu: config.cpu,
        limitBasis: lab.limitBasis,
        maxClockOffsetMs: config.maxClockOffsetMs,
        maxSkewMs: config.maxSkewMs,
        ...(config.repeats > 1 ? { repeats: config.repeats } : {}),
        ...(lab.uplinkMbps !== undefined ? { uplinkMbps: lab.uplinkMbps } : {}),
        ...(lab.endpoints.some((e) => e.access.kind === "ssh")
            ? { ssh: { hostKeyChecking: config.ssh.hostKeyChecking, knownHostsFile: config.ssh.knownHostsFile } }
            : {}),
        matrix: {
            experiments: config.experiments,
            peer: config.peer,
            tests: config.tests,
            messageSizes: config.messageSizes,
            guestCounts: config.guestCounts,
        },
        endpoints: lab.endpoints,
        wires: lab.wires,
        ...(lab.hosts && lab.hosts.length > 0 ? { hosts: lab.hosts } : {}),
    };
}
