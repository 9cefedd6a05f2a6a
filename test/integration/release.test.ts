// @integration: the release of armed clients on the local lab: the starter signals every client
// of a start together, real-time, then puts each back to the normal scheduling class. Needs root
// (real-time scheduling); skipped with a message otherwise.
import * as assert from "assert";
import type { ChildProcess } from "child_process";
import { execFileSync, spawn } from "child_process";
import { REALTIME_MS, Starter } from "../../runner/transport/transport";

const policyOf = (pid: number) =>
    execFileSync("chrt", ["-p", String(pid)], { encoding: "utf8" })
        .split("\n")[0]
        .replace(/.*: /, "");

describe("@integration releasing armed clients", function () {
    this.timeout(20000);
    const clients: ChildProcess[] = [];

    before(function () {
        if (process.getuid?.() !== 0) {
            console.log("    (skipped: needs root for real-time scheduling)");
            this.skip();
        }
    });

    after(() => clients.forEach((c) => c.kill("SIGKILL")));

    it("signals each client, then returns it to SCHED_OTHER", async () => {
        const starter = Starter.start();
        assert.ok(starter, "root with chrt and perl can launch clients real-time");
        const got: string[] = [];
        // Stand-ins for armed netperf clients: real-time, waiting for SIGUSR1.
        for (let i = 0; i < 3; i++) {
            const c = spawn("chrt", [
                "-f",
                "1",
                "bash",
                "-c",
                `trap 'echo released; exit 0' USR1; echo armed; while :; do sleep 0.02; done`,
            ]);
            clients.push(c);
            await new Promise<void>((resolve) => c.stdout!.once("data", () => resolve()));
            c.stdout!.on("data", (d: Buffer) => got.push(d.toString().trim()));
        }
        const watched = spawn("chrt", ["-f", "1", "sleep", "5"]);
        clients.push(watched);
        assert.strictEqual(policyOf(watched.pid!), "SCHED_FIFO");
        for (const c of clients.slice(0, 3)) starter!.release(c.pid!);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepStrictEqual(got, ["released", "released", "released"]);
        // A client that ignores the signal (sleep would die of it; this one is only watched for its class).
        process.kill(watched.pid!, "SIGSTOP");
        starter!.release(watched.pid!);
        await new Promise((r) => setTimeout(r, REALTIME_MS + 150));
        assert.strictEqual(policyOf(watched.pid!), "SCHED_OTHER", "demoted after its real-time start");
        starter!.close();
    });
});
