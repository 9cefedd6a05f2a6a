// `npm run bench [-- --config key=value ...]`: one real run of the local lab, then figures:
// - the lab's total wall time against the seconds netperf actually measured,
// - the start skew of concurrent streams,
// - the aggregate measured by the project against plain netperf run by hand on the same wires
//   (all clients started at once, each reporting its own whole-test figure), as a ratio.
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { parseNetperfOutput } from "../benchmarks/netperf";
import { formatTable, SummaryRow } from "../benchmarks/summary";
import { Plan, ResultsDocument } from "../benchmarks/types";
import { runOffline } from "./offline-runner";
import { loadStackConfig, parseOverrides } from "./stack-config";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");

/** netperf by hand: every wire's client at once, plain TCP_STREAM, sum of netperf's own figures. */
async function byHand(plan: Plan, guests: number): Promise<number> {
    const figures = await Promise.all(plan.wires.slice(0, guests).map(async (w) => {
        const client = plan.endpoints.find((e) => e.name === w.guest)!;
        if (client.access.kind !== "netns") throw new Error("the benchmark script measures the local lab only");
        const { stdout } = await run("ip", ["netns", "exec", client.access.namespace, "netperf", "-H", w.peerAddress, "-p", String(plan.netserverPort),
            "-t", "TCP_STREAM", "-l", String(plan.durationSeconds), "--", "-m", String(plan.matrix.messageSizes[0]), "-o", "THROUGHPUT,THROUGHPUT_UNITS,ELAPSED_TIME"]);
        return parseNetperfOutput(stdout).throughput;
    }));
    return figures.reduce((a, b) => a + b, 0);
}

async function main(): Promise<void> {
    const overrides = parseOverrides(["experiments=[send]", "tests=[TCP_STREAM]", ...process.argv.slice(2).filter((a) => a !== "--config")], "hvnetlab");
    const config = loadStackConfig(ROOT, "local", overrides);
    const started = Date.now();
    const log = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
    const hand: { guests: number; mbps: number }[] = [];
    const result = await runOffline({
        config, program: path.join(ROOT, "index.ts"), stack: "local", log,
        beforeTeardown: async (outputs) => {
            const plan = outputs.plan as Plan;
            log("netperf by hand on the same wires");
            for (const guests of plan.matrix.guestCounts) hand.push({ guests, mbps: await byHand(plan, guests) });
        },
    });
    const wallSeconds = (Date.now() - started) / 1000;
    if (result.error) throw result.error;
    const results = result.outputs.results as ResultsDocument;
    const plan = result.outputs.plan as Plan;
    const netperfSeconds = results.runs.length * plan.durationSeconds;
    const windowSeconds = results.runs.reduce((a, r) => a + r.window.seconds, 0);
    const skews = results.runs.filter((r) => r.guests > 1).map((r) => r.skewMs);
    const benchSeconds = (Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 1000;

    const lines = [
        formatTable(result.outputs.summary as SummaryRow[]),
        "",
        `wall time, whole lab (build, measure, netperf by hand, teardown): ${wallSeconds.toFixed(1)} s`,
        `benchmark runner: ${benchSeconds.toFixed(1)} s for ${results.runs.length} runs of ${plan.durationSeconds} s = ${netperfSeconds} s of netperf (${(100 * netperfSeconds / benchSeconds).toFixed(1)}% of the runner's time)`,
        `aggregation windows: ${windowSeconds.toFixed(1)} s in all (${(100 * windowSeconds / netperfSeconds).toFixed(1)}% of netperf's seconds)`,
        `start skew, runs with 2+ guests: max ${Math.max(0, ...skews).toFixed(1)} ms, mean ${(skews.reduce((a, b) => a + b, 0) / Math.max(1, skews.length)).toFixed(1)} ms`,
        "",
        "aggregate: hvnetlab (synchronized, common window) vs netperf by hand (plain, whole test)",
        ...hand.map((h) => {
            const ours = results.runs.find((r) => r.guests === h.guests && r.experiment === "send")!.aggregate.throughputMbps;
            return `  ${h.guests} guest(s): ${ours.toFixed(1)} vs ${h.mbps.toFixed(1)} Mb/s, ratio ${(ours / h.mbps).toFixed(4)}`;
        }),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
}

main().then(() => process.exit(0), (err: Error) => {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(1);
});
