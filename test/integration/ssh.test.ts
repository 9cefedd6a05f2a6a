// The SSH transport for real: an OpenSSH server in each of two network namespaces of the test's
// own, reached over a management veth from this namespace, with the benchmark wire (veth, shaped
// to 1 Gb/s) between the two namespaces. netperf is set up with the same scripts the remote
// commands run, and the runner measures through the transport.
import * as assert from "assert";
import type { ChildProcess } from "child_process";
import { execFileSync, spawn } from "child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as net from "net";
import * as path from "path";
import { runPlan } from "../../runner/run-plan";
import { SESSIONS_PER_CONNECTION, SshError, SshTransport } from "../../runner/transport/ssh";
import type { Plan, PlanEndpoint, PlanWire } from "../../model";
import { netperfInstallScript, netserverServiceScripts } from "../../components/netperf-deployment";
import { wireScripts } from "../../components/platforms/local";
import { sshdConfig } from "../../tools/experiments/ssh-namespaces";
import { tempDir } from "../tmp";

const NS = { g1: "hvsshg1", peer: "hvsshpeer" };
const MGMT = { g1: { root: "10.98.0.1", ns: "10.98.0.2", link: "hvsshm1" }, peer: { root: "10.98.0.5", ns: "10.98.0.6", link: "hvsshm2" } };
const PORT = 12866;
const sh = (cmd: string) => execFileSync("sh", ["-c", cmd], { stdio: ["ignore", "pipe", "pipe"] }).toString();

function endpoint(name: "g1" | "peer"): PlanEndpoint {
    return { name, role: name === "g1" ? "guest" : "peer", access: { kind: "ssh", host: MGMT[name].ns, user: "root", port: 22 } };
}

const wire: PlanWire = {
    index: 0,
    guest: "g1",
    guestNic: "bench0",
    guestAddress: "10.77.9.2",
    peer: "peer",
    peerNic: "bench0",
    peerAddress: "10.77.9.1",
    speedMbps: 1000,
    mtu: 1500,
};

async function listening(host: string, port: number, ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net.connect(port, host, () => {
                s.destroy();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (ok) return;
        if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

describe("the SSH transport against OpenSSH servers in namespaces of their own @integration", function () {
    this.timeout(120000);
    let dir = "";
    const sshds: ChildProcess[] = [];
    const transports: SshTransport[] = [];
    const transport = (over: Partial<ConstructorParameters<typeof SshTransport>[0]> = {}) => {
        const t = new SshTransport({
            identityFile: path.join(dir, "client"),
            hostKeyChecking: "yes",
            knownHostsFile: path.join(dir, "known_hosts"),
            ...over,
        });
        transports.push(t);
        return t;
    };
    const cleanup = () => {
        for (const ns of Object.values(NS))
            sh(`ip netns pids ${ns} 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del ${ns} 2>/dev/null; true`);
    };

    before(async () => {
        cleanup();
        dir = tempDir("ssh");
        mkdirSync("/run/sshd", { recursive: true });
        sh(
            `ssh-keygen -q -t ed25519 -N '' -f ${dir}/hostkey && ssh-keygen -q -t ed25519 -N '' -f ${dir}/client && ssh-keygen -q -t ed25519 -N '' -f ${dir}/stranger && ssh-keygen -q -t ed25519 -N '' -f ${dir}/chatty && ssh-keygen -q -t ed25519 -N '' -f ${dir}/mute`,
        );
        // "chatty" logs in to a shell that greets before every command, as some login scripts do.
        writeFileSync(
            path.join(dir, "authorized_keys"),
            readFileSync(path.join(dir, "client.pub"), "utf8") +
                `command="echo Welcome to the lab; eval \\"$SSH_ORIGINAL_COMMAND\\"" ${readFileSync(path.join(dir, "chatty.pub"), "utf8")}` +
                // "mute" logs in to a session that ends at once, whatever was asked.
                `command="exit 0" ${readFileSync(path.join(dir, "mute.pub"), "utf8")}`,
        );
        const hostKey = readFileSync(path.join(dir, "hostkey.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
        writeFileSync(path.join(dir, "known_hosts"), `${MGMT.g1.ns} ${hostKey}\n${MGMT.peer.ns} ${hostKey}\n`);
        for (const name of ["g1", "peer"] as const) {
            const ns = NS[name];
            const m = MGMT[name];
            sh(`ip netns add ${ns} && ip -n ${ns} link set lo up`);
            sh(
                `ip link add ${m.link} type veth peer name mgmt0 netns ${ns} && ip addr add ${m.root}/30 dev ${m.link} && ip link set ${m.link} up`,
            );
            sh(`ip -n ${ns} addr add ${m.ns}/30 dev mgmt0 && ip -n ${ns} link set mgmt0 up`);
            const config = path.join(dir, `sshd-${name}.conf`);
            writeFileSync(
                config,
                sshdConfig({
                    address: m.ns,
                    hostKey: `${dir}/hostkey`,
                    authorizedKeys: `${dir}/authorized_keys`,
                    pidFile: `${dir}/sshd-${name}.pid`,
                }),
            );
            sshds.push(spawn("ip", ["netns", "exec", ns, "/usr/sbin/sshd", "-D", "-e", "-f", config], { stdio: "ignore" }));
        }
        sh(`set -e; ${wireScripts(wire, NS.g1, NS.peer).create}`);
        await Promise.all([listening(MGMT.g1.ns, 22, 10000), listening(MGMT.peer.ns, 22, 10000)]);
    });

    after(async () => {
        await Promise.all(transports.map((t) => t.close()));
        for (const p of sshds) p.kill();
        cleanup();
        rmSync(dir, { recursive: true, force: true });
    });

    it("runs commands with host key checking on and reads each machine's clock", async () => {
        const t = transport();
        const r = await t.run(
            endpoint("g1"),
            ["sh", "-c", "ip -o -4 addr show dev bench0 | awk '{ print $4 }'; echo \"$1\"", "x", "it's quoted"],
            { timeoutMs: 20000 },
        );
        assert.strictEqual(r.code, 0, r.stderr);
        assert.deepStrictEqual(r.stdout.trim().split("\n"), ["10.77.9.2/30", "it's quoted"], "ran inside g1's namespace, argument intact");
        const clock = await t.clock(endpoint("peer"));
        assert.ok(Math.abs(clock.offsetMs) < 2, `one machine, one clock: offset ${clock.offsetMs} ms`);
        assert.ok(clock.rttMs > 0 && clock.rttMs < 50, `rtt ${clock.rttMs} ms`);
    });

    it("runs more concurrent sessions on one machine than sshd allows on one connection (MaxSessions 10)", async () => {
        const t = transport();
        const n = 3 * SESSIONS_PER_CONNECTION;
        const results = await Promise.all(
            Array.from({ length: n }, (_, i) => t.run(endpoint("g1"), ["sh", "-c", `sleep 1; echo ${i}`], { timeoutMs: 30000 })),
        );
        assert.deepStrictEqual(
            results.map((r) => `${r.code} ${r.stdout.trim()}`),
            Array.from({ length: n }, (_, i) => `0 ${i}`),
        );
        assert.strictEqual(t.connections()[`root@${MGMT.g1.ns}:22`], 3, "one shared connection per 8 concurrent sessions");
    });

    it("sets netperf up with the remote scripts and measures through the transport", async () => {
        const t = transport();
        const run = async (name: "g1" | "peer", script: string) => {
            const r = await t.run(endpoint(name), ["sh", "-c", script], { timeoutMs: 60000 });
            assert.strictEqual(r.code, 0, `${name}: ${r.stderr}`);
            return r.stdout.trim();
        };
        for (const name of ["g1", "peer"] as const) {
            assert.strictEqual(
                (await run(name, netperfInstallScript(name, "2.7.0", { url: "https://example.org/netperf.tar.gz", sha256: "" })))
                    .split("\n")
                    .pop(),
                "2.7.0",
            );
            // These servers run no systemd: netserver starts as a plain process, and says so.
            assert.match(
                await run(name, netserverServiceScripts(name, "hvtest", name, PORT).create),
                new RegExp(`^plain process \\d+ \\(systemd does not run on ${name}\\)$`),
            );
        }
        const busy = await t.run(endpoint("peer"), ["sh", "-c", netserverServiceScripts("peer", "hvtest", "other", PORT).create], {
            timeoutMs: 20000,
        });
        assert.notStrictEqual(busy.code, 0);
        assert.match(busy.stderr, new RegExp(`port ${PORT} is already in use on peer by netserver`));

        const plan: Plan = {
            schemaVersion: 1,
            platform: "native",
            labPrefix: "hvssh",
            fingerprint: "sha256:test",
            netserverPort: PORT,
            durationSeconds: 3,
            intervalSeconds: 0.5,
            warmupSeconds: 0.5,
            startLeadMs: 800,
            cpu: false,
            limitBasis: "tbf",
            maxClockOffsetMs: 5,
            ssh: { hostKeyChecking: "yes", knownHostsFile: path.join(dir, "known_hosts") },
            matrix: { experiments: ["send", "receive"], peer: "native", tests: ["TCP_STREAM"], messageSizes: [16384], guestCounts: [1] },
            endpoints: [endpoint("g1"), endpoint("peer")],
            wires: [wire],
        };
        const doc = await runPlan(plan, { transport: t });
        assert.deepStrictEqual(
            doc.runs.map((r) => r.status),
            ["ok", "ok"],
        );
        for (const r of doc.runs)
            assert.ok(r.aggregate.goodputPct > 90 && r.aggregate.goodputPct < 101, `${r.id}: ${r.aggregate.goodputPct}% of goodput`);
        assert.strictEqual(doc.endpoints.g1.facts.nics?.length, 1);
        const { offloads, channels, rings, ...nic } = doc.endpoints.g1.facts.nics![0];
        assert.deepStrictEqual(nic, { address: "10.77.9.2", name: "bench0", driver: "veth", speedMbps: 10000, mtu: 1500 });
        // ethtool's settings, read over SSH: a veth has offloads and channels, but no rings.
        assert.ok(offloads && "tso" in offloads, JSON.stringify(offloads));
        assert.match(String(offloads.tso), /^(on|off)/);
        assert.ok(channels && "current" in channels, JSON.stringify(channels));
        assert.ok(rings && "unavailable" in rings, JSON.stringify(rings));
        assert.ok(Math.abs(doc.endpoints.peer.clock.offsetMs) < 2);

        for (const name of ["g1", "peer"] as const) await run(name, netserverServiceScripts(name, "hvtest", name, PORT).delete);
        assert.strictEqual(sh(`ip netns exec ${NS.peer} ss -Hltn 'sport = :${PORT}'`).trim(), "", "netserver stopped");
    });

    it("reads the clock of a machine whose shell greets first", async () => {
        const t = transport({ identityFile: path.join(dir, "chatty") });
        const clock = await t.clock(endpoint("g1"));
        assert.ok(Math.abs(clock.offsetMs) < 2, `offset ${clock.offsetMs} ms`);
    });

    it("reports a machine whose clock cannot be read, instead of crashing", async () => {
        // The session ends at once: the clock reading's writes go to a closed pipe.
        const t = transport({ identityFile: path.join(dir, "mute") });
        await assert.rejects(t.clock(endpoint("g1")), /cannot read the clock of 10\.98\.0\.2/);
    });

    it("names the fix when the key is not authorized", async () => {
        const t = transport({ identityFile: path.join(dir, "stranger") });
        await assert.rejects(
            t.run(endpoint("g1"), ["true"], { timeoutMs: 20000 }),
            (e: Error) =>
                e instanceof SshError &&
                /SSH login to root@10\.98\.0\.2:22 was refused: make hvnetlab:sshPrivateKey the key/.test(e.message),
        );
    });

    it("refuses a host whose key it does not know, and trusts it on first contact only when told", async () => {
        const empty = path.join(dir, "empty_known_hosts");
        writeFileSync(empty, "");
        await assert.rejects(
            transport({ knownHostsFile: empty }).run(endpoint("peer"), ["true"], { timeoutMs: 20000 }),
            (e: Error) => e instanceof SshError && /host key of root@10\.98\.0\.6:22 is unknown or has changed/.test(e.message),
        );
        const r = await transport({ knownHostsFile: empty, hostKeyChecking: "accept-new" }).run(endpoint("peer"), ["true"], {
            timeoutMs: 20000,
        });
        assert.strictEqual(r.code, 0);
        const hostKey = readFileSync(path.join(dir, "hostkey.pub"), "utf8").split(" ")[1];
        assert.ok(readFileSync(empty, "utf8").includes(`ssh-ed25519 ${hostKey}`), "the new host's key was recorded");
    });

    it("explains an endpoint that does not answer", async () => {
        const gone: PlanEndpoint = { ...endpoint("g1"), access: { kind: "ssh", host: MGMT.g1.ns, user: "root", port: 2222 } };
        await assert.rejects(
            transport().run(gone, ["true"], { timeoutMs: 20000 }),
            /refuses SSH connections: start sshd there or fix the port/,
        );
    });
});
