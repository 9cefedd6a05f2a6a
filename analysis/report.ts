// The report folder of a comparison: report.md (tables, fingerprint, host facts, method),
// report.html (the same as one self-contained page), results.csv (one row per stream per run)
// and the charts as SVG.
import { accessSync, constants, mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import type { Reference, VlSpec } from "./charts";
import { fairnessSpec, hostBusyPct, hostCpuSpec, renderSvg, throughputSpec, timeSeriesSpec } from "./charts";
import type { Source } from "./compare";
import { RULES_TEXT, roleOf } from "./comparability";
import {
    comparisonTables,
    CompareInputError,
    describeFacts,
    describeLabMachines,
    formatMarkdown,
    groupKey,
    metricOf,
    nicWarnings,
} from "./compare";
import { readJsonFile } from "./user-files";
import { reportHtml } from "./report-html";
import { KB_PER_GIGABIT, tuningTables } from "./tuning";

/** Reads a reference overlay (see analysis/reference/), checking its shape. */
export function readReference(file: string): Reference {
    const doc = readJsonFile(file, "the reference") as Reference;
    const ok =
        typeof doc?.title === "string" &&
        Array.isArray(doc.points) &&
        doc.points.every(
            (p) =>
                typeof p.series === "string" &&
                (p.experiment === "send" || p.experiment === "receive") &&
                Number.isInteger(p.guests) &&
                typeof p.lineRatePct === "number",
        );
    if (!ok)
        throw new CompareInputError(
            `${file}: a reference needs a title and points [{ series, experiment (send|receive), guests, lineRatePct }]`,
        );
    return doc;
}

const CSV_COLUMNS = [
    "source",
    "platform",
    "fingerprint",
    "run",
    "experiment",
    "peer",
    "test",
    "message_bytes",
    "guests",
    "run_status",
    "stream",
    "nic",
    "client",
    "server",
    "throughput_mbps",
    "transactions_per_sec",
    "local_cpu_pct",
    "remote_cpu_pct",
    "samples",
    "error",
    // UDP_STREAM only: netperf's whole-test send rate, what arrived, and the loss (%).
    "udp_sent_mbps",
    "udp_received_mbps",
    "udp_loss_pct",
    // Messages of the run's size per second over the window (UDP: datagrams that arrived); UDP
    // datagrams sent and received per second over the whole test (netperf's LOCAL_SEND_CALLS and
    // REMOTE_RECV_CALLS over ELAPSED_TIME).
    "messages_per_sec",
    "udp_sent_pps",
    "udp_received_pps",
    // TCP_RR: the stream's round-trip times over its whole test, in us (netperf's latency selectors).
    "latency_min_us",
    "latency_mean_us",
    "latency_p50_us",
    "latency_p90_us",
    "latency_p99_us",
    "latency_max_us",
    // Host-side CPU (runner/sampling/endpoint-sampler.ts): netperf's service demand in us of CPU per KB of the
    // stream's sender and receiver and of the run's host side, the sampled machines' busy %, and the
    // run's bottleneck (runner/judging/bottleneck.ts).
    "sender_demand_us_per_kb",
    "receiver_demand_us_per_kb",
    "host_demand_us_per_kb",
    "host_busy_pct",
    "bottleneck",
] as const;

function csvField(v: unknown): string {
    const s = v === undefined || v === null ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per stream per run, with the run's identity; a run without streams gets one row. */
export function resultsCsv(sources: readonly Source[]): string {
    const rows: unknown[][] = [];
    for (const s of sources) {
        for (const r of s.results.runs) {
            const id = [
                s.label,
                s.results.platform,
                s.results.fingerprint,
                r.id,
                r.experiment,
                r.peer,
                r.test,
                r.messageBytes,
                r.guests,
                r.status,
            ];
            const host = [
                r.cpu?.hostDemandUsPerKB,
                r.cpu?.machines.map((m) => `${m.machine} ${m.total.busyPct}`).join("; "),
                r.bottleneck?.says,
            ];
            if (r.streams.length === 0)
                rows.push([...id, "", "", "", "", "", "", "", "", 0, r.error, "", "", "", ...Array(9).fill(""), "", "", ...host]);
            for (const st of r.streams) {
                rows.push([
                    ...id,
                    st.endpoint,
                    st.nic,
                    st.client,
                    st.server,
                    st.throughputMbps,
                    st.transactionsPerSec,
                    st.localCpuPct,
                    st.remoteCpuPct,
                    st.samples.length,
                    st.error,
                    st.udp?.sentMbps,
                    st.udp?.receivedMbps,
                    st.udp?.lossPct,
                    st.messagesPerSec,
                    st.udp?.sentPps,
                    st.udp?.receivedPps,
                    st.latency?.minUs,
                    st.latency?.meanUs,
                    st.latency?.p50Us,
                    st.latency?.p90Us,
                    st.latency?.p99Us,
                    st.latency?.maxUs,
                    st.senderDemandUsPerKB,
                    st.receiverDemandUsPerKB,
                    ...host,
                ]);
            }
        }
    }
    return [CSV_COLUMNS.join(","), ...rows.map((r) => r.map(csvField).join(","))].join("\n") + "\n";
}

const slug = (text: string) =>
    text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");

/** The charts of a report: file name (under charts/) and spec. */
export function reportCharts(sources: readonly Source[], reference?: Reference): { file: string; spec: VlSpec }[] {
    const groups = [...new Set(sources.flatMap((s) => s.results.runs.map(groupKey)))];
    const withCpu = (g: string) => sources.some((s) => s.results.runs.some((r) => groupKey(r) === g && hostBusyPct(r) !== undefined));
    const charts = groups.flatMap((g) => [
        { file: `throughput-${slug(g)}.svg`, spec: throughputSpec(sources, g, reference) },
        { file: `fairness-${slug(g)}.svg`, spec: fairnessSpec(sources, g) },
        ...(withCpu(g) ? [{ file: `host-cpu-${slug(g)}.svg`, spec: hostCpuSpec(sources, g) }] : []),
    ]);
    // The interim samples of the first source's largest ok run (else its largest run).
    const runs = sources[0].results.runs.filter((r) => r.streams.some((s) => s.samples.length > 0)).sort((a, b) => b.guests - a.guests);
    const run = runs.find((r) => r.status === "ok") ?? runs[0];
    if (run) charts.push({ file: `timeseries-${slug(`${sources[0].label} ${run.id}`)}.svg`, spec: timeSeriesSpec(sources[0], run) });
    return charts;
}

/**
 * The report's "Where the CPU goes" table: per source and run (by group, then guests), its
 * throughput, host CPU busy % (hostBusyPct), the busiest hypervisor-side thread or domain, and the
 * bottleneck's words. Where the host CPU was not measured the cell says "not sampled (note N)" and
 * `notes[N-1]` says why (the first missing reason of the run's CPU figures): a reason is said once
 * however many rows it stands for, numbered in the order the rows first name it. Failed runs are
 * shown as failed.
 */
export function bottleneckRows(sources: readonly Source[]): { rows: string[][]; notes: string[] } {
    const cell = (t: string) => t.replace(/\|/g, "/");
    const notes: string[] = [];
    const noteOf = (reason: string) => {
        if (!notes.includes(reason)) notes.push(reason);
        return notes.indexOf(reason) + 1;
    };
    const rows = sources
        .filter((s) => s.results.runs.some((r) => r.cpu !== undefined))
        .flatMap((s) =>
            [...s.results.runs]
                .filter((r) => r.cpu !== undefined || r.bottleneck !== undefined || r.status === "failed")
                .sort((a, b) => groupKey(a).localeCompare(groupKey(b)) || a.guests - b.guests)
                .map((r) => {
                    if (r.status === "failed") return [s.label, r.id, String(r.guests), "failed", "-", "-", cell(r.error ?? "failed")];
                    const m = metricOf(r);
                    const h = hostBusyPct(r);
                    const busiest = [...(r.cpu?.hostThreads ?? [])].sort((a, b) => b.cpuPct / b.cpus - a.cpuPct / a.cpus)[0];
                    const why = r.cpu?.missing[0];
                    return [
                        s.label,
                        r.id,
                        String(r.guests),
                        `${m.value.toFixed(1)} ${m.unit}`,
                        h ? `${h.busyPct}% (${h.machine})` : why ? `not sampled (note ${noteOf(why)})` : "not sampled",
                        busiest ? `${cell(busiest.label)} ${busiest.cpuPct}%` : "-",
                        cell(r.bottleneck?.says ?? "-"),
                    ];
                }),
        );
    return { rows, notes };
}

/** A stack the comparison meant to hold that was not measured (a lab that failed), and why. */
export interface NotMeasured {
    readonly label: string;
    readonly reason: string;
}

/** What the Markdown report is made of beside the sources: see reportMarkdown. */
export interface ReportOptions {
    readonly mismatches: string[];
    readonly baseline?: Source;
    readonly charts: string[];
    readonly reference?: Reference;
    readonly notMeasured?: NotMeasured[];
}

/**
 * The Markdown report, section by section: its heading (the sources, their fingerprints or why
 * they do not match), what was compared, the NIC settings that differ, the stacks not measured,
 * the results tables, where the CPU goes, the charts, the machines and the method. A section with
 * nothing to say is left out.
 */
export function reportMarkdown(sources: readonly Source[], opts: ReportOptions): string {
    const out: string[] = [
        ...headingSection(sources, opts.mismatches),
        ...comparedSection(sources),
        ...nicSection(sources),
        ...notMeasuredSection(opts.notMeasured),
        ...resultsSection(sources, opts.baseline),
        ...tuningSection(sources, opts.baseline),
        ...cpuSection(sources),
        ...chartsSection(opts.charts, opts.reference),
        ...machinesSection(sources),
        ...methodSection(sources),
    ];
    return `${out.join("\n")}\n`;
}

/** The title, the sources (label, platform, origin, when measured), their fingerprints, and the mismatches compared anyway. */
function headingSection(sources: readonly Source[], mismatches: readonly string[]): string[] {
    const out: string[] = ["# hvnetlab comparison", ""];
    out.push(
        `Sources: ${sources.map((s) => `**${s.label}** (${s.results.platform}, ${s.origin}, measured ${s.results.startedAt})`).join("; ")}.`,
        "",
    );
    const fps = [...new Set(sources.map((s) => s.results.fingerprint))];
    out.push(
        mismatches.length > 0
            ? `**Not comparable; compared anyway (--allow-mismatch):**`
            : fps.length === 1
              ? `Fingerprint: \`${fps[0]}\` (all sources match).`
              : `Fingerprints: ${sources.map((s) => `${s.label} \`${s.results.fingerprint}\``).join(", ")}; comparable under the rules below (a baseline has no guest shape).`,
        "",
    );
    for (const m of mismatches) out.push(`- ${m}`);
    if (mismatches.length > 0) out.push("");
    return out;
}

/**
 * "What was compared", from the first source's comparable facts: the wires and netperf, each
 * source's role and whether it was emulated, the hypervisors' guest shape, the matrix and the method.
 */
function comparedSection(sources: readonly Source[]): string[] {
    const c = sources[0].results.comparable;
    if (!c) return [];
    const out: string[] = ["## What was compared", ""];
    out.push(`- wires: ${c.nicSpeedMbps} Mb/s, MTU ${c.mtu}; netperf ${c.netperfVersion}`);
    for (const s of sources) {
        const sc = s.results.comparable;
        if (!sc) continue;
        const role = roleOf(sc) === "baseline" ? "baseline (no guests)" : "virtualized";
        out.push(`- ${s.label}: ${role}, ${sc.emulation ? `emulated: ${sc.emulation}` : "real hardware"}`);
    }
    // The hypervisors' shared guest shape (a baseline first in the list has none).
    const g = sources.find((s) => s.results.comparable?.guest)?.results.comparable?.guest;
    if (g)
        out.push(
            `- guest shape of the hypervisors: ${g.vcpus} vCPU, ${g.memoryMiB} MiB, ${g.diskGiB} GiB${g.image ? `, image ${g.image}` : ""}${g.template ? `, template ${g.template}` : ""}`,
        );
    out.push(
        `- matrix: ${c.matrix.experiments.join(", ")} against a ${c.matrix.peer} peer; ${c.matrix.tests.join(", ")}; messages ${c.matrix.messageSizes.join(", ")} B; 1..${c.matrix.guests} guests`,
    );
    out.push(
        `- method: ${c.method.durationSeconds} s per run, interim samples every ${c.method.intervalSeconds} s, ${c.method.warmupSeconds} s warm-up left out`,
        "",
    );
    return out;
}

/** "NIC settings that differ" between the sources' dedicated NICs (ethtool; nicWarnings). */
function nicSection(sources: readonly Source[]): string[] {
    const nics = nicWarnings(sources);
    if (nics.length === 0) return [];
    const out: string[] = ["## NIC settings that differ", ""];
    out.push("The dedicated NICs were set differently (ethtool); a difference may explain one in the figures.", "");
    for (const w of nics) out.push(`- ${w.replace(/^warning: NIC settings differ: /, "")}`);
    out.push("");
    return out;
}

/** "Not measured": the stacks the comparison meant to hold whose lab failed, and why. */
function notMeasuredSection(notMeasured: readonly NotMeasured[] | undefined): string[] {
    if (!notMeasured || notMeasured.length === 0) return [];
    return ["## Not measured", "", ...notMeasured.map((n) => `- **${n.label}**: failed: ${n.reason}`), ""];
}

/** "Results": the comparison tables (comparisonTables), with each platform as % of the baseline where there is one. */
function resultsSection(sources: readonly Source[], baseline: Source | undefined): string[] {
    const out: string[] = ["## Results", ""];
    out.push(
        "Each cell: aggregate throughput and % of line rate; `partial` and `failed` runs are shown as such, never as a number." +
            (baseline ? ` The last columns give each platform as % of **${baseline.label}**.` : ""),
        "",
    );
    for (const t of comparisonTables(sources, baseline)) out.push(formatMarkdown(t), "");
    return out;
}

/** "NIC paths": the tuning tables of each platform measured with two paths or more; left out otherwise. */
function tuningSection(sources: readonly Source[], baseline: Source | undefined): string[] {
    const tables = tuningTables(sources, baseline);
    if (tables.length === 0) return [];
    const out: string[] = ["## NIC paths", ""];
    out.push(
        "Each platform measured with more than one virtual NIC path (`hvnetlab:nic`): each path by guest count" +
            (baseline ? ` as % of **${baseline.label}**` : "") +
            ", the host's CPUs per Gb/s (its service demand in us/KB x " +
            `${KB_PER_GIGABIT.toFixed(0)} KB per Gb / 10^6), and what limited the run.`,
        "",
    );
    for (const t of tables) out.push(formatMarkdown(t), "");
    return out;
}

/** "Where the CPU goes": the bottleneckRows table and its notes; left out when no run has CPU figures. */
function cpuSection(sources: readonly Source[]): string[] {
    const cpu = bottleneckRows(sources);
    if (cpu.rows.length === 0) return [];
    const out: string[] = ["## Where the CPU goes", ""];
    out.push(
        "Per guest count: throughput, the host's CPU (the hypervisor host's where it was sampled: kvm host, dom0, ESXi; busy % of all its CPUs), the busiest hypervisor-side thread or domain, and what limited the run (runner/judging/bottleneck.ts: below 97% of the goodput limit, a CPU at 90% or more).",
        "",
    );
    out.push("| source | run | guests | throughput | host CPU | busiest on the host | bottleneck |", "|---|---|---|---|---|---|---|");
    for (const row of cpu.rows) out.push(`| ${row.join(" | ")} |`);
    out.push("");
    cpu.notes.forEach((n, i) => out.push(`Note ${i + 1}: ${n}`, ""));
    return out;
}

/** "Charts": each chart file (under charts/) as an image, and the reference overlay's source. */
function chartsSection(charts: readonly string[], reference: Reference | undefined): string[] {
    const out: string[] = ["## Charts", ""];
    for (const f of charts) out.push(`![${f}](charts/${f})`, "");
    if (reference) out.push(`Reference overlay: ${reference.source}`, "");
    return out;
}

/** "Machines": each source's lab machines and host facts. */
function machinesSection(sources: readonly Source[]): string[] {
    const out: string[] = ["## Machines", ""];
    for (const s of sources) {
        out.push(`**${s.label}**`, "");
        for (const line of [...describeLabMachines(s), ...describeFacts(s)]) out.push(`- ${line}`);
        out.push("");
    }
    return out;
}

/** "Method": how runs are measured, the comparability rules, and the sources' notes. */
function methodSection(sources: readonly Source[]): string[] {
    const out: string[] = ["## Method", ""];
    out.push(
        "Every client of a run starts at one absolute time; netperf runs in demo mode and each stream is integrated over the window in which all streams ran, less the warm-up. " +
            "Throughput is reported against the line rate and the goodput limit of the wires (the basis is in each run's `limits`). Every stream with its interim samples is in `results.csv` (sample counts) and in the sources' results documents.",
    );
    out.push("", "Comparability rules (analysis/comparability.ts):", "");
    for (const rule of RULES_TEXT) out.push(`- ${rule}`);
    const notes = [...new Set(sources.flatMap((s) => s.results.notes ?? []))];
    for (const n of notes) out.push("", `Note: ${n}`);
    return out;
}

/** Writes the report folder; returns the files written. */
export async function writeReport(
    dir: string,
    sources: readonly Source[],
    opts: { mismatches: string[]; baseline?: Source; reference?: Reference; notMeasured?: NotMeasured[] },
): Promise<string[]> {
    try {
        mkdirSync(path.join(dir, "charts"), { recursive: true });
        accessSync(dir, constants.W_OK);
    } catch (e) {
        throw new CompareInputError(`cannot write the report to ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const charts = reportCharts(sources, opts.reference);
    const written: string[] = [];
    const svgs = new Map<string, string>();
    for (const c of charts) {
        const file = path.join(dir, "charts", c.file);
        const svg = await renderSvg(c.spec);
        writeFileSync(file, svg);
        svgs.set(`charts/${c.file}`, svg);
        written.push(file);
    }
    const md = path.join(dir, "report.md");
    const markdown = reportMarkdown(sources, { ...opts, charts: charts.map((c) => c.file) });
    writeFileSync(md, markdown);
    const html = path.join(dir, "report.html");
    writeFileSync(html, reportHtml(markdown, svgs, `hvnetlab: ${sources.map((s) => s.label).join(", ")}`));
    const csv = path.join(dir, "results.csv");
    writeFileSync(csv, resultsCsv(sources));
    return [md, html, csv, ...written];
}
