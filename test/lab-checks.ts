// What the real-lab tests share: whether this machine can run the local lab, what a lab with a
// given prefix left behind, and the checks every measured local lab must pass.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { ResultsDocument } from "../benchmarks/types";

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

/** Everything a lab with this prefix could leave behind: namespaces, links (with their qdiscs), netservers. */
export function leftovers(prefix: string): string[] {
    const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(`${prefix}-`));
    const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).split("\n").filter((l) => l.includes(prefix));
    let netservers: string[] = [];
    try {
        // Exited processes that this machine's init has not reaped yet (<defunct>) are not running.
        netservers = execFileSync("pgrep", ["-a", "-x", "netserver"], { encoding: "utf8" }).trim().split("\n").filter((l) => l && !l.includes("<defunct>"));
    } catch { /* pgrep exits 1 when there is none */ }
    return [...namespaces.map((n) => `namespace ${n}`), ...links.map((l) => `link ${l}`), ...netservers.map((p) => `netserver ${p}`)];
}

/**
 * The checks of a measured local lab at 1 Gb/s, MTU 1500: every run ok, each stream on its own
 * guest within 97-100.5% of tbf's goodput limit, aggregate likewise, start skew under 50 ms.
 */
export function assertMeasuredLocalLab(outputs: Record<string, unknown>, expectedRuns: string[]): void {
    assert.deepStrictEqual(Object.keys(outputs).sort(), ["lab", "plan", "results", "summary"]);
    const results = outputs.results as ResultsDocument;
    assert.deepStrictEqual(results.runs.map((x) => `${x.experiment}:${x.guests}`), expectedRuns);
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
    assert.strictEqual((outputs.summary as unknown[]).length, results.runs.length);
    assert.strictEqual((outputs.lab as { netperfVersions: Record<string, string> }).netperfVersions.peer, "2.7.0");
}
