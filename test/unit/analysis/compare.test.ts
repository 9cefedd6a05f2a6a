// The comparison on hand-made documents: sources, fingerprint differences, tables, the gate,
// and the command line's exit codes and messages.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { writeFileSync } from "fs";
import * as path from "path";
import type { Source } from "../../../analysis/compare";
import {
    checkComparable,
    comparisonTables,
    CompareInputError,
    engineLines,
    fingerprintDifferences,
    formatText,
    gate,
    parseSource,
    parseTolerance,
    pickBaseline,
} from "../../../analysis/compare";
import { parseCompareArgs, runCompare } from "../../../cli/compare-commands";
import { resultsCsv } from "../../../analysis/report";
import type { Comparable, ResultsDocument, RunResult } from "../../../model";
import { tempDir } from "../../tmp";

const COMPARABLE: Comparable = {
    nicSpeedMbps: 1000,
    mtu: 1500,
    netperfVersion: "2.7.0",
    matrix: { experiments: ["send"], peer: "native", tests: ["TCP_STREAM"], messageSizes: [16384], guests: 2 },
    method: { durationSeconds: 10, intervalSeconds: 0.5, warmupSeconds: 1 },
};

function run(guests: number, mbpsPerStream: number, status: RunResult["status"] = "ok"): RunResult {
    const goodput = 941.5 * guests;
    const total = mbpsPerStream * guests;
    return {
        id: `send-native-TCP_STREAM-16384B-${guests}g`,
        experiment: "send",
        peer: "native",
        test: "TCP_STREAM",
        messageBytes: 16384,
        guests,
        status,
        skewMs: 2,
        window: { start: 100, end: 108, seconds: 8 },
        limits: { lineRateMbps: 1000 * guests, goodputMbps: goodput, basis: "ethernet" },
        aggregate: { throughputMbps: total, lineRatePct: total / (10 * guests), goodputPct: (100 * total) / goodput },
        streams: Array.from({ length: guests }, (_, i) => ({
            endpoint: `g${i + 1}`,
            nic: "bench0",
            client: `g${i + 1}`,
            server: "peer",
            throughputMbps: mbpsPerStream,
            samples: [
                [100.5, mbpsPerStream],
                [101, mbpsPerStream],
            ] as [number, number][],
            ...(status !== "ok" && i === 0 ? { error: "netserver gone" } : {}),
        })),
        ...(status !== "ok" ? { error: "1 of 2 streams failed" } : {}),
    };
}

function doc(platform: string, perStream: number[], over: Partial<ResultsDocument> = {}): ResultsDocument {
    return {
        schemaVersion: 1,
        platform,
        fingerprint: "sha256:aaaa",
        comparable: COMPARABLE,
        startedAt: "2026-11-25T00:00:00Z",
        finishedAt: "2026-11-25T00:01:00Z",
        notes: [],
        endpoints: {},
        maxClockOffsetMs: 5,
        runs: perStream.map((m, i) => run(i + 1, m)),
        ...over,
    };
}

const src = (d: ResultsDocument, label?: string): Source =>
    parseSource(JSON.stringify({ results: d, summary: [] }), `${d.platform}.json`, label);

describe("compare: sources", () => {
    it("reads stack outputs and bare results documents, labelled by platform or --label", () => {
        assert.strictEqual(src(doc("kvm", [940, 930])).label, "kvm");
        assert.strictEqual(parseSource(JSON.stringify(doc("xen", [900])), "x.json", "xen-4.17").label, "xen-4.17");
    });
    it("refuses what is not a results document, with the file and the reason", () => {
        assert.throws(() => parseSource("{", "a.json"), /a\.json: not JSON/);
        assert.throws(() => parseSource(JSON.stringify({ hello: 1 }), "b.json"), /b\.json: not a results document or stack outputs/);
        assert.throws(
            () => parseSource(JSON.stringify(doc("kvm", [1], { schemaVersion: 7 as never })), "c.json"),
            /schemaVersion 7 is not one this version reads/,
        );
        assert.throws(() => parseSource(JSON.stringify(doc("kvm", [])), "d.json"), /d\.json: the results hold no runs/);
    });
    it("says what made each lab: the CLI and each provider, official or built here; `not recorded` where the source does not say", () => {
        const official = { cli: "official v3.190.0", providers: { command: "official 1.2.1", libvirt: "official 0.5.4" } };
        const built = {
            cli: "built here, v3.274.1",
            providers: { command: "built here, stand-in for 1.2.1", libvirt: "built here, stand-in for 0.5.4" },
        };
        const outputs: Record<string, string> = {
            kvm: JSON.stringify({ lab: { platform: "kvm", engine: official }, results: doc("kvm", [940, 930]) }),
            xen: JSON.stringify({ lab: { platform: "xen", engine: built }, results: doc("xen", [900, 890]) }),
            esx: JSON.stringify({ results: doc("esx", [930, 920]) }),
        };
        const sources = ["kvm", "xen", "esx"].map((s) => parseSource(outputs[s], `stack ${s}`));
        assert.deepStrictEqual(sources[0].engine, official);
        assert.deepStrictEqual(engineLines(sources), [
            "made by (kvm): Pulumi CLI official v3.190.0; command official 1.2.1; libvirt official 0.5.4",
            "made by (xen): Pulumi CLI built here, v3.274.1; command built here, stand-in for 1.2.1; libvirt built here, stand-in for 0.5.4",
            "made by (esx): not recorded",
        ]);
        const args = { sources: ["kvm", "xen"].map((value) => ({ kind: "stack" as const, value })), allowMismatch: true, tolerance: "5%" };
        let text = "";
        runCompare(
            { ...args, json: false },
            (t) => (text += t),
            (stack) => outputs[stack],
        );
        assert.ok(text.startsWith(`${engineLines(sources.slice(0, 2)).join("\n")}\n\n`), text);
        let json = "";
        runCompare(
            { ...args, json: true },
            (t) => (json += t),
            (stack) => outputs[stack],
        );
        assert.deepStrictEqual((JSON.parse(json) as { engines: unknown }).engines, { kvm: official, xen: built });
    });
});

describe("compare: fingerprints", () => {
    it("names exactly the parts that differ", () => {
        const a = src(doc("esx", [940, 930]));
        const b = src(
            doc("kvm", [940, 930], {
                fingerprint: "sha256:bbbb",
                comparable: { ...COMPARABLE, mtu: 9000, method: { ...COMPARABLE.method, durationSeconds: 30 } },
            }),
        );
        assert.deepStrictEqual(fingerprintDifferences(a, b), ["MTU: esx 1500, kvm 9000", "method: duration (s): esx 10, kvm 30"]);
        assert.deepStrictEqual(fingerprintDifferences(a, src(doc("xen", [1, 2]))), []);
    });
    it("refuses a mismatch unless allowed, and always refuses different guest counts", () => {
        const a = src(doc("esx", [940, 930]));
        const b = src(doc("kvm", [940, 930], { fingerprint: "sha256:bbbb", comparable: { ...COMPARABLE, netperfVersion: "2.6.0" } }));
        assert.throws(() => checkComparable([a, b], false), /netperf version: esx 2\.7\.0, kvm 2\.6\.0[\s\S]*--allow-mismatch/);
        assert.deepStrictEqual(checkComparable([a, b], true), ["esx vs kvm: netperf version: esx 2.7.0, kvm 2.6.0"]);
        assert.throws(() => checkComparable([a, src(doc("xen", [940]))], true), /different guest counts \(esx 2, xen 1\)/);
        assert.throws(() => checkComparable([a, src(doc("esx", [1, 2]))], false), /two sources are labelled 'esx'/);
    });
});

describe("compare: tables", () => {
    it("has a row per guest count, a column per source, and each platform as % of native", () => {
        const native = src(doc("native", [941, 941]));
        const kvm = src(doc("kvm", [900, 800]));
        const partial = doc("xen", [700, 600]);
        (partial.runs as RunResult[])[1] = run(2, 600, "partial");
        const tables = comparisonTables([native, kvm, src(partial)], pickBaseline([native, kvm, src(partial)]));
        assert.strictEqual(tables.length, 1);
        const t = tables[0];
        assert.deepStrictEqual(t.headers, ["guests", "native", "kvm", "xen", "kvm % of native", "xen % of native"]);
        assert.deepStrictEqual(t.rows[0], ["1", "941.0 Mb/s 94.1%", "900.0 Mb/s 90.0%", "700.0 Mb/s 70.0%", "95.6%", "74.4%"]);
        assert.deepStrictEqual(t.rows[1].slice(3), ["partial", "85.0%", "-"], "a partial run is shown as such, never as a number");
        assert.match(formatText(t), /^send TCP_STREAM 16384 B \(peer native\)\nguests +native/);
    });
    it("writes one CSV row per stream per run with the run's identity", () => {
        const csv = resultsCsv([src(doc("kvm", [900, 800]))])
            .trim()
            .split("\n");
        assert.strictEqual(csv.length, 1 + 1 + 2);
        assert.match(csv[0], /^source,platform,fingerprint,run,experiment/);
        assert.match(
            csv[3],
            /^kvm,kvm,sha256:aaaa,send-native-TCP_STREAM-16384B-2g,send,native,TCP_STREAM,16384,2,ok,g2,bench0,g2,peer,800,/,
        );
    });
});

describe("compare: the regression gate", () => {
    const base = src(doc("kvm", [940, 930]), "baseline");
    it("passes within the tolerance", () => {
        const v = gate(base, src(doc("kvm", [920, 900])), 5);
        assert.strictEqual(v.verdict, "pass");
        assert.strictEqual(v.cells.length, 2, "one cell per run (1 and 2 guests)");
        assert.ok(v.cells.every((c) => !c.regression));
    });
    it("names every cell that fell more than the tolerance", () => {
        const v = gate(base, src(doc("kvm", [930, 800])), 5);
        assert.strictEqual(v.verdict, "regression");
        assert.deepStrictEqual(
            v.cells.filter((c) => c.regression).map((c) => c.id),
            ["send-native-TCP_STREAM-16384B-2g"],
        );
        assert.match(v.cells[1].reason, /fell 14\.0%, more than the tolerance of 5%/);
    });
    it("counts an ok run that is now partial as a regression", () => {
        const now = doc("kvm", [940, 930]);
        (now.runs as RunResult[])[0] = run(1, 940, "failed");
        const v = gate(base, src(now), 5);
        assert.deepStrictEqual(
            v.cells.map((c) => c.regression),
            [true, false],
        );
        assert.match(v.cells[0].reason, /ok in the baseline, failed now/);
    });
    it("where both sides have repeats, a fall within their combined 95% interval is not a regression", () => {
        const withStats = (perStream: number[], halfWidth: number): ResultsDocument => {
            const d = doc("kvm", perStream);
            return {
                ...d,
                runs: d.runs.map((r) => ({
                    ...r,
                    stats: {
                        n: 5,
                        meanMbps: r.aggregate.throughputMbps,
                        sdMbps: 1,
                        cvPct: 1,
                        ci95Mbps: [r.aggregate.throughputMbps - halfWidth, r.aggregate.throughputMbps + halfWidth] as [number, number],
                    },
                })),
            };
        };
        // 2 guests: 1860 -> 1700 Mb/s, 8.6% down. Noisy repeats (+-120 each, combined 169.7): not a regression.
        const noisy = gate(src(withStats([940, 930], 120), "baseline"), src(withStats([930, 850], 120)), 5);
        assert.strictEqual(noisy.verdict, "pass");
        assert.match(
            noisy.cells[1].reason,
            /fell 8\.6%, but by 160\.0 Mb\/s, within the combined 95% interval of the repeats \(169\.7 Mb\/s\): not a regression/,
        );
        // Tight repeats (+-10 each, combined 14.1): a regression, with both bounds named.
        const tight = gate(src(withStats([940, 930], 10), "baseline"), src(withStats([930, 850], 10)), 5);
        assert.strictEqual(tight.verdict, "regression");
        assert.match(
            tight.cells[1].reason,
            /fell 8\.6%, more than the tolerance of 5% and the combined 95% interval of the repeats \(14\.1 Mb\/s\)/,
        );
        // One side without repeats: the tolerance alone judges.
        assert.strictEqual(gate(base, src(withStats([930, 850], 120)), 5).verdict, "regression");
    });
    it("refuses a source that lacks runs of the baseline", () => {
        const now = doc("kvm", [940, 930]);
        (now.runs as RunResult[]).pop();
        assert.throws(() => gate(base, src(now), 5), CompareInputError);
    });
    it("reads tolerances as percentages", () => {
        assert.strictEqual(parseTolerance("5%"), 5);
        assert.strictEqual(parseTolerance("2.5"), 2.5);
        assert.throws(() => parseTolerance("five"), /percentage/);
    });
});

describe("compare: the command line", () => {
    const dir = tempDir("compare");
    const file = (name: string, content: unknown) => {
        const p = path.join(dir, name);
        writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
        return p;
    };
    const cli = (...args: string[]) =>
        spawnSync(process.execPath, [path.join(__dirname, "..", "..", "..", "bin", "hvnetlab.js"), ...args], { encoding: "utf8" });
    const base = file("base.json", { results: doc("kvm", [940, 930]) });

    it("parses sources, labels and options", () => {
        const a = parseCompareArgs(["--label", "k", "a.json", "--stack", "esx", "--allow-mismatch", "--tolerance", "3%"]);
        assert.deepStrictEqual(a.sources, [
            { kind: "file", value: "a.json", label: "k" },
            { kind: "stack", value: "esx" },
        ]);
        assert.ok(a.allowMismatch);
        assert.throws(() => parseCompareArgs(["--label", "x"]), /not followed by a source/);
    });

    it("exits 0 on pass, 1 on regression with the cell named, and prints a JSON verdict", () => {
        const ok = cli("compare", "--baseline", base, file("ok.json", { results: doc("kvm", [939, 931]) }));
        assert.strictEqual(ok.status, 0, ok.stderr);
        const bad = cli("compare", "--baseline", base, "--json", file("bad.json", { results: doc("kvm", [800, 930]) }));
        assert.strictEqual(bad.status, 1, bad.stderr);
        const verdict = JSON.parse(bad.stdout);
        assert.strictEqual(verdict.verdict, "regression");
        assert.deepStrictEqual(
            verdict.cells.filter((c: { regression: boolean }) => c.regression).map((c: { id: string }) => c.id),
            ["send-native-TCP_STREAM-16384B-1g"],
        );
    });

    const badInputs: [string, string[], RegExp][] = [
        ["an unreadable file", [path.join(dir, "nope.json")], /cannot read .*nope\.json: ENOENT/],
        ["a non-JSON file", [file("garbage.json", "not json")], /garbage\.json: not JSON/],
        ["an unknown schemaVersion", [file("v9.json", { ...doc("kvm", [1]), schemaVersion: 9 })], /schemaVersion 9/],
        ["a document without runs", [file("empty.json", doc("kvm", []))], /no runs/],
        ["different guest counts", [base, file("one.json", { results: doc("xen", [900]) })], /different guest counts/],
        ["a stack that does not exist", ["--stack", "no-such-stack"], /cannot read stack 'no-such-stack'/],
        [
            "missing runs against the baseline",
            [
                "--baseline",
                base,
                file("short.json", {
                    results: { ...doc("kvm", [940, 930]), runs: [run(1, 940), run(2, 930)].map((r) => ({ ...r, messageBytes: 65536 })) },
                }),
            ],
            /runs of the baseline are missing: send-native-TCP_STREAM-16384B-1g, send-native-TCP_STREAM-16384B-2g/,
        ],
    ];
    for (const [what, args, message] of badInputs) {
        it(`exits 2 with one line for ${what}`, function () {
            this.timeout(60000);
            const r = cli("compare", ...args);
            assert.strictEqual(r.status, 2, r.stdout + r.stderr);
            assert.match(r.stderr, message);
            assert.strictEqual(r.stderr.trim().split("\n").length, 1, `one line, no stack trace: ${r.stderr}`);
        });
    }

    it("exits 2 for a report folder that cannot be written", () => {
        const r = cli("report", "--out", path.join(base, "report"), base);
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stderr, /cannot write the report to .*base\.json\/report: ENOTDIR/);
    });
});
