// The report's charts rendered to SVG with vega: axes titled with units, series named in the
// legend, one mark per measured point (partial and failed runs left out), the reference overlaid.
import * as assert from "assert";
import { readFileSync, readdirSync } from "fs";
import * as path from "path";
import { fairnessSpec, renderSvg, throughputSpec, timeSeriesSpec } from "../../../analysis/charts";
import { groupKey } from "../../../analysis/compare";
import { readReference, resultsCsv, writeReport } from "../../../analysis/report";
import { formatTable, summarize } from "../../../analysis/summary";
import type { RunResult } from "../../../model";
import { tempDir } from "../../tmp";
import { sourceOf } from "../../plans";

function run(guests: number, perStream: number, status: RunResult["status"] = "ok"): RunResult {
    return {
        id: `receive-native-TCP_STREAM-16384B-${guests}g`,
        experiment: "receive",
        peer: "native",
        test: "TCP_STREAM",
        messageBytes: 16384,
        guests,
        status,
        skewMs: 1,
        window: { start: 1000.5, end: 1004, seconds: 3.5 },
        limits: { lineRateMbps: 1000 * guests, goodputMbps: 941.5 * guests, basis: "ethernet" },
        aggregate: { throughputMbps: perStream * guests, lineRatePct: perStream / 10, goodputPct: perStream / 9.415 },
        streams: Array.from({ length: guests }, (_, i) => ({
            endpoint: `g${i + 1}`,
            nic: "bench0",
            client: "peer",
            server: `g${i + 1}`,
            throughputMbps: perStream,
            samples: [1000.5, 1001, 1001.5, 1002, 1002.5, 1003, 1003.5, 1004].map((t) => [t, perStream] as [number, number]),
        })),
    };
}

const marks = (svg: string, role: string) => (svg.match(new RegExp(`aria-roledescription="${role}"`, "g")) ?? []).length;
const labelled = (svg: string, text: string) => svg.includes(text);

describe("charts", function () {
    this.timeout(60000);
    const kvm = sourceOf("kvm", [run(1, 930), run(2, 900), run(3, 850), run(4, 700, "partial")]);
    const esx = sourceOf("esx", [run(1, 940), run(2, 935), run(3, 930), run(4, 910)]);
    const group = groupKey(kvm.results.runs[0]);
    const reference = readReference(path.join(__dirname, "..", "..", "..", "analysis", "reference", "scale-out-study.json"));

    it("throughput against guests: axes with units, a line per platform, the limits, the reference", async () => {
        const svg = await renderSvg(throughputSpec([kvm, esx], group, reference));
        assert.ok(labelled(svg, "X-axis titled 'guests running at once'"));
        assert.ok(labelled(svg, "Y-axis titled 'aggregate throughput (Mb/s)'"));
        assert.match(
            svg,
            /Symbol legend titled 'platform' [^"]*esx, kvm, native \(study\), ESX 3\.0\.1 \(study\), XenEnterprise 3\.2 \(study\)|Symbol legend titled 'platform' [^"]*values: [^"]*esx[^"]*kvm/,
        );
        for (const name of ["ESX 3.0.1 (study)", "XenEnterprise 3.2 (study)", "native (study)", "kvm", "esx"])
            assert.ok(labelled(svg, name), name);
        // 3 ok kvm runs + 4 esx runs, and the study's receive points: native 1-4, ESX at 4, Xen at 4.
        assert.strictEqual(marks(svg, "point"), 3 + 4 + 6);
        assert.ok(!svg.includes("aggregate throughput (Mb/s): 2800; platform: kvm"), "the partial run is not drawn as a number");
        assert.ok(labelled(svg, "line rate (1000 Mb/s per wire)") && labelled(svg, "goodput limit (941.5 Mb/s per wire)"));
        assert.ok(labelled(svg, "aggregate throughput (Mb/s): 2280; platform: XenEnterprise 3.2 (study)"), "57% of 4 x 1000 Mb/s");
    });

    it("per-stream bars of the largest run: one bar per wire per platform", async () => {
        const svg = await renderSvg(fairnessSpec([kvm, esx], group));
        assert.ok(labelled(svg, "X-axis titled 'stream (each on its own wire)'"));
        assert.ok(labelled(svg, "Y-axis titled 'stream throughput (Mb/s)'"));
        assert.strictEqual(marks(svg, "bar"), 4 + 4);
    });

    it("per-stream bars: native's streams, all from one host, stand side by side, not stacked", async () => {
        // On native every stream's endpoint is the one host; the bars are by wire.
        const host = (s: typeof kvm) => ({
            ...s,
            label: "native",
            results: {
                ...s.results,
                runs: s.results.runs.map((r) => ({ ...r, streams: r.streams.map((st) => ({ ...st, endpoint: "host" })) })),
            },
        });
        const spec = fairnessSpec([host(esx), kvm], group);
        const bars = (spec.data as { values: { series: string; stream: string }[] }).values;
        const native = bars.filter((b) => b.series === "native").map((b) => b.stream);
        assert.deepStrictEqual(native, ["wire 1", "wire 2", "wire 3", "wire 4"]);
        assert.strictEqual(marks(await renderSvg(spec), "bar"), 4 + 4);
    });

    it("interim samples: a line per stream, a point per sample, the window shaded", async () => {
        const r = esx.results.runs[1];
        const svg = await renderSvg(timeSeriesSpec(esx, r));
        assert.ok(labelled(svg, "X-axis titled 'seconds since the first sample'"));
        assert.ok(labelled(svg, "Y-axis titled 'interim throughput (Mb/s)'"));
        assert.strictEqual(marks(svg, "point"), r.streams.length * 8);
        assert.strictEqual(marks(svg, "rect mark"), 1, "the shaded window");
        assert.ok(labelled(svg, "g1") && labelled(svg, "g2"));
    });

    it("writes the report folder: report.md, report.html, results.csv and every chart", async () => {
        const dir = tempDir("report");
        const files = await writeReport(dir, [kvm, esx], { mismatches: [], reference });
        assert.strictEqual(files.length, 3 + 3);
        assert.deepStrictEqual(
            files.slice(0, 3).map((f) => path.basename(f)),
            ["report.md", "report.html", "results.csv"],
        );
        const html = readFileSync(path.join(dir, "report.html"), "utf8");
        assert.strictEqual((html.match(/<figure><svg/g) ?? []).length, 3, "every chart inlined in report.html");
        assert.deepStrictEqual(
            readdirSync(path.join(dir, "charts")).sort(),
            [
                "fairness-receive-tcp-stream-16384-b-peer-native.svg",
                "throughput-receive-tcp-stream-16384-b-peer-native.svg",
                "timeseries-kvm-receive-native-tcp-stream-16384b-3g.svg",
            ],
            "the time series is of the first source's largest ok run",
        );
        const md = readFileSync(path.join(dir, "report.md"), "utf8");
        assert.match(md, /\| 4 \| partial \| 3640\.0 Mb\/s 91\.0% \|/);
        assert.match(md, /!\[throughput-receive-tcp-stream-16384-b-peer-native\.svg\]\(charts\//);
    });
});

describe("UDP streams in charts, results.csv and the table: what arrived, never the sender's rate", function () {
    this.timeout(60000);
    const times = [1000.5, 1001, 1001.5, 1002, 1002.5, 1003, 1003.5, 1004];
    /** A 1-guest UDP run as the runner writes it: 961.5 Mb/s sent, `received` arrived. */
    const udpRun = (received: number, recorded = true): RunResult => {
        const base = run(1, received);
        const fraction = received / 961.5;
        return {
            ...base,
            id: "send-native-UDP_STREAM-1472B-1g",
            test: "UDP_STREAM",
            messageBytes: 1472,
            aggregate: { ...base.aggregate, ...(recorded ? { lossPct: Math.round(10000 * (1 - fraction)) / 100 } : {}) },
            streams: base.streams.map((s) => ({
                ...s,
                samples: times.map((t) => [t, recorded ? Math.round(961.5 * fraction * 100) / 100 : 961.5] as [number, number]),
                ...(recorded
                    ? {
                          sentSamples: times.map((t) => [t, 961.5] as [number, number]),
                          udp: { sentMbps: 961.5, receivedMbps: received, lossPct: Math.round(10000 * (1 - fraction)) / 100 },
                      }
                    : {}),
            })),
        };
    };

    it("the time series draws what arrived, and says it is UDP's estimate", async () => {
        const src = sourceOf("kvm", [udpRun(480.75)]);
        const spec = timeSeriesSpec(src, src.results.runs[0]);
        const values = (spec.layer as { data: { values: { value?: number }[] } }[])[1].data.values.map((p) => p.value);
        assert.deepStrictEqual([...new Set(values)], [480.75], "never the 961.5 Mb/s that was sent");
        const svg = await renderSvg(spec);
        assert.ok(labelled(svg, "Y-axis titled 'interim throughput received (Mb/s)'"));
        assert.ok(labelled(svg, "the sender's interim rate x the fraction delivered"));
    });

    it("leaves out a UDP stream whose document recorded only the sender's rate, and says so", async () => {
        const src = sourceOf("kvm", [udpRun(0, false)]);
        const spec = timeSeriesSpec(src, src.results.runs[0]);
        assert.strictEqual((spec.layer as { data: { values: unknown[] } }[])[1].data.values.length, 0);
        assert.ok(labelled(await renderSvg(spec), "left out: g1 (only the sender's rate was recorded)"));
    });

    it("results.csv carries sent, received and the loss of each UDP stream", () => {
        const csv = resultsCsv([sourceOf("kvm", [udpRun(0)])])
            .trim()
            .split("\n");
        assert.match(
            csv[0],
            /,samples,error,udp_sent_mbps,udp_received_mbps,udp_loss_pct,messages_per_sec,udp_sent_pps,udp_received_pps,latency_min_us,latency_mean_us,latency_p50_us,latency_p90_us,latency_p99_us,latency_max_us,sender_demand_us_per_kb,receiver_demand_us_per_kb,host_demand_us_per_kb,host_busy_pct,bottleneck$/,
        );
        assert.match(csv[1], /,UDP_STREAM,1472,1,ok,g1,bench0,peer,g1,0,,,,8,,961\.5,0,100,{14}$/);
    });

    it("the table shows a UDP run's loss, and '-' for the others", () => {
        const table = formatTable(summarize({ runs: [udpRun(480.75), run(1, 940)] })).split("\n");
        assert.match(table[0], /trans\/s +msg\/s +sent pkt\/s +loss % +P50 us +P99 us +skew ms +host us\/KB +status$/);
        assert.match(table[2], /^receive +native +UDP_STREAM +1472 +1 +480\.8 .* +- +- +- +50\.00 +- +- +1\.0 +- +ok$/);
        assert.match(table[3], /^receive +native +TCP_STREAM .* +- +- +- +- +- +- +1\.0 +- +ok$/);
    });
});
