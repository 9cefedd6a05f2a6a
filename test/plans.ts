// The plan the runner's unit tests measure: a local lab of N guests, each on its own 1 Gb/s wire
// to one peer (addresses as the local lab gives them), with the method fields a test overrides.
import type { Source } from "../analysis/compare";
import { parseSource } from "../analysis/compare";
import type { HostFacts, Plan, PlanMatrix, ResultsDocument, RunResult } from "../model";

/** A plan of `guests` guests g1..gN and a peer, wire i at 10.77.0.4i+2 (guest) / +1 (peer). */
export function testPlan(
    guests: number,
    matrix: Partial<PlanMatrix>,
    method: Partial<Omit<Plan, "matrix" | "endpoints" | "wires">> = {},
): Plan {
    const ids = Array.from({ length: guests }, (_, i) => i);
    return {
        schemaVersion: 1,
        platform: "local",
        labPrefix: "t",
        fingerprint: "sha256:x",
        netserverPort: 12865,
        durationSeconds: 3,
        intervalSeconds: 0.5,
        warmupSeconds: 0.5,
        startLeadMs: 0,
        cpu: false,
        limitBasis: "tbf",
        maxClockOffsetMs: 5,
        ...method,
        matrix: { experiments: ["send"], peer: "native", tests: ["TCP_STREAM"], messageSizes: [16384], guestCounts: [guests], ...matrix },
        endpoints: [
            { name: "peer", role: "peer", access: { kind: "netns", namespace: "t-peer" } },
            ...ids.map((i) => ({
                name: `g${i + 1}`,
                role: "guest" as const,
                access: { kind: "netns" as const, namespace: `t-g${i + 1}` },
            })),
        ],
        wires: ids.map((i) => ({
            index: i,
            guest: `g${i + 1}`,
            guestNic: "bench0",
            guestAddress: `10.77.0.${4 * i + 2}`,
            peer: "peer",
            peerNic: `bench${i}`,
            peerAddress: `10.77.0.${4 * i + 1}`,
            speedMbps: 1000,
            mtu: 1500,
        })),
    };
}

/**
 * What the runner's facts script prints on a test endpoint: one NIC per wire address asked about
 * (its "addr:A.B.C.D" arguments), at 1000 Mb/s and MTU 1500, on a machine of virtualization `virt`.
 */
export function factsFor(argv: readonly string[], virt = "kvm", driver = "virtio_net"): string {
    return (
        `kernel=6.1.0-test\ncpu=Test CPU @ 2.0GHz\nvirt=${virt}\nhypervisor=QEMU Standard PC\n` +
        argv
            .filter((a) => a.startsWith("addr:"))
            .map((a) => `nic=${a.slice(5)}|bench0|${driver}|1000|1500\n`)
            .join("")
    );
}

/**
 * A comparison source (`platform`.json) holding `runs` in a minimal results document; `more` adds
 * fields of the document (its endpoints, notes) and the lab's hostFacts, read as stack outputs
 * ({ results, lab: { hostFacts } }) are.
 */
export function sourceOf(
    platform: string,
    runs: RunResult[],
    more: Partial<Pick<ResultsDocument, "endpoints" | "notes" | "comparable">> & { hostFacts?: Record<string, HostFacts> } = {},
): Source {
    const { hostFacts, ...fields } = more;
    const doc: ResultsDocument = {
        schemaVersion: 1,
        platform,
        fingerprint: "sha256:f",
        startedAt: "2026-11-25T00:00:00Z",
        finishedAt: "2026-11-25T00:01:00Z",
        notes: [],
        endpoints: {},
        maxClockOffsetMs: 5,
        runs,
        ...fields,
    };
    return parseSource(JSON.stringify(hostFacts ? { results: doc, lab: { hostFacts } } : doc), `${platform}.json`);
}
