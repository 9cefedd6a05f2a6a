// The lab harness's end for real: after `pulumi destroy`, settle checks what the stack left
// first and cleans second. A netserver that a destroy left in a lab namespace is reported (the
// teardown alone would have removed the namespace under it and hidden it), then stopped by its pid;
// what the setup made (a namespace, a process it started) is taken down, and the ledger removed.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "fs";
import type { Lab } from "../../tools/labs";
import { commOf, LabHost, settle } from "../../tools/labs";
import { tempDir } from "../tmp";

const NS = "hvht-ns";
const PORT = 12873;

const lab: Lab = {
    name: "harness-test",
    stack: "none",
    linkPrefix: "hvht-",
    root: true,
    needs: [],
    setUp: async () => undefined,
};

const netserverPids = (): number[] =>
    spawnSync("ip", ["netns", "pids", NS], { encoding: "utf8" })
        .stdout.split("\n")
        .filter(Boolean)
        .map(Number)
        .filter((p) => commOf(p) === "netserver");

describe("the lab harness settles a lab: leftovers checked first, then cleaned @integration", function () {
    this.timeout(60000);
    let dir = "";
    const saved = process.env.HVNETLAB_LAB_STATE;

    before(function () {
        if (process.getuid?.() !== 0 || spawnSync("sh", ["-c", "command -v netserver"]).status !== 0) {
            process.stderr.write("    skipped: needs root (namespaces) and netserver\n");
            this.skip();
        }
        dir = tempDir("harness");
        process.env.HVNETLAB_LAB_STATE = dir;
        spawnSync("ip", ["netns", "del", NS]);
    });

    after(() => {
        if (saved === undefined) delete process.env.HVNETLAB_LAB_STATE;
        else process.env.HVNETLAB_LAB_STATE = saved;
        if (!dir) return;
        spawnSync("sh", ["-c", `for p in $(ip netns pids ${NS} 2>/dev/null); do kill $p; done; ip netns del ${NS} 2>/dev/null`]);
        rmSync(dir, { recursive: true, force: true });
    });

    const standUp = (): { h: LabHost; sleeper: number } => {
        const h = new LabHost(lab, {}, process.env);
        mkdirSync(h.dir, { recursive: true });
        h.netns(NS);
        const sleeper = h.start("a daemon of the setup", ["sleep", "300"], "sleep", NS);
        return { h, sleeper };
    };

    it("reports a netserver the stack left in a lab namespace, then stops it and takes the setup down", () => {
        const { h, sleeper } = standUp();
        execFileSync("ip", ["netns", "exec", NS, "netserver", "-p", String(PORT)], { stdio: "ignore" });
        const [left] = netserverPids();
        assert.ok(left, "the stand-in for a netserver left by destroy runs");

        const problems = settle(h);

        assert.deepStrictEqual(problems, [`left behind by the stack: process ${left} (netserver) in namespace ${NS}`]);
        assert.strictEqual(commOf(left), undefined, "the leftover netserver is stopped");
        assert.strictEqual(commOf(sleeper), undefined, "the setup's process is stopped by its pid");
        assert.ok(!existsSync(`/run/netns/${NS}`), "the namespace is gone");
        assert.ok(!existsSync(h.ledger), "the ledger is removed");
    });

    it("lets the lab take away what its stack left (cleanUp) after reporting it, while its setup still stands", () => {
        const marker = `${dir}/left-by-the-stack`;
        let nsWhenCleaned: boolean | undefined;
        const cleaning: Lab = {
            ...lab,
            leftovers: () => (existsSync(marker) ? [`${marker}`] : []),
            cleanUp: () => {
                nsWhenCleaned = existsSync(`/run/netns/${NS}`);
                rmSync(marker, { force: true });
            },
        };
        const h = new LabHost(cleaning, {}, process.env);
        mkdirSync(h.dir, { recursive: true });
        h.netns(NS);
        writeFileSync(marker, "");

        assert.deepStrictEqual(settle(h), [`left behind by the stack: ${marker}`]);
        assert.ok(!existsSync(marker), "cleaned up, so the next run starts clean");
        assert.strictEqual(nsWhenCleaned, true, "cleaned before the setup was undone");
        assert.ok(!existsSync(`/run/netns/${NS}`));
    });

    it("reports a saved state of one of the lab's dedicated NICs that destroy left, and forgets it", () => {
        const state = "/run/hvnetlab-nic-hvhtnic0.prev";
        const h = new LabHost({ ...lab, dedicatedNics: () => ["hvhtnic0"] }, {}, process.env);
        mkdirSync(h.dir, { recursive: true });
        writeFileSync(state, "1500 down net:[1]/2/00:00:00:00:00:00\n");
        try {
            assert.deepStrictEqual(settle(h), [`left behind by the stack: ${state} (hvhtnic0's saved state)`]);
            assert.ok(!existsSync(state), "forgotten, so the next run saves its own");
        } finally {
            rmSync(state, { force: true });
        }
    });

    it("finds nothing when the stack left nothing", () => {
        const { h } = standUp();
        assert.deepStrictEqual(settle(h), []);
        assert.ok(!existsSync(`/run/netns/${NS}`));
    });
});
