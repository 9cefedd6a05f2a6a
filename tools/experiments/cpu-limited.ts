// `npx ts-node --transpile-only tools/experiments/cpu-limited.ts [--cpus 0.01] [--out DIR]` (root, netperf): a
// local lab of 2 guests measured twice, send TCP_STREAM at 1 and 2 guests: unrestricted, then with
// guest g1's netperf held to --cpus of one CPU by a cgroup quota (tools/experiments/cgroup-limit.ts). netperf
// took about 0.03 CPU for a 1 Gbit/s stream here, so the default 0.01 cannot fill g1's wire.
// Prints both summary tables with each run's bottleneck, and writes one report of the two
// (DIR, default out/cpu-limited: report.md/html, results.csv, the charts with throughput and host
// CPU against guests). The lab's namespaces, wires, netservers and the cgroup are removed after.
import { execFileSync } from "child_process";
import * as path from "path";
import { parseSource } from "../../analysis";
import { writeReport } from "../../analysis";
import { runPlan } from "../../runner";
import { formatTable, summarize } from "../../analysis";
import type { Transport } from "../../runner/transport";
import { NetnsTransport } from "../../runner/transport";
import type { ResultsDocument } from "../../model";
import { parseLabConfig } from "../../components";
import { buildPlan } from "../../components";
import { netserverScripts } from "../../components";
import { localTopology, namespaceScripts, wireScripts } from "../../components/platforms";
import { CgroupTransport, makeCgroup } from "./cgroup-limit";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npx ts-node --transpile-only tools/experiments/cpu-limited.ts [--cpus 0.01] [--out DIR]";

function parseArgs(argv: readonly string[]): { cpus: number; out: string } {
    let cpus = 0.01;
    let out = path.join(ROOT, "out", "cpu-limited");
    for (let i = 0; i < argv.length; i += 2) {
        if (argv[i] === "--cpus" && Number(argv[i + 1]) > 0 && Number(argv[i + 1]) <= 1) cpus = Number(argv[i + 1]);
        else if (argv[i] === "--out" && argv[i + 1]) out = path.resolve(argv[i + 1]);
        else throw new Error(`unexpected argument '${argv[i]}' (--cpus takes a share of one CPU, above 0 and at most 1)\n${USAGE}`);
    }
    return { cpus, out };
}

async function main(): Promise<void> {
    const { cpus, out } = parseArgs(process.argv.slice(2));
    if (process.getuid?.() !== 0) throw new Error("needs root (ip netns, cgroups)");
    const values: Record<string, string> = {
        platform: "local",
        guests: "2",
        labPrefix: "hvlim",
        subnet: "10.95.0.0/24",
        durationSeconds: "6",
        warmupSeconds: "1",
        experiments: "[send]",
        tests: "[TCP_STREAM]",
    };
    const config = parseLabConfig((k) => values[k]);
    if (config.platform !== "local") throw new Error("expected the local platform");
    const topology = localTopology(config);
    const ns = (e: string) => topology.endpoints.find((x) => x.name === e)!.access.namespace;
    const steps = [
        ...topology.endpoints.map((e) => namespaceScripts(e.access.namespace)),
        ...topology.wires.map((w) => wireScripts(w, ns(w.guest), ns(w.peer))),
        netserverScripts(ns("peer"), config.netserverPort, config.netperfVersion),
    ];
    const sh = (s: string) => execFileSync("sh", ["-c", s], { stdio: ["ignore", "pipe", "pipe"] });
    const cgroup = makeCgroup(`hvnetlab-cpu-limited-${process.pid}`, cpus);
    if (!cgroup) throw new Error("no writable cgroup CPU controller (v1 cpu or v2 cpu.max) at /sys/fs/cgroup");
    const done: typeof steps = [];
    try {
        for (const s of steps) {
            sh(s.create);
            done.push(s);
        }
        const plan = buildPlan(config, { endpoints: topology.endpoints, wires: topology.wires, limitBasis: "tbf" });
        const measure = async (transport: Transport): Promise<ResultsDocument> => {
            try {
                return await runPlan({ ...plan, matrix: { ...plan.matrix, guestCounts: [1, 2] } }, { transport });
            } finally {
                await transport.close?.();
            }
        };
        const free = await measure(new NetnsTransport());
        const limited = await measure(new CgroupTransport("g1", cgroup.procs));
        const lines: string[] = [];
        for (const [label, doc] of [
            ["unrestricted", free],
            [`g1's netperf at ${cpus} CPU`, limited],
        ] as const) {
            lines.push(`${label}:`, formatTable(summarize(doc)));
            for (const r of doc.runs) lines.push(`  ${r.guests} guest(s): bottleneck: ${r.bottleneck?.says ?? r.error ?? "-"}`);
            lines.push("");
        }
        const sources = [
            parseSource(JSON.stringify(free), "unrestricted", "unrestricted"),
            parseSource(JSON.stringify(limited), "limited", `g1 at ${cpus} CPU`),
        ];
        const files = await writeReport(out, sources, { mismatches: [] });
        lines.push(`report: ${files.map((f) => path.relative(ROOT, f)).join(", ")}`);
        process.stdout.write(`${lines.join("\n")}\n`);
    } finally {
        for (const s of done.reverse()) {
            try {
                sh(s.delete);
            } catch (err) {
                process.stderr.write(`cleanup: ${(err as Error).message}\n`);
            }
        }
        cgroup.remove();
    }
}

main().then(
    () => process.exit(0),
    (err: Error) => {
        process.stderr.write(`cpu-limited: ${err.message}\n`);
        process.exit(1);
    },
);
