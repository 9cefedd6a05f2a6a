import * as assert from "assert";
import { combineRepeats } from "../../../../runner/judging/repeats";
import { laggards } from "../../../../runner/judging/run-result";
import { spread, tQuantile975 } from "../../../../runner/judging/statistics";
import type { RunResult } from "../../../../model";
import { failureOf } from "../../../../analysis/fail-on";

const run = (mbps: number, status: RunResult["status"] = "ok", error?: string): RunResult => ({
    id: "send-native-TCP_STREAM-16384B-2g",
    experiment: "send",
    peer: "native",
    test: "TCP_STREAM",
    messageBytes: 16384,
    guests: 2,
    limits: { lineRateMbps: 2000, goodputMbps: 1912.8, basis: "b" },
    status,
    skewMs: mbps / 1000,
    window: { start: 1, end: 3, seconds: 2 },
    aggregate: { throughputMbps: status === "failed" ? 0 : mbps, lineRatePct: mbps / 20, goodputPct: (100 * mbps) / 1912.8 },
    streams: [{ endpoint: "g1", nic: "bench0", client: "g1", server: "peer", throughputMbps: mbps / 2, samples: [[2, mbps / 2]] }],
    ...(error ? { error } : {}),
});

describe("statistics of repeats", () => {
    it("t quantiles: the table, then the expansion, close to the exact values", () => {
        assert.strictEqual(tQuantile975(1), 12.706);
        assert.strictEqual(tQuantile975(4), 2.776);
        assert.ok(Math.abs(tQuantile975(60) - 2.0003) < 0.001, String(tQuantile975(60)));
        assert.ok(Math.abs(tQuantile975(120) - 1.9799) < 0.001, String(tQuantile975(120)));
        assert.throws(() => tQuantile975(0), RangeError);
    });

    it("mean, sample sd, CV and 95% t-interval, hand-computed", () => {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7) = 2.138, half-width 2.365 * 2.138 / sqrt(8) = 1.788
        const s = spread([2, 4, 4, 4, 5, 5, 7, 9]);
        assert.strictEqual(s.mean, 5);
        assert.ok(Math.abs(s.sd - 2.13809) < 1e-4);
        assert.ok(Math.abs(s.cvPct - 42.762) < 1e-3);
        assert.ok(Math.abs(s.ci95[0] - 3.2125) < 1e-3 && Math.abs(s.ci95[1] - 6.7875) < 1e-3, JSON.stringify(s.ci95));
        assert.deepStrictEqual(spread([7]), { n: 1, mean: 7, sd: 0, cvPct: 0, ci95: [7, 7] });
    });

    it("combines repeats: the mean as aggregate, the spread, every repeat kept, the streams of the one nearest the mean", () => {
        const r = combineRepeats([run(1900), run(1880), run(1910)]);
        assert.strictEqual(r.aggregate.throughputMbps, 1896.67);
        assert.strictEqual(r.stats?.n, 3);
        assert.strictEqual(r.stats?.sdMbps, 15.28);
        assert.strictEqual(r.stats?.cvPct, 0.81);
        assert.deepStrictEqual(r.stats?.ci95Mbps, [1858.72, 1934.62]);
        assert.strictEqual(r.repeats?.length, 3);
        assert.strictEqual(r.streams[0].throughputMbps, 950, "streams of the 1900 repeat");
        assert.strictEqual(r.status, "ok");
        assert.strictEqual(r.error, undefined);
    });

    it("a repeat that failed leaves the run partial, its mean from the others, with the repeat named", () => {
        const r = combineRepeats([run(1900), run(0, "failed", "every stream failed: boom"), run(1880)]);
        assert.strictEqual(r.status, "partial");
        assert.strictEqual(r.stats?.n, 2);
        assert.strictEqual(r.aggregate.throughputMbps, 1890);
        assert.strictEqual(r.error, "repeat 2: every stream failed: boom");
        const none = combineRepeats([run(0, "failed", "x"), run(0, "failed", "y")]);
        assert.strictEqual(none.status, "failed");
        assert.strictEqual(none.aggregate.throughputMbps, 0);
        assert.strictEqual(none.error, "repeat 1: x; repeat 2: y");
    });

    it("a UDP run's loss is the mean of its measured repeats' losses", () => {
        const lossy = (mbps: number, lossPct: number): RunResult => {
            const r = run(mbps);
            return { ...r, test: "UDP_STREAM", aggregate: { ...r.aggregate, lossPct } };
        };
        const r = combineRepeats([lossy(900, 4), lossy(950, 1), run(0, "failed", "every stream failed: boom")]);
        assert.strictEqual(r.aggregate.lossPct, 2.5);
    });

    it("one repeat is the run itself, without stats", () => {
        const one = run(1900);
        assert.strictEqual(combineRepeats([one]), one);
    });
});

describe("laggard streams", () => {
    const st = (endpoint: string, throughputMbps: number) => ({ endpoint, throughputMbps });
    it("warns about a stream under half the others' mean, naming it", () => {
        const w = laggards([st("g1", 950), st("g2", 300), st("g3", 940)]);
        assert.strictEqual(w.length, 1);
        assert.match(w[0], /^g2's stream carried 300 Mb\/s, 31\.7% of the others' mean \(945 Mb\/s\)/);
    });
    it("is quiet for fair shares, a lone stream, and at exactly half", () => {
        assert.deepStrictEqual(laggards([st("g1", 950), st("g2", 900)]), []);
        assert.deepStrictEqual(laggards([st("g1", 10)]), []);
        assert.deepStrictEqual(laggards([st("g1", 1000), st("g2", 500)]), []);
    });
});

describe("hvnetlab:failOn", () => {
    const doc = (...statuses: RunResult["status"][]) => ({ runs: statuses.map((s) => run(1900, s, s === "ok" ? undefined : "why")) });
    it("failed: fails on a failed run only, naming it and the reason", () => {
        assert.strictEqual(failureOf(doc("ok", "partial"), "failed"), undefined);
        assert.match(
            failureOf(doc("ok", "failed"), "failed")!,
            /^1 of 2 runs failed \(hvnetlab:failOn is failed\): send-native-TCP_STREAM-16384B-2g failed \(why\)/,
        );
    });
    it("partial: fails on anything not ok; never: never", () => {
        assert.match(failureOf(doc("ok", "partial"), "partial")!, /1 of 2 runs are not ok/);
        assert.strictEqual(failureOf(doc("failed", "failed"), "never"), undefined);
    });
    it("a stopped benchmark fails whatever the policy", () => {
        assert.match(
            failureOf({ ...doc("ok"), incomplete: "stopped by SIGINT: 1 of 2 runs measured" }, "never")!,
            /stopped: stopped by SIGINT/,
        );
    });
});
