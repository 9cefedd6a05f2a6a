// Streams started over SSH start together (runner/transport/start-gate.ts): four guests reached over
// OpenSSH in namespaces of this test's own, one of whose logins takes 2 s longer than the others'
// (a slow login shell, a guest busy booting). A start fixed before the sessions were opened would
// start that guest's client 2 s late; armed over sessions that are already open, every client is
// released within milliseconds of the others.
import * as assert from "assert";
import type { ChildProcess } from "child_process";
import { execFileSync, spawn } from "child_process";
import { runPlan } from "../../runner/run-plan";
import { SshTransport } from "../../runner/transport/ssh";
import { AccessTransport, NetnsTransport } from "../../runner/transport/transport";
import type { Plan, PlanEndpoint, PlanWire } from "../../model";
import { wireScripts } from "../../components/platforms/local";
import type { SshNamespaces } from "../../tools/experiments/ssh-namespaces";
import { sshIntoNamespaces } from "../../tools/experiments/ssh-namespaces";

const GUESTS = 4;
const PEER = "hvsstpeer";
const PORT = 12867;
const guestNs = (i: number) => `hvsstg${i + 1}`;
const sh = (cmd: string) => execFileSync("sh", ["-c", cmd], { stdio: ["ignore", "pipe", "pipe"] }).toString();

const wires: PlanWire[] = Array.from({ length: GUESTS }, (_, i) => ({
    index: i,
    guest: `g${i + 1}`,
    guestNic: "bench0",
    guestAddress: `10.77.20.${4 * i + 2}`,
    peer: "peer",
    peerNic: `bench${i}`,
    peerAddress: `10.77.20.${4 * i + 1}`,
    speedMbps: 1000,
    mtu: 1500,
}));

describe("streams started over SSH @integration", function () {
    this.timeout(180000);
    let ssh: SshNamespaces | undefined;
    let netserver: ChildProcess | undefined;
    const cleanup = () => {
        for (const ns of [PEER, ...wires.map((_, i) => guestNs(i))])
            sh(`ip netns pids ${ns} 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del ${ns} 2>/dev/null; true`);
    };

    before(async () => {
        cleanup();
        for (const ns of [PEER, ...wires.map((_, i) => guestNs(i))]) sh(`ip netns add ${ns} && ip -n ${ns} link set lo up`);
        for (const [i, w] of wires.entries()) sh(`set -e; ${wireScripts(w, guestNs(i), PEER).create}`);
        netserver = spawn("ip", ["netns", "exec", PEER, "netserver", "-D", "-p", String(PORT)], { stdio: "ignore" });
        ssh = await sshIntoNamespaces(
            wires.map((w, i) => ({ name: w.guest, namespace: guestNs(i), ...(i === GUESTS - 1 ? { loginDelaySeconds: 2 } : {}) })),
            97,
            "hvsst",
        );
    });

    after(() => {
        netserver?.kill();
        ssh?.close();
        cleanup();
    });

    it("arms every client over an open session and releases them together, though one guest's login takes 2 s longer", async () => {
        const endpoints: PlanEndpoint[] = [
            ...wires.map((w) => ({ name: w.guest, role: "guest" as const, access: ssh!.access[w.guest] })),
            { name: "peer", role: "peer", access: { kind: "netns", namespace: PEER } },
        ];
        const plan: Plan = {
            schemaVersion: 1,
            platform: "native",
            labPrefix: "hvsst",
            fingerprint: "sha256:test",
            netserverPort: PORT,
            durationSeconds: 4,
            intervalSeconds: 0.5,
            warmupSeconds: 0.5,
            startLeadMs: 500,
            cpu: false,
            limitBasis: "tbf",
            maxClockOffsetMs: 5,
            ssh: { hostKeyChecking: "yes", knownHostsFile: ssh!.options.knownHostsFile! },
            matrix: { experiments: ["send"], peer: "native", tests: ["TCP_STREAM"], messageSizes: [16384], guestCounts: [GUESTS] },
            endpoints,
            wires,
        };
        const sshTransport = new SshTransport(ssh!.options);
        const transport = new AccessTransport({ ssh: sshTransport, netns: new NetnsTransport() });
        try {
            const doc = await runPlan(plan, { transport, cpuSamplers: false });
            const run = doc.runs[0];
            assert.strictEqual(run.status, "ok", run.error ?? JSON.stringify(run.warnings));
            assert.strictEqual(run.start?.how, "gate", "the start was chosen once the clients were armed");
            assert.strictEqual(run.start?.armed, GUESTS, JSON.stringify(run.start));
            const released = Object.values(run.start!.releaseMs);
            assert.strictEqual(released.length, GUESTS, "every guest said when it released its client");
            assert.ok(
                Math.max(...released) - Math.min(...released) < 10,
                `releases ${JSON.stringify(run.start!.releaseMs)} ms after the start: within 10 ms of each other`,
            );
            assert.ok(
                Math.max(...released.map(Math.abs)) < 50,
                `every release within 50 ms of the start: ${JSON.stringify(run.start!.releaseMs)}`,
            );
            // The skew the judging measures from netperf's own interim timestamps.
            assert.ok(run.skewMs < 25, `start skew ${run.skewMs} ms`);
            console.log(`      start ${JSON.stringify(run.start)}, skew ${run.skewMs} ms, ${run.aggregate.goodputPct}% of goodput`);
            assert.ok(run.aggregate.goodputPct > 50, `${run.aggregate.goodputPct}% of the goodput limit`);
        } finally {
            await transport.close();
        }
    });
});
