// hvnetlab measure writes the SSH private key to a private folder for the run: that folder, with
// ssh's control sockets, must be gone when the run ends, whether ssh fails, or the run is
// stopped with a second signal that does not wait for the runs to stop.
import * as assert from "assert";
import { spawn } from "child_process";
import { mkdirSync, readdirSync, writeFileSync } from "fs";
import type { AddressInfo, Server, Socket } from "net";
import { createServer } from "net";
import * as path from "path";
import { testPlan } from "../plans";
import { tempDir } from "../tmp";

const BIN = path.join(__dirname, "..", "..", "bin", "hvnetlab.js");
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-real\n-----END OPENSSH PRIVATE KEY-----";

/** A plan of one guest and a peer, both reached over ssh at 127.0.0.1:port. */
function sshPlanFile(dir: string, port: number): string {
    const plan = testPlan(1, {});
    const file = path.join(dir, "plan.json");
    writeFileSync(
        file,
        JSON.stringify({
            ...plan,
            ssh: { hostKeyChecking: "accept-new", knownHostsFile: path.join(dir, "known_hosts") },
            endpoints: plan.endpoints.map((e) => ({ ...e, access: { kind: "ssh", host: "127.0.0.1", user: "root", port } })),
        }),
    );
    return file;
}

/** A TCP server on loopback that does `onConnection` with each client (ssh waits for a banner it never sends). */
async function listen(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
    const server = createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, port: (server.address() as AddressInfo).port };
}

/** Runs measure with TMPDIR = a folder of its own; `onConnect` is called when ssh first connects. */
function measure(
    dir: string,
    port: number,
    connected: Promise<void>,
    onConnect: (pid: number) => void,
): Promise<{ code: number | null; stderr: string; left: string[] }> {
    const tmp = path.join(dir, "tmp");
    mkdirSync(tmp);
    const child = spawn(process.execPath, [BIN, "measure", "--plan", sshPlanFile(dir, port)], {
        env: { ...process.env, TMPDIR: tmp, HVNETLAB_SSH_PRIVATE_KEY: KEY },
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    void connected.then(() => onConnect(child.pid!));
    return new Promise((resolve) =>
        child.on("close", (code) => resolve({ code, stderr, left: readdirSync(tmp).filter((f) => /^hv(key|ssh)-/.test(f)) })),
    );
}

describe("hvnetlab measure: the SSH key's folder", function () {
    this.timeout(60000);
    const servers: Server[] = [];
    after(() => servers.forEach((s) => s.close()));

    it("is removed when ssh fails (the machine closes the connection)", async () => {
        const { server, port } = await listen((s) => s.destroy());
        servers.push(server);
        const r = await measure(tempDir("measure-key"), port, new Promise(() => undefined), () => undefined);
        assert.strictEqual(r.code, 1, r.stderr);
        assert.match(r.stderr, /SshError: ssh to root@127\.0\.0\.1:\d+ failed/);
        assert.deepStrictEqual(r.left, [], "nothing left in TMPDIR");
    });

    it("is removed when a second SIGINT stops the run at once, exit 130", async () => {
        let connected!: () => void;
        const first = new Promise<void>((resolve) => (connected = resolve));
        const held: Socket[] = [];
        const { server, port } = await listen((s) => {
            held.push(s); // never answers: ssh waits for the banner
            connected();
        });
        servers.push(server);
        const r = await measure(tempDir("measure-key"), port, first, (pid) => {
            process.kill(pid, "SIGINT");
            setTimeout(() => process.kill(pid, "SIGINT"), 50);
        });
        held.forEach((s) => s.destroy());
        assert.strictEqual(r.code, 130, r.stderr);
        assert.match(r.stderr, /SIGINT again: exiting now, without the results/);
        assert.deepStrictEqual(r.left, [], "no key left in TMPDIR");
    });
});
