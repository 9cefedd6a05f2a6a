// @integration: the comparison on results of real local runs (offline runner): two runs of the
// same lab compared (table, CSV, a passing gate), and a run on slower wires gated against them
// (a real regression, exit 1). Needs root and netperf; skipped with a message otherwise.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { whyNoLocalLab } from "../lab-checks";
import { onPath } from "../../tools/engine";
import { tempDir } from "../tmp";

const ROOT = path.resolve(__dirname, "..", "..");

describe("@integration compare, on real local runs", function () {
    this.timeout(300000);
    const dir = tempDir("cmp");
    const lab = (name: string, extra: string[] = []) => {
        const out = path.join(dir, `${name}.json`);
        const r = spawnSync(
            path.join(ROOT, "node_modules", ".bin", "ts-node"),
            [
                "--transpile-only",
                path.join(ROOT, "tools", "offline", "offline.ts"),
                "--config",
                "guests=2",
                "--config",
                "durationSeconds=3",
                "--config",
                "experiments=[send]",
                "--config",
                `labPrefix=hvcmp${name}`,
                "--config",
                "subnet=10.86.0.0/24",
                ...extra,
                "--out",
                out,
            ],
            { encoding: "utf8" },
        );
        assert.strictEqual(r.status, 0, r.stderr);
        return out;
    };
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin", "hvnetlab.js"), ...args], { encoding: "utf8" });
    let first = "";
    let second = "";

    before(function () {
        const why = whyNoLocalLab();
        if (why) {
            console.log(`    (skipped: the local lab ${why})`);
            return this.skip();
        }
        first = lab("a");
        second = lab("b");
    });

    it("tables two runs of the same lab side by side, each at the wire's goodput", () => {
        const r = cli("compare", "--label", "run-a", first, "--label", "run-b", second);
        assert.strictEqual(r.status, 0, r.stderr);
        // First what made each lab (the offline runner), then the table.
        const [made, ...tables] = r.stdout.trim().split("\n\n");
        assert.strictEqual(
            made,
            ["run-a", "run-b"]
                .map(
                    (l) =>
                        `made by (${l}): Pulumi CLI none (the offline runner, no Pulumi engine); command built here, stand-in for 1.2.1 (the offline runner)`,
                )
                .join("\n"),
        );
        const lines = tables.join("\n\n").split("\n");
        assert.strictEqual(lines[0], "send TCP_STREAM 16384 B (peer native)");
        assert.match(lines[1], /^guests\s+run-a\s+run-b\s+run-b % of run-a$/);
        for (const [i, row] of lines.slice(3).entries()) {
            // Each cell: throughput, % of line rate, and the host's service demand (CPU-us per KB).
            const m = /^(\d)\s+([\d.]+) Mb\/s ([\d.]+)% [\d.]+ us\/KB\s+([\d.]+) Mb\/s ([\d.]+)% [\d.]+ us\/KB\s+([\d.]+)%$/.exec(row);
            assert.ok(m, `row ${row}`);
            assert.strictEqual(Number(m[1]), i + 1);
            for (const pct of [m[3], m[5]]) assert.ok(Number(pct) > 93 && Number(pct) < 96.2, `${pct}% of line rate at tbf's limit`);
            assert.ok(Math.abs(Number(m[6]) - 100) < 3, `the two runs agree: ${m[6]}%`);
        }
    });

    it("writes the CSV of both runs: one row per stream per run", () => {
        const out = path.join(dir, "report");
        const r = cli("report", "--out", out, "--label", "run-a", first, "--label", "run-b", second);
        assert.strictEqual(r.status, 0, r.stderr);
        const rows = readFileSync(path.join(out, "results.csv"), "utf8").trim().split("\n").slice(1);
        assert.strictEqual(rows.length, 2 * (1 + 2), "per source: the 1-guest run's stream and the 2-guest run's two");
        assert.ok(rows.every((row) => /,ok,g[12],/.test(row)));
    });

    it("gates: the same lab passes (exit 0); slower wires regress (exit 1) once the mismatch is allowed, and are refused without (exit 2)", () => {
        const pass = cli("compare", "--baseline", first, "--tolerance", "5%", second);
        assert.strictEqual(pass.status, 0, pass.stdout + pass.stderr);
        assert.match(pass.stdout, /^pass: 2 cells within 5%/m);

        const slow = lab("c", ["--config", "nicSpeedMbps=500"]);
        const refused = cli("compare", "--baseline", first, slow);
        assert.strictEqual(refused.status, 2);
        assert.match(refused.stderr, /wire speed \(Mb\/s\): baseline 1000, local 500/);

        const regressed = cli("compare", "--baseline", first, "--allow-mismatch", "--json", slow);
        assert.strictEqual(regressed.status, 1, regressed.stderr);
        const verdict = JSON.parse(regressed.stdout);
        assert.strictEqual(verdict.verdict, "regression");
        assert.ok(
            verdict.cells.every((c: { regression: boolean; changePct: number }) => c.regression && c.changePct < -45),
            JSON.stringify(verdict.cells),
        );
        assert.ok(verdict.mismatches.length > 0, "the allowed mismatch is stated in the verdict");
    });

    it("labels two runs of one stack by their file names, and says so, without --label", () => {
        const r = cli("compare", first, second);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(
            r.stdout,
            new RegExp(`^note: ${first.replace(/[.\\/]/g, "\\$&")} is labelled 'a' \\(more than one source is 'local'\\)$`, "m"),
        );
        assert.match(r.stdout, /^guests\s+a\s+b\s+b % of a$/m);
    });

    it("writes report.html, one self-contained page that a real browser renders without an error", function () {
        this.timeout(120000);
        const browser = onPath("chromium");
        if (!browser) {
            if (process.env.CI) assert.fail("no chromium on PATH: scripts/setup.sh installs it");
            console.log("    (skipped: no chromium; apt-get install chromium)");
            return this.skip();
        }
        const out = path.join(dir, "report-html");
        const r = cli("report", "--out", out, "--label", "run-a", first, "--label", "run-b", second);
        assert.strictEqual(r.status, 0, r.stderr);
        const html = readFileSync(path.join(out, "report.html"), "utf8");
        const charts = readdirSync(path.join(out, "charts")).filter((f) => f.endsWith(".svg"));
        assert.ok(charts.length >= 3, `charts: ${charts.join(", ")}`);
        assert.ok(!/<script|<img|<link|src="http|href="http/i.test(html), "no script and nothing loaded from outside");
        const shot = path.join(out, "report.png");
        const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"];
        const page = `file://${path.join(out, "report.html")}`;
        const dom = spawnSync(browser, [...flags, "--dump-dom", page], { encoding: "utf8", timeout: 60000 });
        assert.strictEqual(dom.status, 0, dom.stderr);
        // Every chart is drawn in the page, every table is there, the comparison's labels are read.
        assert.strictEqual((dom.stdout.match(/<svg[\s>]/g) ?? []).length, charts.length, "one inline SVG per chart");
        assert.ok((dom.stdout.match(/<table>/g) ?? []).length >= 1, "the tables");
        assert.match(dom.stdout, /<th[^>]*>run-b % of run-a<\/th>/);
        const snap = spawnSync(browser, [...flags, "--window-size=1280,2400", `--screenshot=${shot}`, page], {
            encoding: "utf8",
            timeout: 60000,
        });
        assert.strictEqual(snap.status, 0, snap.stderr);
        assert.ok(existsSync(shot) && readFileSync(shot).subarray(1, 4).toString() === "PNG", "a PNG screenshot");
        // The page logs nothing: no console message, no resource it failed to load.
        for (const log of [dom.stderr, snap.stderr]) {
            const pageErrors = log.split("\n").filter((l) => /CONSOLE|Uncaught|Not allowed to load|ERR_FILE_NOT_FOUND/.test(l));
            assert.deepStrictEqual(pageErrors, [], "the page logged errors");
        }
        console.log(`    screenshot: ${shot}`);
    });
});
