// Comparing stacks: results documents from several platforms side by side, the check that they
// are comparable (same fingerprint, or exactly which part differs), and the regression gate of
// one stack against a baseline. Pure functions; the `hvnetlab compare` command line reads the
// files and prints what these return.
import { differences } from "./comparability";
import { flatSettings, nicSettingWarnings } from "./nic-differences";
import type { EngineRecord, HostFacts, ResultsDocument, RunResult } from "../model";
import { nicPathWords } from "../model";

/** Input that cannot be compared: a file that is not a results document, runs missing, ... (exit 2). */
export class CompareInputError extends Error {
    readonly name = "CompareInputError";
}

/** One stack's outcome, as read from an outputs file, a stack, or a bare results document. */
export interface Source {
    readonly label: string;
    readonly origin: string;
    readonly results: ResultsDocument;
    /** Facts of the lab's own machines (the `lab` output's hostFacts), where the source had them. */
    readonly hostFacts?: Record<string, unknown>;
    /** What made the lab (the `lab` output's engine), where the source had it. */
    readonly engine?: EngineRecord;
}

/**
 * A source's label unless one is given: its platform, and the guests' virtual NIC path where the
 * results record one ("kvm virtio mq2 macvtap"), so that two paths of one platform stand apart.
 */
export function sourceLabel(results: Pick<ResultsDocument, "platform" | "comparable">): string {
    const path = results.comparable?.nicPath;
    // A document written by hand or by another version may hold anything there.
    const usable = path && typeof path.model === "string" && typeof path.attach === "string" && Number.isInteger(path.queues);
    return usable ? `${results.platform} ${nicPathWords(path)}` : results.platform;
}

/** Reads a source from JSON text: stack outputs ({ results, lab, ... }) or a bare results document. */
export function parseSource(text: string, origin: string, label?: string): Source {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new CompareInputError(`${origin}: not JSON (${(e as Error).message})`);
    }
    if (doc === null || typeof doc !== "object") throw new CompareInputError(`${origin}: not a results document or stack outputs`);
    const outputs = doc as { results?: unknown; lab?: { hostFacts?: Record<string, unknown>; engine?: unknown } };
    const results = (outputs.results ?? doc) as Partial<ResultsDocument>;
    if (results === null || typeof results !== "object" || !("schemaVersion" in results)) {
        throw new CompareInputError(
            `${origin}: not a results document or stack outputs (no schemaVersion${outputs.results === undefined ? ", no results output" : ""})`,
        );
    }
    if (results.schemaVersion !== 1)
        throw new CompareInputError(
            `${origin}: results schemaVersion ${JSON.stringify(results.schemaVersion)} is not one this version reads (1)`,
        );
    if (!Array.isArray(results.runs) || results.runs.length === 0) throw new CompareInputError(`${origin}: the results hold no runs`);
    if (typeof results.platform !== "string" || typeof results.fingerprint !== "string")
        throw new CompareInputError(`${origin}: the results name no platform or fingerprint`);
    return {
        label: label ?? sourceLabel(results as ResultsDocument),
        origin,
        results: results as ResultsDocument,
        ...(outputs.lab?.hostFacts ? { hostFacts: outputs.lab.hostFacts } : {}),
        ...(isEngineRecord(outputs.lab?.engine) ? { engine: outputs.lab.engine } : {}),
    };
}

function isEngineRecord(v: unknown): v is EngineRecord {
    const r = v as Partial<EngineRecord> | null | undefined;
    return (
        typeof r === "object" &&
        r !== null &&
        typeof r.cli === "string" &&
        typeof r.providers === "object" &&
        r.providers !== null &&
        Object.values(r.providers).every((p) => typeof p === "string")
    );
}

/**
 * What made each source's lab, one line per source: the Pulumi CLI and each provider, as
 * `official 4.17.0` or `built here, stand-in for 4.17.0` (the `lab` output's engine); documents
 * made before it was recorded, and bare results documents, say `not recorded`.
 */
export function engineLines(sources: readonly Source[]): string[] {
    return sources.map((s) => {
        if (!s.engine) return `made by (${s.label}): not recorded`;
        const providers = Object.entries(s.engine.providers).map(([name, how]) => `${name} ${how}`);
        return `made by (${s.label}): Pulumi CLI ${s.engine.cli}; ${providers.join("; ")}`;
    });
}

/** The name a source's origin gives it: a file's name less .outputs.json, .results.json or .json; a stack's name. */
export function originName(origin: string): string {
    if (origin.startsWith("stack ")) return origin.slice("stack ".length);
    const base = origin.split(/[\\/]/).pop() ?? origin;
    return base.replace(/\.(outputs|results)\.json$|\.json$/, "") || base;
}

/**
 * Sources that share a label (two outputs of one stack, before and after a change) are labelled
 * by their origin instead (originName), and each such relabelling is returned as a note for the
 * output to state. Labels given with --label (`explicit[i]`) are kept. Throws CompareInputError
 * where the labels still collide, naming the sources: only then must the user give --label.
 */
export function labelCollisions(sources: readonly Source[], explicit: readonly boolean[]): { sources: Source[]; notes: string[] } {
    const count = new Map<string, number>();
    for (const s of sources) count.set(s.label, (count.get(s.label) ?? 0) + 1);
    const notes: string[] = [];
    const relabelled = sources.map((s, i) => {
        if (explicit[i] || (count.get(s.label) ?? 0) < 2) return s;
        const label = originName(s.origin);
        notes.push(`note: ${s.origin} is labelled '${label}' (more than one source is '${s.label}')`);
        return { ...s, label };
    });
    const seen = new Map<string, string>();
    for (const s of relabelled) {
        const other = seen.get(s.label);
        if (other !== undefined)
            throw new CompareInputError(`two sources are labelled '${s.label}' (${other}, ${s.origin}): give each its own with --label`);
        seen.set(s.label, s.origin);
    }
    return { sources: relabelled, notes };
}

/** The most guests a source's runs scale to. */
export function maxGuests(s: Source): number {
    return Math.max(...s.results.runs.map((r) => r.guests));
}

/**
 * What keeps two sources from being compared under the comparability rules
 * (analysis/comparability.ts), part by part; empty when they are comparable. Equal fingerprints
 * are always comparable; native (no guests) compares with a hypervisor whose wires, MTU, netperf,
 * matrix and method match, although their fingerprints differ.
 */
export function fingerprintDifferences(a: Source, b: Source): string[] {
    if (a.results.fingerprint === b.results.fingerprint) return [];
    const ca = a.results.comparable;
    const cb = b.results.comparable;
    if (!ca || !cb) {
        return [
            `fingerprint: ${a.label} ${a.results.fingerprint}, ${b.label} ${b.results.fingerprint} (a document without a comparable block cannot say which part differs)`,
        ];
    }
    return differences(ca, cb, a.label, b.label);
}

/**
 * Checks that the sources can be compared: the same guest counts always (rows must line up), and
 * every pair comparable under the rules of comparability.ts unless allowMismatch. Returns the mismatches that were allowed, for every
 * output to state; throws CompareInputError otherwise.
 */
export function checkComparable(sources: readonly Source[], allowMismatch: boolean): string[] {
    if (sources.length === 0) throw new CompareInputError("no sources to compare");
    const labels = sources.map((s) => s.label);
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup) throw new CompareInputError(`two sources are labelled '${dup}': give each its own with --label`);
    const counts = sources.map((s) => `${s.label} ${maxGuests(s)}`);
    if (new Set(sources.map(maxGuests)).size > 1) {
        throw new CompareInputError(
            `the sources scale to different guest counts (${counts.join(", ")}): run them with the same hvnetlab:guests`,
        );
    }
    // Every pair: native first compares with each hypervisor, but the hypervisors' guest shapes
    // must still match each other.
    const mismatches = sources.flatMap((a, i) =>
        sources.slice(i + 1).flatMap((b) => fingerprintDifferences(a, b).map((d) => `${a.label} vs ${b.label}: ${d}`)),
    );
    if (mismatches.length > 0 && !allowMismatch) {
        throw new CompareInputError(
            `the sources are not comparable:\n  ${mismatches.join("\n  ")}\nmatch the stacks' config, or pass --allow-mismatch to compare anyway`,
        );
    }
    return mismatches;
}

/**
 * Warnings for the dedicated NICs' settings (offloads, channels, rings) that differ between two
 * sources, every pair of sources (runner/netperf/ethtool.ts): they do not stop a comparison, but a
 * difference in TSO or GRO can explain one in throughput.
 */
export function nicWarnings(sources: readonly Source[]): string[] {
    return sources.flatMap((a, i) =>
        sources
            .slice(i + 1)
            .flatMap((b) =>
                nicSettingWarnings(
                    { label: a.label, endpoints: a.results.endpoints ?? {} },
                    { label: b.label, endpoints: b.results.endpoints ?? {} },
                ),
            ),
    );
}

/** How every output states a fingerprint difference that --allow-mismatch let through. */
export function mismatchNote(mismatch: string): string {
    return `note: compared although not comparable (--allow-mismatch): ${mismatch}`;
}

/** The group a run belongs to in the tables: one table per experiment x test x message size. */
export function groupKey(r: Pick<RunResult, "experiment" | "peer" | "test" | "messageBytes">): string {
    return `${r.experiment} ${r.test} ${r.messageBytes} B (peer ${r.peer})`;
}

/** The run's headline figure: Mb/s for streams, transactions/s for request/response. */
export function metricOf(r: RunResult): { value: number; unit: string } {
    return r.aggregate.transactionsPerSec !== undefined
        ? { value: r.aggregate.transactionsPerSec, unit: "trans/s" }
        : { value: r.aggregate.throughputMbps, unit: "Mb/s" };
}

/** The source that others are shown as a percentage of: named, else native, else local. */
export function pickBaseline(sources: readonly Source[], named?: string): Source | undefined {
    if (named !== undefined) {
        const s = sources.find((x) => x.label === named);
        if (!s)
            throw new CompareInputError(
                `--baseline-source ${named} names no source; the sources are ${sources.map((x) => x.label).join(", ")}`,
            );
        return s;
    }
    return sources.find((s) => s.results.platform === "native") ?? sources.find((s) => s.results.platform === "local");
}

/** A table: a title, column headers, rows of cells. */
export interface Table {
    readonly title: string;
    readonly headers: string[];
    readonly rows: string[][];
}

/** A source's run of one table group (groupKey) and guest count, if it measured one. */
export function findRun(s: Source, group: string, guests: number): RunResult | undefined {
    return s.results.runs.find((r) => groupKey(r) === group && r.guests === guests);
}

/**
 * A cell: the figure and % of line rate for an ok run; for TCP_RR its P50/P99 round-trip time (us,
 * the worst stream's); for UDP_STREAM the datagrams received per second and the loss; and its
 * host-side service demand (us of CPU per KB, netperf's unit) where its machines were sampled; the
 * status (never a number) otherwise.
 */
export function cell(r: RunResult | undefined): string {
    if (!r) return "-";
    if (r.status !== "ok") return r.status;
    const m = metricOf(r);
    const a = r.aggregate;
    const latency = a.latency ? ` P50/P99 ${a.latency.p50Us}/${a.latency.p99Us} us` : "";
    const udp = a.receivedPps !== undefined ? ` ${a.receivedPps} pkt/s` : "";
    const loss = a.lossPct !== undefined ? ` loss ${a.lossPct.toFixed(2)}%` : "";
    const demand = r.cpu?.hostDemandUsPerKB !== undefined ? ` ${r.cpu.hostDemandUsPerKB.toFixed(2)} us/KB` : "";
    return (
        (m.unit === "Mb/s" ? `${m.value.toFixed(1)} Mb/s ${a.lineRatePct.toFixed(1)}%` : `${m.value.toFixed(0)} trans/s`) +
        latency +
        udp +
        loss +
        demand
    );
}

function ofBaseline(r: RunResult | undefined, base: RunResult | undefined): string {
    if (!r || !base || r.status !== "ok" || base.status !== "ok") return "-";
    const b = metricOf(base).value;
    return b > 0 ? `${((100 * metricOf(r).value) / b).toFixed(1)}%` : "-";
}

/**
 * One table per experiment x test x message size: rows are guests 1..N, a column per source
 * (figure and % of line rate), and for each other source a column "% of <baseline>".
 */
export function comparisonTables(sources: readonly Source[], baseline?: Source): Table[] {
    const groups = [...new Set(sources.flatMap((s) => s.results.runs.map(groupKey)))];
    const n = Math.max(...sources.map(maxGuests));
    const others = baseline ? sources.filter((s) => s !== baseline) : [];
    return groups.map((group) => ({
        title: group,
        headers: ["guests", ...sources.map((s) => s.label), ...others.map((s) => `${s.label} % of ${baseline!.label}`)],
        rows: Array.from({ length: n }, (_, i) => i + 1).map((g) => [
            String(g),
            ...sources.map((s) => cell(findRun(s, group, g))),
            ...others.map((s) => ofBaseline(findRun(s, group, g), findRun(baseline!, group, g))),
        ]),
    }));
}

/** A table as fixed-width text. */
export function formatText(t: Table): string {
    const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
            .join("  ")
            .trimEnd();
    return [t.title, line(t.headers), line(widths.map((w) => "-".repeat(w))), ...t.rows.map(line)].join("\n");
}

/** A table as Markdown. */
export function formatMarkdown(t: Table): string {
    const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [`**${t.title}**`, "", row(t.headers), row(t.headers.map((_, i) => (i === 0 ? "---" : "---:"))), ...t.rows.map(row)].join("\n");
}

/** One cell of the gate's verdict. */
export interface GateCell {
    readonly id: string;
    readonly baseline: string;
    readonly current: string;
    readonly changePct?: number;
    readonly regression: boolean;
    readonly reason: string;
}

export interface GateVerdict {
    readonly verdict: "pass" | "regression";
    readonly tolerancePct: number;
    readonly baseline: string;
    readonly current: string;
    /** Fingerprint differences that were allowed (--allow-mismatch). */
    readonly mismatches: string[];
    readonly cells: GateCell[];
}

/** Parses a tolerance such as "5%", "5" or "2.5%" into percent. */
export function parseTolerance(text: string): number {
    const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
    if (!m || Number(m[1]) >= 100) throw new CompareInputError(`--tolerance takes a percentage below 100 such as 5%, got '${text}'`);
    return Number(m[1]);
}

const runKey = (r: RunResult) => `${groupKey(r)} x${r.guests}`;

/**
 * The regression gate: every run of the baseline must be there now, and none may fall below its
 * baseline figure by more than the tolerance (and, where both have repeats, by more than their
 * combined 95% interval), or be partial or failed where the baseline was ok.
 */
export function gate(baseline: Source, current: Source, tolerancePct: number, mismatches: string[] = []): GateVerdict {
    const now = new Map(current.results.runs.map((r) => [runKey(r), r]));
    const missing = baseline.results.runs.filter((r) => !now.has(runKey(r))).map((r) => r.id);
    if (missing.length > 0) throw new CompareInputError(`${current.origin}: runs of the baseline are missing: ${missing.join(", ")}`);
    const cells = baseline.results.runs.map((b): GateCell => {
        const c = now.get(runKey(b))!;
        const base = { id: b.id, baseline: cell(b), current: cell(c) };
        if (b.status !== "ok") return { ...base, regression: false, reason: `baseline ${b.status}: not judged` };
        if (c.status !== "ok")
            return { ...base, regression: true, reason: `ok in the baseline, ${c.status} now${c.error ? ` (${c.error})` : ""}` };
        const bv = metricOf(b).value;
        const cv = metricOf(c).value;
        const changePct = bv > 0 ? (100 * (cv - bv)) / bv : 0;
        const beyondTolerance = -changePct > tolerancePct;
        const noise = combinedInterval(b, c);
        const fallMbps = b.aggregate.throughputMbps - c.aggregate.throughputMbps;
        const regression = beyondTolerance && (noise === undefined || fallMbps > noise);
        const within = `within ${tolerancePct}% (${changePct >= 0 ? "+" : ""}${changePct.toFixed(1)}%)`;
        return {
            ...base,
            changePct: Number(changePct.toFixed(2)),
            regression,
            reason: regression
                ? `fell ${(-changePct).toFixed(1)}%, more than the tolerance of ${tolerancePct}%${noise !== undefined ? ` and the combined 95% interval of the repeats (${noise.toFixed(1)} Mb/s)` : ""}`
                : beyondTolerance
                  ? `fell ${(-changePct).toFixed(1)}%, but by ${fallMbps.toFixed(1)} Mb/s, within the combined 95% interval of the repeats (${noise!.toFixed(1)} Mb/s): not a regression`
                  : within,
        };
    });
    return {
        verdict: cells.some((c) => c.regression) ? "regression" : "pass",
        tolerancePct,
        baseline: baseline.origin,
        current: current.origin,
        mismatches,
        cells,
    };
}

/**
 * Where both runs have repeats: the half-widths of their 95% intervals combined (root of the sum
 * of squares), in Mb/s. A fall smaller than that cannot be told from the noise.
 */
export function combinedInterval(a: RunResult, b: RunResult): number | undefined {
    if (!a.stats || !b.stats || a.stats.n < 2 || b.stats.n < 2) return undefined;
    const half = (r: RunResult) => (r.stats!.ci95Mbps[1] - r.stats!.ci95Mbps[0]) / 2;
    return Math.sqrt(half(a) ** 2 + half(b) ** 2);
}

/** The verdict as text: every regressed cell named, then the count. */
export function formatVerdict(v: GateVerdict): string {
    const lines = v.mismatches.map(mismatchNote);
    for (const c of v.cells.filter((x) => x.regression)) lines.push(`REGRESSION ${c.id}: ${c.baseline} -> ${c.current}: ${c.reason}`);
    const bad = v.cells.filter((c) => c.regression).length;
    lines.push(
        bad > 0
            ? `${bad} of ${v.cells.length} cells regressed against ${v.baseline} (tolerance ${v.tolerancePct}%)`
            : `pass: ${v.cells.length} cells within ${v.tolerancePct}% of ${v.baseline}`,
    );
    return lines.join("\n");
}

/** A machine's facts in words: "kernel K, CPU model, virtualization V[, hypervisor][ (PV guest)][; NIC driver speed (settings), ...]". */
export function describeMachine(f: HostFacts): string {
    const nics = (f.nics ?? [])
        .map((n) => {
            const settings = [...flatSettings(n)].map(([k, v]) => `${k} ${v}`).join(", ");
            return `${n.name} ${n.driver}${n.speedMbps ? ` ${n.speedMbps} Mb/s` : ""}${settings ? ` (${settings})` : ""}`;
        })
        .join(", ");
    return `kernel ${f.kernel}, ${f.cpuModel}, virtualization ${f.virtualization}${f.hypervisor ? `, ${f.hypervisor}` : ""}${f.guestType ? ` (${f.guestType} guest)` : ""}${nics ? `; ${nics}` : ""}`;
}

/** Host facts of a source's endpoints, one line each, for the report. */
export function describeFacts(s: Source): string[] {
    return Object.entries(s.results.endpoints ?? {}).map(([name, r]) => `${name}: ${describeMachine(r.facts)}`);
}

/** Platforms whose lab has a hypervisor host that runs no netperf (its facts are in the lab's hostFacts only). */
const HYPERVISOR_PLATFORMS = ["esx", "kvm", "xen"];

/** Whether a value read from a source is a machine's facts as the labs gather them (runner/netperf/endpoint-facts.ts). */
function isHostFacts(v: unknown): v is HostFacts {
    const f = v as Partial<HostFacts> | null;
    return (
        typeof f === "object" &&
        f !== null &&
        typeof f.kernel === "string" &&
        typeof f.cpuModel === "string" &&
        typeof f.virtualization === "string" &&
        (f.nics === undefined ||
            (Array.isArray(f.nics) && f.nics.every((n) => typeof n?.name === "string" && typeof n?.driver === "string")))
    );
}

/** A value of unknown shape in words, "key value, key value", nested values flattened, no JSON. */
function inWords(v: unknown): string {
    if (v === null || v === undefined || v === "") return "-";
    if (Array.isArray(v)) return v.map(inWords).join(" ");
    if (typeof v === "object")
        return Object.entries(v)
            .map(([k, x]) => (x !== null && typeof x === "object" && !Array.isArray(x) ? `${k} (${inWords(x)})` : `${k} ${inWords(x)}`))
            .join(", ");
    return String(v);
}

/**
 * The lab's own machines (a source's hostFacts: the hypervisor host, the peer, the local lab's
 * machine), one line each in the endpoints' words. A machine that is also an endpoint and reads the
 * same is left out (describeFacts has it); one that is not is named "(hypervisor host)" on a
 * hypervisor's platform, else "(lab machine)"; one that reads otherwise "(as the lab read it)".
 */
export function describeLabMachines(s: Source): string[] {
    const endpoints = s.results.endpoints ?? {};
    return Object.entries(s.hostFacts ?? {}).flatMap(([name, facts]) => {
        const words = isHostFacts(facts) ? describeMachine(facts) : inWords(facts);
        const endpoint = endpoints[name];
        if (endpoint) return describeMachine(endpoint.facts) === words ? [] : [`${name} (as the lab read it): ${words}`];
        return [`${name} (${HYPERVISOR_PLATFORMS.includes(s.results.platform) ? "hypervisor host" : "lab machine"}): ${words}`];
    });
}
