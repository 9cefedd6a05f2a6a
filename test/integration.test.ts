// @integration: the local stack built and measured for real through the offline runner.
// Needs root and netperf (CI installs both); skipped with a message otherwise.
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ResultsDocument } from "../benchmarks/types";

const ROOT = path.resolve(__dirname, "..");
const TS_NODE = path.join(ROOT, "node_modules", ".bin", "ts-node");

function canRunLab(): string | undefined {
    if (process.getuid?.() !== 0) return "needs root for ip netns";
    try {
        execFileSync("sh", ["-c", "command -v netperf && command -v netserver && command -v ip && command -v tc"], { stdio: "ignore" });
    } catch {
        return "needs netperf and iproute2 (see README)";
    }
    return undefined;
}

interface Run { code: number | null; stdout: string; stderr: string }

function offline(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<Run> {
    return new Promise((resolve) => {
        const child = spawn(TS_NODE, ["--transpile-only", path.join(ROOT, "tools", "offline.ts"), ...args], { cwd: ROOT });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; onStderr?.(stderr, child); });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** Everything a lab with this prefix could leave behind. */
function leftovers(prefix: string): string[] {
    const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(`${prefix}-`));
    const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).split("\n").filter((l) => l.includes(prefix));
    let netservers: string[] = [];
    try {
        // Exited processes that this machine's init has not reaped yet (<defunct>) are not running.
        netservers = execFileSync("pgrep", ["-a", "-x", "netserver"], { encoding: "utf8" }).trim().split("\n").filter((l) => l && !l.includes("<defunct>"));
    } catch { /* pgrep exits 1 when there is none */ }
    return [...namespaces.map((n) => `namespace ${n}`), ...links.map((l) => `link ${l}`), ...netservers.map((p) => `netserver ${p}`)];
}

describe("@integration the local lab, for real", function () {
    this.timeout(300000);
    before(function () {
        const why = canRunLab();
        if (why) {
            console.log(`    (skipped: the local lab ${why})`);
            this.skip();
        }
    });

    it("measures guests 1..4 at the goodput limit, synchronized, and leaves nothing behind", async () => {
        const out = path.join(mkdtempSync(path.join(tmpdir(), "hvnetlab-")), "outputs.json");
        const r = await offline(["--stack", "local", "--config", "guests=4", "--config", "durationSeconds=4", "--config", "labPrefix=hvnit", "--config", "subnet=10.78.0.0/24", "--out", out]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /experiment\s+peer\s+test/);
        const outputs = JSON.parse(readFileSync(out, "utf8"));
        assert.deepStrictEqual(Object.keys(outputs).sort(), ["lab", "plan", "results", "summary"]);
        const results = outputs.results as ResultsDocument;
        assert.deepStrictEqual(results.runs.map((x) => `${x.experiment}:${x.guests}`), ["send:1", "send:2", "send:3", "send:4", "receive:1", "receive:2", "receive:3", "receive:4"]);
        for (const run of results.runs) {
            const perWire = run.limits.goodputMbps / run.guests;
            assert.strictEqual(perWire, 956.4, "tbf goodput limit at 1 Gb/s, MTU 1500");
            assert.strictEqual(run.status, "ok", run.error);
            assert.ok(run.aggregate.goodputPct >= 97 && run.aggregate.goodputPct <= 100.5, `${run.id}: aggregate at ${run.aggregate.goodputPct}% of goodput`);
            assert.ok(run.skewMs < 50, `${run.id}: start skew ${run.skewMs} ms`);
            assert.ok(run.window.seconds >= 1, `${run.id}: window ${run.window.seconds} s`);
            assert.strictEqual(run.streams.length, run.guests);
            for (const s of run.streams) {
                const pct = 100 * s.throughputMbps / perWire;
                assert.ok(pct >= 97 && pct <= 100.5, `${run.id} ${s.endpoint}: ${pct.toFixed(2)}% of goodput`);
                assert.ok(s.samples.length >= 4, "every interim sample is kept");
            }
            assert.strictEqual(new Set(run.streams.map((s) => s.endpoint)).size, run.guests, "each stream on its own guest");
        }
        assert.strictEqual(outputs.summary.length, results.runs.length);
        assert.strictEqual(outputs.lab.netperfVersions.peer, "2.7.0");
        assert.deepStrictEqual(leftovers("hvnit"), []);
    });

    it("fails with a clear error when netperf is not the wanted version, and tears down", async () => {
        const r = await offline(["--stack", "local", "--config", "guests=2", "--config", "labPrefix=hvnbad", "--config", "netperfVersion=9.9.9", "--out", path.join(tmpdir(), "hvnbad.json")]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /netperf 2\.7\.0 is installed but hvnetlab:netperfVersion is 9\.9\.9/);
        assert.match(r.stderr, /tearing down/);
        assert.deepStrictEqual(leftovers("hvnbad"), []);
    });

    it("creates nothing for an invalid config", async () => {
        const r = await offline(["--stack", "local", "--config", "guests=99", "--config", "labPrefix=hvninv"]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /hvnetlab:guests = "99" is out of range; use a whole number from 1 to 64/);
        assert.doesNotMatch(r.stderr, /\+ hvnetlab/);
        assert.deepStrictEqual(leftovers("hvninv"), []);
    });

    it("tears the lab down on Ctrl-C in the middle of a measurement", async () => {
        let sent = false;
        const r = await offline(["--stack", "local", "--config", "guests=2", "--config", "durationSeconds=20", "--config", "labPrefix=hvnint", "--config", "subnet=10.79.0.0/24"], (text, child) => {
            if (!sent && /\[1\/\d+\] send/.test(text)) {
                sent = true;
                setTimeout(() => child.kill("SIGINT"), 1500);
            }
        });
        assert.ok(sent, r.stderr);
        assert.strictEqual(r.code, 130, r.stderr);
        assert.match(r.stderr, /SIGINT: stopping and tearing the lab down/);
        assert.deepStrictEqual(leftovers("hvnint"), []);
    });
});
