// The report's charts as Vega-Lite specifications (pure: data in, spec out), and their rendering
// to SVG in Node with vega and vega-lite (no browser, no canvas).
import type { Source } from "./compare";
import { groupKey, maxGuests, metricOf } from "./compare";
import type { RunResult, Sample, StreamResult } from "../model";

/** A Vega-Lite specification (kept loose: the library validates it when compiling). */
export type VlSpec = Record<string, unknown>;

/** A published point to overlay: `series` at `guests`, as % of line rate. */
export interface ReferencePoint {
    readonly series: string;
    readonly experiment: "send" | "receive";
    readonly guests: number;
    readonly lineRatePct: number;
}

export interface Reference {
    readonly title: string;
    readonly source: string;
    readonly points: ReferencePoint[];
}

const WIDTH = 520;
/** Platforms (and reference series) by colour, with legend labels long enough for their names. */
const SERIES_COLOR = { field: "series", type: "nominal", title: "platform", legend: { labelLimit: 320 } };
const HEIGHT = 300;

function runsOf(s: Source, group: string): RunResult[] {
    return s.results.runs.filter((r) => groupKey(r) === group).sort((a, b) => a.guests - b.guests);
}

/**
 * Aggregate throughput against guests for one group (experiment x test x message size): a line
 * per source (ok runs only; partial and failed runs are left out, not drawn as numbers), the
 * line-rate and goodput limits as dashed lines, and reference points (as Mb/s of the same line
 * rate) where a reference is given.
 */
/** The x encoding of the charts against guests: 1..n guests running at once, whole ticks. */
function guestsAxis(n: number) {
    return {
        field: "guests",
        type: "quantitative",
        title: "guests running at once",
        axis: { tickMinStep: 1, format: "d" },
        scale: { domain: [0.8, n + 0.2] },
    };
}

export function throughputSpec(sources: readonly Source[], group: string, reference?: Reference): VlSpec {
    const first = sources.flatMap((s) => runsOf(s, group))[0];
    const measured = sources.flatMap((s) =>
        runsOf(s, group)
            .filter((r) => r.status === "ok")
            .map((r) => ({ series: s.label, guests: r.guests, value: Number(metricOf(r).value.toFixed(1)) })),
    );
    const n = Math.max(...sources.map(maxGuests));
    const perGuestLine = first ? first.limits.lineRateMbps / first.guests : 0;
    const perGuestGoodput = first ? first.limits.goodputMbps / first.guests : 0;
    const limits = Array.from({ length: n }, (_, i) => i + 1).flatMap((g) => [
        { limit: `line rate (${perGuestLine} Mb/s per wire)`, guests: g, value: perGuestLine * g },
        { limit: `goodput limit (${perGuestGoodput} Mb/s per wire)`, guests: g, value: Number((perGuestGoodput * g).toFixed(1)) },
    ]);
    const refs = (reference?.points ?? [])
        .filter((p) => first && p.experiment === first.experiment && p.guests <= n)
        .map((p) => ({ series: p.series, guests: p.guests, value: Number(((p.lineRatePct / 100) * perGuestLine * p.guests).toFixed(1)) }));
    const x = guestsAxis(n);
    const y = { field: "value", type: "quantitative", title: `aggregate throughput (${first ? metricOf(first).unit : "Mb/s"})` };
    const layers: VlSpec[] = [
        {
            data: { values: limits },
            mark: { type: "line", strokeDash: [4, 4], color: "#888" },
            encoding: { x, y, detail: { field: "limit" } },
        },
        // The two limits' labels at the right end, line rate above its line and goodput below.
        ...[-7, 12].map((dy, i) => ({
            data: { values: [limits.filter((l) => l.guests === n)[i]] },
            mark: { type: "text", align: "right", dx: -6, dy, fontSize: 10, color: "#555" },
            encoding: { x, y, text: { field: "limit" } },
        })),
        {
            data: { values: measured },
            mark: { type: "line", point: true },
            encoding: { x, y, color: SERIES_COLOR },
        },
    ];
    if (refs.length > 0) {
        layers.push({
            data: { values: refs },
            mark: { type: "point", shape: "diamond", filled: false, size: 90 },
            encoding: { x, y, color: SERIES_COLOR },
        });
    }
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
            text: `${group}: throughput against guests`,
            subtitle: reference && refs.length > 0 ? `diamonds: ${reference.title}` : "",
        },
        width: WIDTH,
        height: HEIGHT,
        layer: layers,
    };
}

/** Per-stream throughput of the largest run of a group, a bar per guest, grouped by source: fairness. */
export function fairnessSpec(sources: readonly Source[], group: string): VlSpec {
    const n = Math.max(...sources.map(maxGuests));
    const bars = sources.flatMap((s) => {
        const run = runsOf(s, group).find((r) => r.guests === n);
        // One bar per wire, in wire order: "wire 1" of native (one host, a NIC per wire) stands
        // beside guest g1's wire of a hypervisor.
        return (run?.streams ?? []).map((st, i) => ({
            series: s.label,
            stream: `wire ${i + 1}`,
            value: Number((st.transactionsPerSec ?? st.throughputMbps).toFixed(1)),
            status: run!.status,
        }));
    });
    const unit = sources.map((s) => runsOf(s, group).find((r) => r.guests === n)).find(Boolean);
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
            text: `${group}: per-stream throughput at ${n} guests`,
            subtitle: "equal bars mean the guests' wires shared the host fairly",
        },
        width: WIDTH,
        height: HEIGHT,
        data: { values: bars },
        mark: "bar",
        encoding: {
            x: { field: "stream", type: "nominal", title: "stream (each on its own wire)", axis: { labelAngle: 0 } },
            xOffset: { field: "series" },
            y: { field: "value", type: "quantitative", title: `stream throughput (${unit ? metricOf(unit).unit : "Mb/s"})` },
            color: SERIES_COLOR,
        },
    };
}

/**
 * The samples a chart may draw as a stream's traffic: its `samples` (see StreamResult in
 * model/results.ts). A UDP_STREAM stream without `udp` comes from a document written before sent and
 * received were recorded: its samples are the sender's rate, and are left out (an empty list).
 */
export function receivedSamples(run: Pick<RunResult, "test">, stream: StreamResult): Sample[] {
    return run.test === "UDP_STREAM" && stream.udp === undefined ? [] : stream.samples;
}

/**
 * The interim samples of one run, a line per stream, with the aggregation window shaded. For
 * UDP_STREAM the lines are what arrived (the sender's interim rate scaled by the fraction
 * delivered, as model/results.ts defines `samples`), and the axis says so.
 */
export function timeSeriesSpec(source: Source, run: RunResult): VlSpec {
    const series = run.streams.map((s) => ({ stream: s.endpoint, samples: receivedSamples(run, s) }));
    const t0 = Math.min(...series.flatMap((s) => s.samples.map(([t]) => t)), run.window.start);
    const points = series.flatMap((s) => s.samples.map(([t, v]) => ({ stream: s.stream, seconds: Number((t - t0).toFixed(3)), value: v })));
    const unit = metricOf(run).unit;
    const udp = run.test === "UDP_STREAM";
    const leftOut = series.filter((s) => s.samples.length === 0 && run.streams.find((x) => x.endpoint === s.stream)!.samples.length > 0);
    const x = { field: "seconds", type: "quantitative", title: "seconds since the first sample" };
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
            text: `${source.label} ${run.id}: interim samples`,
            subtitle: [
                `shaded: the aggregation window (${run.window.seconds.toFixed(2)} s in which every stream ran)`,
                ...(udp ? ["UDP: what arrived, estimated as the sender's interim rate x the fraction delivered over the test"] : []),
                ...(leftOut.length > 0
                    ? [`left out: ${leftOut.map((s) => s.stream).join(", ")} (only the sender's rate was recorded)`]
                    : []),
            ],
        },
        width: WIDTH,
        height: HEIGHT,
        layer: [
            {
                data: { values: [{ start: Number((run.window.start - t0).toFixed(3)), end: Number((run.window.end - t0).toFixed(3)) }] },
                mark: { type: "rect", color: "#cfe3f7", opacity: 0.7 },
                encoding: { x: { field: "start", type: "quantitative", title: x.title }, x2: { field: "end" } },
            },
            {
                data: { values: points },
                mark: { type: "line", point: { size: 12 } },
                encoding: {
                    x,
                    y: { field: "value", type: "quantitative", title: `interim throughput${udp ? " received" : ""} (${unit})` },
                    color: { field: "stream", type: "nominal", title: "stream (guest)" },
                },
            },
        ],
    };
}

/**
 * A run's host CPU in % of all the host's CPUs over its window: the hypervisor host's (kvm host,
 * dom0, ESXi; CPU-weighted where there are several), else the machine named "host" (the local
 * lab's namespaces' machine, the native host). Undefined when none was measured: a chart then
 * leaves the point out rather than draw a 0.
 */
export function hostBusyPct(run: Pick<RunResult, "cpu">): { machine: string; busyPct: number } | undefined {
    const machines = run.cpu?.machines ?? [];
    const hv = machines.filter((m) => m.role === "hypervisor");
    const chosen = hv.length > 0 ? hv : machines.filter((m) => m.machine === "host");
    const cpus = chosen.reduce((a, m) => a + Math.max(1, m.cpus), 0);
    if (chosen.length === 0 || cpus === 0) return undefined;
    return {
        machine: chosen.map((m) => m.machine).join("+"),
        busyPct: Number((chosen.reduce((a, m) => a + m.total.busyPct * Math.max(1, m.cpus), 0) / cpus).toFixed(1)),
    };
}

/**
 * Throughput and host CPU against guests for one group, one above the other on a shared guests
 * axis, a line per source: where throughput stops growing while the host's CPU reaches 100%,
 * the host's CPU is what limited it (the bottleneck of each run is in the report's table). Ok
 * and partial runs with figures only; a run without host CPU figures has no CPU point.
 */
export function hostCpuSpec(sources: readonly Source[], group: string): VlSpec {
    const runs = sources.flatMap((s) => runsOf(s, group).map((r) => ({ s, r })));
    const n = Math.max(1, ...sources.map(maxGuests));
    const measured = runs.filter(({ r }) => r.status !== "failed");
    const throughput = measured.map(({ s, r }) => ({ series: s.label, guests: r.guests, value: Number(metricOf(r).value.toFixed(1)) }));
    const cpu = measured.flatMap(({ s, r }) => {
        const h = hostBusyPct(r);
        return h ? [{ series: s.label, guests: r.guests, value: h.busyPct, machine: h.machine }] : [];
    });
    const unit = measured[0] ? metricOf(measured[0].r).unit : "Mb/s";
    const x = guestsAxis(n);
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
            text: `${group}: throughput and host CPU against guests`,
            subtitle: "host CPU: the hypervisor host's (kvm host, dom0, ESXi), else the lab's host; busy % of all its CPUs",
        },
        vconcat: [
            {
                width: WIDTH,
                height: HEIGHT / 2,
                data: { values: throughput },
                mark: { type: "line", point: true },
                encoding: { x, y: { field: "value", type: "quantitative", title: `throughput (${unit})` }, color: SERIES_COLOR },
            },
            {
                width: WIDTH,
                height: HEIGHT / 2,
                data: { values: cpu },
                mark: { type: "line", point: true, strokeDash: [6, 2] },
                encoding: {
                    x,
                    y: { field: "value", type: "quantitative", title: "host CPU busy (%)", scale: { domain: [0, 100] } },
                    color: SERIES_COLOR,
                    tooltip: [{ field: "machine" }, { field: "value", title: "busy %" }],
                },
            },
        ],
    };
}

// vega and vega-lite are ES modules: load them with a real import(), which TypeScript's CommonJS
// output would otherwise turn into require().
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: VlSpec): Promise<string> {
    const [vega, vl] = await Promise.all([importEsm("vega"), importEsm("vega-lite")]);
    const compiled = vl.compile(spec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    try {
        return await view.toSVG();
    } finally {
        view.finalize();
    }
}
