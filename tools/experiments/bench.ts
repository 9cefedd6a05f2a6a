// `npm run bench [-- --repeats N] [-- --config key=value ...]`: the project's own figures, from
// one real run of the local lab (send, TCP_STREAM):
// - the method against plain netperf run by hand on the same wires (all clients at once, each
//   reporting its own whole-test figure), as a ratio;
// - the repeatability: each cell measured N times (default 5), with the CV and 95% t-interval;
// - the lab's wall time against the seconds netperf measured, and the start skew;
// - what the CPU sampler of a run costs, in % of a core, and whether throughput with the samplers
//   is within the run-to-run spread of throughput without them.
//
// - where the runner's seconds go beyond the seconds netperf measures, per run: before the start
//   (samplers launched, clients armed, the start gate), measuring (the start to the last interim
//   result), after it (netperf's final exchange, the samplers' last reading, the judging);
// - the start skew over SSH: the same lab's guests reached through OpenSSH servers in their
//   namespaces (tools/experiments/ssh-namespaces.ts), each run started through the start gate.
//
// `npm run bench -- --scale N`: a lab of N guests on 100 Mb/s wires, measured at 1, 2, 4, ... N
// guests (3 s runs): the start skew and the runner's overhead against the number of guests.
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { samplerArgs } from "../../runner/sampling";
import { parseNetperfOutput } from "../../runner/netperf";
import type { ProgressEvent } from "../../runner";
import { runPlan } from "../../runner";
import type { SummaryRow } from "../../analysis";
import { formatTable } from "../../analysis";
import { SshTransport } from "../../runner/transport";
import { AccessTransport, NetnsTransport } from "../../runner/transport";
import type { Plan, ResultsDocument, RunResult } from "../../model";
import { runOffline } from "../offline";
import { sshIntoNamespaces } from "./ssh-namespaces";
import { loadStackConfig, parseOverrides } from "../engine";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm run bench [-- --repeats N] [-- --scale N] [-- --config key=value ...]";

interface BenchArgs {
    readonly repeats: number;
    readonly scale?: number;
    readonly overrides: string[];
}

function parseArgs(argv: readonly string[]): BenchArgs {
    let repeats = 5;
    let scale: number | undefined;
    const overrides: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const value = argv[i + 1];
        const whole = (min: number, max: number) => {
            const n = Number(value);
            if (!Number.isInteger(n) || n < min || n > max)
                throw new Error(`${argv[i]} takes a whole number from ${min} to ${max}\n${USAGE}`);
            return n;
        };
        switch (argv[i]) {
            case "--repeats":
                repeats = whole(2, 100);
                i++;
                break;
            case "--scale":
                scale = whole(2, 64);
                i++;
                break;
            case "--config":
                if (value === undefined) throw new Error(USAGE);
                overrides.push(value);
                i++;
                break;
            default:
                throw new Error(`unexpected argument '${argv[i]}'\n${USAGE}`);
        }
    }
    return { repeats, scale, overrides };
}

/** netperf by hand: every wire's client at once, plain TCP_STREAM, sum of netperf's own figures. */
async function byHand(plan: Plan, guests: number): Promise<number> {
    const figures = await Promise.all(
        plan.wires.slice(0, guests).map(async (w) => {
            const client = plan.endpoints.find((e) => e.name === w.guest)!;
            if (client.access.kind !== "netns") throw new Error("the benchmark script measures the local lab only");
            const { stdout } = await run("ip", [
                "netns",
                "exec",
                client.access.namespace,
                "netperf",
                "-H",
                w.peerAddress,
                "-p",
                String(plan.netserverPort),
                "-t",
                "TCP_STREAM",
                "-l",
                String(plan.durationSeconds),
                "--",
                "-m",
                String(plan.matrix.messageSizes[0]),
                "-o",
                "THROUGHPUT,THROUGHPUT_UNITS,ELAPSED_TIME",
            ]);
            return parseNetperfOutput(stdout).throughput;
        }),
    );
    return figures.reduce((a, b) => a + b, 0);
}

const started = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

/** Builds the local lab with these overrides, calls `measure` on its outputs, and tears it down. */
async function withLab(
    overrides: string[],
    measure: (outputs: Record<string, unknown>) => Promise<void>,
): Promise<Record<string, unknown>> {
    const config = loadStackConfig(ROOT, "local", parseOverrides(["experiments=[send]", "tests=[TCP_STREAM]", ...overrides], "hvnetlab"));
    const result = await runOffline({ config, program: path.join(ROOT, "index.ts"), stack: "local", log, beforeTeardown: measure });
    if (result.error) throw result.error;
    return result.outputs;
}

function spreadLine(r: RunResult): string {
    const s = r.stats;
    if (!s) return `  ${r.guests} guest(s): ${r.status}${r.error ? ` (${r.error})` : ""}`;
    return `  ${r.guests} guest(s): mean ${s.meanMbps.toFixed(1)} Mb/s, sd ${s.sdMbps.toFixed(2)}, CV ${s.cvPct.toFixed(2)}%, 95% interval ${s.ci95Mbps[0].toFixed(1)}-${s.ci95Mbps[1].toFixed(1)} Mb/s (${s.n} repeats, ${r.status})`;
}

/** Throughput of one cell with and without the CPU samplers: each side's mean, sd and repeats. */
interface SamplerEffect {
    readonly guests: number;
    readonly with: { meanMbps: number; sdMbps: number; n: number };
    readonly without: { meanMbps: number; sdMbps: number; n: number };
}

/**
 * Whether the samplers changed throughput beyond the run-to-run spread: the difference of the
 * means against twice its standard error, sqrt(sd1^2/n1 + sd2^2/n2) (about a 95% bound, Welch).
 */
function samplerEffectLine(e: SamplerEffect): string {
    const diff = e.with.meanMbps - e.without.meanMbps;
    const bound = 2 * Math.sqrt(e.with.sdMbps ** 2 / e.with.n + e.without.sdMbps ** 2 / e.without.n);
    const verdict = Math.abs(diff) <= bound ? "within the run-to-run spread" : "OUTSIDE the run-to-run spread";
    return `  ${e.guests} guest(s): with samplers ${e.with.meanMbps.toFixed(1)} Mb/s (sd ${e.with.sdMbps.toFixed(2)}, n ${e.with.n}), without ${e.without.meanMbps.toFixed(1)} Mb/s (sd ${e.without.sdMbps.toFixed(2)}, n ${e.without.n}): difference ${diff.toFixed(1)} Mb/s, bound +-${bound.toFixed(1)}: ${verdict}`;
}

/**
 * The largest cell of the lab measured `repeats` times with the CPU samplers and `repeats` times
 * without, alternating (so a drift of the machine's load falls on both alike).
 */
async function samplerEffect(plan: Plan, repeats: number): Promise<SamplerEffect> {
    const guests = Math.max(...plan.matrix.guestCounts);
    const one = {
        ...plan,
        repeats: 1,
        matrix: { ...plan.matrix, experiments: plan.matrix.experiments.slice(0, 1), guestCounts: [guests] },
    };
    const figures: Record<"with" | "without", number[]> = { with: [], without: [] };
    for (let i = 0; i < repeats; i++) {
        for (const side of i % 2 === 0 ? (["with", "without"] as const) : (["without", "with"] as const)) {
            const doc = await runPlan(one, { transport: new NetnsTransport(), cpuSamplers: side === "with" });
            const r = doc.runs[0];
            if (r.status !== "failed") figures[side].push(r.aggregate.throughputMbps);
            log(`samplers ${side === "with" ? "on " : "off"}: ${r.aggregate.throughputMbps.toFixed(1)} Mb/s (${r.status})`);
        }
    }
    const stat = (xs: number[]) => {
        const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
        return { meanMbps: mean, sdMbps: sd, n: xs.length };
    };
    return { guests, with: stat(figures.with), without: stat(figures.without) };
}

/** One run's seconds, from the runner's progress events and its results (epoch s, runner's clock). */
export interface RunSeconds {
    readonly before: number;
    readonly measuring: number;
    readonly after: number;
}

/**
 * Splits a run's wall time: from its start event to the common start (before), from the start to
 * the last interim result of any stream (measuring), and from there to its done event (after).
 */
export function runSeconds(startedAt: number, doneAt: number, run: RunResult): RunSeconds | undefined {
    const start = run.start?.at;
    const ends = run.streams.flatMap((s) => (s.samples.length > 0 ? [s.samples[s.samples.length - 1][0]] : []));
    if (start === undefined || ends.length === 0) return undefined;
    const last = Math.max(...ends);
    return { before: start - startedAt, measuring: last - start, after: doneAt - last };
}

/** The runner's seconds per netperf second, and where the rest went, over the runs timed. */
function costLines(timed: readonly RunSeconds[], durationSeconds: number): string[] {
    if (timed.length === 0) return ["  no run was timed"];
    const mean = (pick: (t: RunSeconds) => number) => timed.reduce((a, t) => a + pick(t), 0) / timed.length;
    const total = mean((t) => t.before + t.measuring + t.after);
    return [
        `  ${(total / durationSeconds).toFixed(3)} runner seconds per netperf second (${total.toFixed(2)} s per ${durationSeconds} s run, mean of ${timed.length} runs; goal 1.05)`,
        `  before the start ${mean((t) => t.before).toFixed(3)} s (samplers launched, clients armed, the gate's lead)`,
        `  measuring ${mean((t) => t.measuring).toFixed(3)} s (the start to the last interim result)`,
        `  after ${mean((t) => t.after).toFixed(3)} s (netperf's final exchange, the samplers' last reading, the judging)`,
    ];
}

/** Times every run of a runPlan call through its progress events. */
function timer(): { onProgress: (e: ProgressEvent) => void; timed: RunSeconds[] } {
    const timed: RunSeconds[] = [];
    let startedAt = 0;
    return {
        timed,
        onProgress: (e) => {
            if (e.kind === "start") startedAt = Date.now() / 1000;
            if (e.kind !== "done") return;
            const t = runSeconds(startedAt, Date.now() / 1000, e.run);
            if (t) timed.push(t);
        },
    };
}

/**
 * The start skew over SSH: the lab's guests reached through OpenSSH servers in their namespaces,
 * the peer as before; the largest cell (send) measured `repeats` times. Gives the skew the judging
 * measures and the spread of the releases the guests reported.
 */
async function sshSkew(plan: Plan, repeats: number): Promise<string[]> {
    const guests = plan.endpoints.filter((e) => e.role === "guest");
    const ssh = await sshIntoNamespaces(
        guests.map((g) => ({ name: g.name, namespace: g.access.kind === "netns" ? g.access.namespace : "" })),
        96,
        "hvbench",
    );
    const transport = new AccessTransport({ ssh: new SshTransport(ssh.options), netns: new NetnsTransport() });
    try {
        const n = Math.max(...plan.matrix.guestCounts);
        const overSsh: Plan = {
            ...plan,
            repeats: 1,
            ssh: { hostKeyChecking: "yes", knownHostsFile: ssh.options.knownHostsFile! },
            endpoints: plan.endpoints.map((e) => (e.role === "guest" ? { ...e, access: ssh.access[e.name] } : e)),
            matrix: { ...plan.matrix, experiments: ["send"], guestCounts: [n] },
        };
        // One run per runPlan call: each is timed on its own, and records its start.
        const t = timer();
        const measured: RunResult[] = [];
        for (let i = 0; i < repeats; i++) measured.push(...(await runPlan(overSsh, { transport, onProgress: t.onProgress })).runs);
        const skews = measured.map((m) => m.skewMs);
        const releases = measured.flatMap((m) => {
            const r = Object.values(m.start?.releaseMs ?? {});
            return r.length > 0 ? [Math.max(...r) - Math.min(...r)] : [];
        });
        const leads = measured.flatMap((m) => (m.start?.leadMs !== undefined ? [m.start.leadMs] : []));
        return [
            `start skew over SSH: ${n} guests reached through OpenSSH, ${measured.length} runs of ${plan.durationSeconds} s (send; goal at most 10 ms)`,
            `  skew (netperf's interim timestamps): max ${Math.max(...skews).toFixed(1)} ms, mean ${(skews.reduce((a, b) => a + b, 0) / skews.length).toFixed(1)} ms; statuses ${measured.map((m) => m.status).join(", ")}`,
            leads.length > 0
                ? `  releases as the guests timed them: spread max ${Math.max(0, ...releases).toFixed(1)} ms; the gate's lead ${Math.min(...leads)}-${Math.max(...leads)} ms (twice the sessions' largest round trip + 5 ms)`
                : "  no run was started through the start gate (the guests cannot be armed)",
            ...costLines(t.timed, plan.durationSeconds).map((l) => l.replace(/^ {2}/, "  over SSH: ")),
        ];
    } finally {
        await transport.close();
        ssh.close();
    }
}

async function methodAndRepeats(args: BenchArgs): Promise<string[]> {
    const hand: { guests: number; mbps: number }[] = [];
    let effect: SamplerEffect | undefined;
    let cost: string[] = [];
    let overSsh: string[] = [];
    const outputs = await withLab([`repeats=${args.repeats}`, "failOn=never", ...args.overrides], async (o) => {
        const plan = o.plan as Plan;
        log("the runner's seconds: every run of the lab once, timed");
        const t = timer();
        await runPlan({ ...plan, repeats: 1 }, { transport: new NetnsTransport(), onProgress: t.onProgress });
        cost = [`the runner's cost: every cell once (${plan.durationSeconds} s runs)`, ...costLines(t.timed, plan.durationSeconds)];
        log("the start skew over SSH");
        overSsh = await sshSkew(plan, args.repeats);
        log("netperf by hand on the same wires");
        for (const guests of plan.matrix.guestCounts) hand.push({ guests, mbps: await byHand(plan, guests) });
        log("throughput with and without the CPU samplers");
        effect = await samplerEffect(plan, args.repeats);
    });
    const wallSeconds = (Date.now() - started) / 1000;
    const results = outputs.results as ResultsDocument;
    const plan = outputs.plan as Plan;
    const netperfSeconds = results.runs.length * args.repeats * plan.durationSeconds;
    const skews = results.runs.filter((r) => r.guests > 1).flatMap((r) => (r.repeats ?? [r]).map((x) => x.skewMs));
    const benchSeconds = (Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 1000;
    const cvs = results.runs.map((r) => r.stats?.cvPct ?? 0);
    return [
        formatTable(outputs.summary as SummaryRow[]),
        "",
        `repeatability: each cell measured ${args.repeats} times (${plan.durationSeconds} s runs), the aggregate's spread`,
        ...results.runs.map(spreadLine),
        `  largest CV ${Math.max(...cvs).toFixed(2)}%, mean CV ${(cvs.reduce((a, b) => a + b, 0) / cvs.length).toFixed(2)}%`,
        "",
        "method: hvnetlab (synchronized, common window, mean of the repeats) vs netperf by hand (plain, whole test)",
        ...hand.map((h) => {
            const ours = results.runs.find((r) => r.guests === h.guests)!.aggregate.throughputMbps;
            return `  ${h.guests} guest(s): ${ours.toFixed(1)} vs ${h.mbps.toFixed(1)} Mb/s, ratio ${(ours / h.mbps).toFixed(4)}`;
        }),
        "",
        `wall time, whole lab (build, measure, netperf by hand, teardown): ${wallSeconds.toFixed(1)} s`,
        `benchmark runner: ${benchSeconds.toFixed(1)} s for ${results.runs.length * args.repeats} runs of ${plan.durationSeconds} s = ${netperfSeconds} s of netperf (${((100 * netperfSeconds) / benchSeconds).toFixed(1)}% of the runner's time)`,
        `start skew, runs with 2+ guests: max ${Math.max(0, ...skews).toFixed(1)} ms, mean ${(skews.reduce((a, b) => a + b, 0) / Math.max(1, skews.length)).toFixed(1)} ms`,
        "",
        ...cost,
        "",
        ...overSsh,
        "",
        `CPU samplers' effect on throughput: the largest cell, ${args.repeats} runs with the samplers and ${args.repeats} without, alternating`,
        effect ? samplerEffectLine(effect) : "  not measured",
    ];
}

/** 1, 2, 4, ... up to n, and n itself. */
export function doublings(n: number): number[] {
    const counts: number[] = [];
    for (let g = 1; g < n; g *= 2) counts.push(g);
    return [...counts, n];
}

async function scale(args: BenchArgs): Promise<string[]> {
    const n = args.scale!;
    const rows: string[] = [];
    let checksSeconds = 0;
    await withLab(
        [
            `guests=${n}`,
            "guestCounts=[1]",
            "nicSpeedMbps=100",
            "durationSeconds=3",
            "warmupSeconds=0.5",
            "subnet=10.90.0.0/22",
            "labPrefix=hvscale",
            ...args.overrides,
        ],
        async (o) => {
            const plan = o.plan as Plan;
            const t0 = Date.now();
            let runStarted = t0;
            await runPlan(
                { ...plan, matrix: { ...plan.matrix, guestCounts: doublings(n) } },
                {
                    transport: new NetnsTransport(),
                    onProgress: (e) => {
                        if (e.kind === "start") {
                            runStarted = Date.now();
                            if (e.index === 0) checksSeconds = (runStarted - t0) / 1000;
                        }
                        if (e.kind !== "done") return;
                        const seconds = (Date.now() - runStarted) / 1000;
                        const r = e.run;
                        log(
                            `${r.guests} guest(s): skew ${r.skewMs.toFixed(1)} ms, ${r.aggregate.goodputPct.toFixed(1)}% of the goodput limit, run ${seconds.toFixed(1)} s`,
                        );
                        rows.push(
                            `| ${String(r.guests).padStart(6)} | ${r.skewMs.toFixed(1).padStart(7)} | ${r.aggregate.goodputPct.toFixed(1).padStart(8)} | ${seconds.toFixed(2).padStart(5)} | ${(seconds - plan.durationSeconds).toFixed(2).padStart(10)} | ${r.status.padEnd(7)} |`,
                        );
                    },
                },
            );
        },
    );
    return [
        `start skew and runner overhead against guests (${n} guests on 100 Mb/s wires, send, 3 s runs)`,
        `the runner's checks before the first run (facts, clocks, wires, every netserver): ${checksSeconds.toFixed(1)} s`,
        "",
        "| guests | skew ms | % limit  | run s | overhead s | status  |",
        "|-------:|--------:|---------:|------:|-----------:|:--------|",
        ...rows,
    ];
}

/**
 * What the CPU sampler of a run costs (runner/sampling/endpoint-sampler.ts): it runs for `seconds` at one
 * reading a second with /proc/stat and five namespace scopes (a local lab of 4 guests and a peer),
 * and bash's `times` gives its CPU time and its children's (user + system). The goal is under 1%
 * of a core.
 */
async function samplerCost(seconds = 20): Promise<string> {
    const startedAt = Date.now();
    const argv = samplerArgs(startedAt / 1000 + seconds, 1, true, ["g1", "g2", "g3", "g4", "peer"]);
    const { stdout } = await run("bash", ["-c", '"$@" >/dev/null; times', "hvnetlab-bench", ...argv]);
    const elapsed = (Date.now() - startedAt) / 1000;
    const cpu = [...stdout.matchAll(/(\d+)m(\d+(?:\.\d+)?)s/g)].reduce((a, m) => a + 60 * Number(m[1]) + Number(m[2]), 0);
    return `CPU sampler: ${(cpu * 1000).toFixed(0)} ms of CPU over ${elapsed.toFixed(1)} s at one reading a second, ${((100 * cpu) / elapsed).toFixed(2)}% of a core (goal: under 1%)`;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const lines = args.scale ? await scale(args) : await methodAndRepeats(args);
    lines.push("", await samplerCost());
    process.stdout.write(`${lines.join("\n")}\n`);
}

main().then(
    () => process.exit(0),
    (err: Error) => {
        process.stderr.write(`bench: ${err.message}\n`);
        process.exit(1);
    },
);
