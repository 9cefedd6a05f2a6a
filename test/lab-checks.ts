// What the real-lab tests share: whether this machine can run the local lab, what a lab with a
// given prefix left behind, and the checks every measured local lab must pass.
import * as assert from "assert";
import type { ChildProcess } from "child_process";
import { execFileSync, spawn } from "child_process";
import * as path from "path";
import type { ResultsDocument, RunResult } from "../model";
import { parseLabConfig } from "../components";
import type { LocalConfig } from "../components/platforms/local";
import { engineEnv, locateEngine, prepareWorkingProject } from "../tools/engine";
import { tempDir } from "./tmp";

const ROOT = path.resolve(__dirname, "..");
const TS_NODE = path.join(ROOT, "node_modules", ".bin", "ts-node");

export interface OfflineRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `npm run lab:offline -- ARGS`; onStderr sees the progress so far, and the child. */
export function offline(args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<OfflineRun> {
    return new Promise((resolve) => {
        const child = spawn(TS_NODE, ["--transpile-only", path.join(ROOT, "tools", "offline", "offline.ts"), ...args], { cwd: ROOT });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => {
            stdout += d;
        });
        child.stderr.on("data", (d) => {
            stderr += d;
            onStderr?.(stderr, child);
        });
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** A local lab's configuration from plain key values (the other keys at their defaults). */
export function parseLocal(values: Record<string, string>): LocalConfig {
    const config = parseLabConfig((k) => values[k]);
    if (config.platform !== "local") throw new Error(`expected a local config, got platform ${config.platform}`);
    return config;
}

/** Why the local lab cannot run here, or undefined when it can. */
export function whyNoLocalLab(): string | undefined {
    if (process.getuid?.() !== 0) return "needs root for ip netns";
    try {
        execFileSync("sh", ["-c", "command -v netperf && command -v netserver && command -v ip && command -v tc"], { stdio: "ignore" });
    } catch {
        return "needs netperf and iproute2 (see README)";
    }
    return undefined;
}

/**
 * Everything a lab with this prefix could leave behind: namespaces, links (with their qdiscs),
 * and netservers or netperf clients anywhere but in the namespaces of other labs.
 */
export function leftovers(prefix: string): string[] {
    const all = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
        .split("\n")
        .map((l) => l.split(" ")[0])
        .filter(Boolean);
    const namespaces = all.filter((n) => n.startsWith(`${prefix}-`));
    const othersPids = new Set(
        all
            .filter((n) => !n.startsWith(`${prefix}-`))
            .flatMap((n) => {
                try {
                    return execFileSync("ip", ["netns", "pids", n], { encoding: "utf8" }).split("\n").filter(Boolean);
                } catch {
                    return []; // deleted meanwhile
                }
            }),
    );
    const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes(prefix));
    const processes = ["netserver", "netperf"].flatMap((name) => running(name).filter((p) => !othersPids.has(p.split(" ")[1])));
    return [...namespaces.map((n) => `namespace ${n}`), ...links.map((l) => `link ${l}`), ...processes];
}

/** Running (not defunct) processes of that name, as "name pid command". */
function running(name: string): string[] {
    try {
        return execFileSync("pgrep", ["-a", "-x", name], { encoding: "utf8" })
            .trim()
            .split("\n")
            .filter((l) => l && !l.includes("<defunct>"))
            .map((p) => `${name} ${p}`);
    } catch (e) {
        // pgrep exits 1 when there is none; anything else (no pgrep, a bad pattern) would hide leftovers.
        if ((e as { status?: number }).status === 1) return [];
        throw e;
    }
}

/**
 * What every results document must hold, whatever went wrong: a status per run; a run that is
 * not ok says why; an ok run has no reason and every stream measured; figures are finite and the
 * aggregate is the sum of its streams (a run without a common window has none); a stream a check
 * failed keeps what it measured (a figure comes with the samples or netperf's own figure behind it).
 */
export function assertValidResults(doc: ResultsDocument): void {
    assert.strictEqual(doc.schemaVersion, 1);
    assert.ok(doc.runs.length > 0, "the results hold runs");
    for (const r of doc.runs) {
        assert.ok(["ok", "partial", "failed"].includes(r.status), `${r.id}: status ${r.status}`);
        for (const v of [r.aggregate.throughputMbps, r.aggregate.goodputPct, r.skewMs, r.window.seconds])
            assert.ok(Number.isFinite(v), `${r.id}: a figure is not finite`);
        if (r.status === "failed") assert.ok(r.error, `${r.id}: a failed run says why`);
        else assert.ok(r.window.seconds > 0, `${r.id}: a measured run has a window`);
        if (r.window.seconds > 0) {
            const streams = r.streams.reduce((a, s) => a + s.throughputMbps, 0);
            assert.ok(
                r.repeats || Math.abs(streams - r.aggregate.throughputMbps) < 0.1,
                `${r.id}: aggregate ${r.aggregate.throughputMbps} is not the sum of its streams ${streams}`,
            );
        }
        if (r.status === "ok") {
            assert.strictEqual(r.error, undefined, `${r.id}: an ok run has no error`);
            for (const s of r.streams)
                assert.ok(!s.error && s.samples.length > 0, `${r.id} ${s.endpoint}: an ok run's streams all measured`);
        }
        if (r.status === "partial") assert.ok(r.error, `${r.id}: a partial run says why`);
        for (const s of r.streams.filter((x) => x.error && x.throughputMbps > 0))
            assert.ok(
                s.samples.length > 0 || (s.sentSamples?.length ?? 0) > 0 || s.netperfReported !== undefined,
                `${r.id} ${s.endpoint}: a failed stream's figure has its samples or netperf's figure behind it`,
            );
    }
}

/** A run of a 1 Gb/s, MTU 1500 local lab that measured right: ok, and every stream at tbf's goodput limit. */
export function assertAtLimit(run: RunResult | undefined): void {
    assert.ok(run, "the run is there");
    assert.strictEqual(run.status, "ok", `${run.id}: ${run.error}`);
    for (const s of run.streams) {
        const pct = (100 * s.throughputMbps) / 956.4;
        // Above 100%: tbf lets its 256 KB bucket through at once, and a window edge can fall inside a burst (100.52% seen once).
        assert.ok(pct >= 97 && pct <= 101, `${run.id} ${s.endpoint}: ${pct.toFixed(2)}% of goodput`);
    }
}

/**
 * The checks of a measured local lab at 1 Gb/s, MTU 1500: every run ok, each stream on its own
 * guest within 97-100.5% of tbf's goodput limit, aggregate likewise, start skew under 50 ms.
 */
export function assertMeasuredLocalLab(outputs: Record<string, unknown>, expectedRuns: string[]): void {
    assert.deepStrictEqual(Object.keys(outputs).sort(), ["lab", "plan", "results", "summary"]);
    const results = outputs.results as ResultsDocument;
    assert.deepStrictEqual(
        results.runs.map((x) => `${x.experiment}:${x.guests}`),
        expectedRuns,
    );
    for (const run of results.runs) {
        const perWire = run.limits.goodputMbps / run.guests;
        assert.strictEqual(perWire, 956.4, "tbf goodput limit at 1 Gb/s, MTU 1500");
        assert.strictEqual(run.status, "ok", run.error);
        assert.ok(
            run.aggregate.goodputPct >= 97 && run.aggregate.goodputPct <= 100.5,
            `${run.id}: aggregate at ${run.aggregate.goodputPct}% of goodput`,
        );
        assert.ok(run.skewMs < 50, `${run.id}: start skew ${run.skewMs} ms`);
        assert.ok(run.window.seconds >= 1, `${run.id}: window ${run.window.seconds} s`);
        assert.strictEqual(run.streams.length, run.guests);
        for (const s of run.streams) {
            const pct = (100 * s.throughputMbps) / perWire;
            // Above 100%: tbf lets its 256 KB bucket through at once, and a window edge can fall inside a burst (100.52% seen once).
            assert.ok(pct >= 97 && pct <= 101, `${run.id} ${s.endpoint}: ${pct.toFixed(2)}% of goodput`);
            assert.ok(s.samples.length >= 4, "every interim sample is kept");
        }
        assert.strictEqual(new Set(run.streams.map((s) => s.endpoint)).size, run.guests, "each stream on its own guest");
    }
    assert.strictEqual((outputs.summary as unknown[]).length, results.runs.length);
    assert.strictEqual((outputs.lab as { netperfVersions: Record<string, string> }).netperfVersions.peer, "2.7.0");
}

/**
 * For a test of the local stack under the real engine: skips it, saying why, where the local lab
 * cannot run or no engine is built (under CI=true a missing engine fails); else a fresh working
 * project (its folder named after `name`) and the engine's environment, with PULUMI_DEBUG_COMMANDS
 * so that `--event-log` holds every message the display shows.
 */
export function engineLabOrSkip(ctx: Mocha.Context, name: string): { workDir: string; env: NodeJS.ProcessEnv } | undefined {
    const why = whyNoLocalLab();
    if (why) {
        console.log(`    (skipped: the local lab ${why})`);
        ctx.skip();
        return undefined;
    }
    try {
        locateEngine();
    } catch (e) {
        if (process.env.CI) throw e;
        console.log(`    (skipped: ${(e as Error).message})`);
        ctx.skip();
        return undefined;
    }
    const workDir = tempDir(name);
    prepareWorkingProject({ workDir, refresh: true });
    return { workDir, env: { ...engineEnv({ workDir }), PULUMI_DEBUG_COMMANDS: "true" } };
}
