// The cells: each measured hvnetlab:repeats times, every stream of a repeat started for one common
// time, its netperf output read onto the runner's clock and handed to the judging.
import type { Cell, StreamPlan } from "../model";
import { streamsOf } from "../model";
import type { NetperfResult } from "./netperf";
import { netperfArgs } from "./netperf";
import type { DiagnosisPlan, NetperfRun } from "./netperf";
import { diagnoseNetperf } from "./netperf";
import type { ClockRereading, StreamOutcome } from "./judging";
import { aggregateCell, combineRepeats, withClockCheck, withCpu } from "./judging";
import type { SamplerSource } from "./sampling";
import { parseSamplerOutput, samplerArgs } from "./sampling";
import type { ClientStart } from "./netperf";
import { clientStart } from "./netperf";
import { StartGate } from "./transport";
import type { ProcessResult, Transport } from "./transport";
import type { HostSamplerSource } from "./sampling";
import { hostSamplerArgs, parseHostSamplerOutput } from "./sampling";
import type { NetperfTest, Plan, PlanEndpoint, PlanHost, RunResult, StartRecord } from "../model";

export { netperfFailure } from "./netperf";

/** How long a machine's sampler has to end after its stdin closed before it is killed (ms). */
export const SAMPLER_GRACE_MS = 3000;

/** How the cells reach the endpoints, and what stops them. */
export interface CellOptions {
    readonly transport: Transport;
    readonly signal?: AbortSignal;
    /** The machines' samplers: aborted, their stdin closes, and each takes a last reading and ends. */
    readonly endStdinOn?: AbortSignal;
    /** false: start no CPU sampler (the runs then have no CPU figures); for measuring what samplers cost. */
    readonly cpuSamplers?: boolean;
}

/**
 * How far ahead of a start fixed in advance the clients are launched (a run holding a client whose
 * transport cannot release it): the plan's lead, but at least 15 ms per stream (and 100 ms), since
 * launching a process costs milliseconds on a busy machine and a client launched after the start
 * time starts late. Armed clients need no such guess: their start gate waits until they are armed.
 */
export function startLeadMs(plan: Pick<Plan, "startLeadMs">, streams: number): number {
    return Math.max(plan.startLeadMs, 100 + 15 * streams);
}

/** The least lead the start gate adds after the last armed client arrives (ms): the event loop's turn. */
export const MIN_GATE_LEAD_MS = 10;

/**
 * How long an armed client's session may take to set up and arm, in the deadline of every client
 * of the run (ms): over SSH to a guest under nested emulation a session took up to 6 s.
 */
export const ARMING_BUDGET_MS = 20000;

/**
 * How long a netperf client may take before the runner kills it: its start lead, its duration,
 * and a grace of half the duration (at least 10 s) for connecting and the final handshake. A
 * stream on a dead wire or netserver therefore fails on time instead of hanging the run.
 */
export function netperfDeadlineMs(plan: Pick<Plan, "startLeadMs" | "durationSeconds">): number {
    return plan.startLeadMs + 1000 * (plan.durationSeconds + Math.max(10, plan.durationSeconds / 2));
}

/**
 * Measures a cell hvnetlab:repeats times (stopping early on abort) and combines the repeats. After
 * each repeat the clocks of its clients are read afresh and held against the offsets its samples
 * were moved by (runner/judging/clock-check.ts withClockCheck).
 */
export async function measureCell(plan: Plan, cell: Cell, offsets: ReadonlyMap<string, number>, options: CellOptions): Promise<RunResult> {
    const repeats: RunResult[] = [];
    for (let i = 0; i < (plan.repeats ?? 1) && !(options.signal?.aborted && i > 0); i++) {
        const run = await measureOnce(plan, cell, offsets, options);
        repeats.push(options.signal?.aborted ? run : withClockCheck(run, await rereadClocks(plan, cell, offsets, options)));
    }
    return combineRepeats(repeats);
}

/**
 * Reads afresh the clock of every client endpoint of the cell (Transport.clock with `fresh`),
 * beside the offset its samples were moved by. Never throws: a clock that cannot be read gives
 * its reason.
 */
export function rereadClocks(
    plan: Pick<Plan, "endpoints">,
    cell: Cell,
    offsets: ReadonlyMap<string, number>,
    options: CellOptions,
): Promise<ClockRereading[]> {
    const clients = [...new Map(streamsOf(cell, plan.endpoints).map((s) => [s.client.name, s.client])).values()];
    return Promise.all(
        clients.map(async (endpoint): Promise<ClockRereading> => {
            const beforeMs = offsets.get(endpoint.name) ?? 0;
            try {
                return { endpoint: endpoint.name, beforeMs, after: await options.transport.clock(endpoint, options.signal, true) };
            } catch (err) {
                return { endpoint: endpoint.name, beforeMs, error: (err as Error).message };
            }
        }),
    );
}

/**
 * Measures a cell once: the run's start is chosen (runStart), the samplers are started
 * (startRunSamplers), then every client, armed or for the start fixed in advance (launchClients);
 * once all have ended, their outcomes are read (clientOutcomes), the samplers collected
 * (collectSamplers), and the run judged with its CPU (aggregateCell, withCpu) and its start recorded.
 */
async function measureOnce(plan: Plan, cell: Cell, offsets: ReadonlyMap<string, number>, options: CellOptions): Promise<RunResult> {
    const streams = streamsOf(cell, plan.endpoints);
    const start = runStart(plan, cell, streams, options);
    const samplers = startRunSamplers(plan, offsets, options, start.latestStartMs);
    const launched = await launchClients(plan, cell, streams, start, options);
    // Every stream is judged against the run's one start: the gate's, or the one fixed in advance.
    const plannedStartMs = start.gate?.report?.startAtMs ?? start.fixedAtMs;
    const outcomes = clientOutcomes(plan, cell, streams, launched, offsets, plannedStartMs);
    const { sources, hostSources } = await collectSamplers(plan, samplers, options);
    const plannedStart = plannedStartMs !== undefined ? plannedStartMs / 1000 : undefined;
    const run = withCpu(plan, cell, aggregateCell(plan, cell, outcomes), sources, hostSources, plannedStart);
    return plannedStartMs === undefined ? run : { ...run, start: startRecord(plannedStartMs, start.gate, streams, launched) };
}

/**
 * How a run's clients start: each one's start, the start fixed in advance (epoch ms) if any, the
 * armed ones' gate, and the latest the start can be (epoch ms).
 */
interface RunStart {
    readonly starts: readonly ClientStart[];
    readonly fixedAtMs?: number;
    readonly gate?: StartGate;
    readonly latestStartMs: number;
}

/**
 * How the run's clients start (runner/netperf/armed-hold.ts clientStart): armed where the transport
 * can release a client, the run then starting when they all are (their StartGate); a client that
 * cannot be armed needs a start fixed in advance (startLeadMs from now), which then holds the armed
 * ones too. The latest the start can be is that fixed start, else now plus ARMING_BUDGET_MS.
 */
function runStart(plan: Plan, cell: Cell, streams: readonly StreamPlan[], options: CellOptions): RunStart {
    const starts: ClientStart[] = streams.map((s) =>
        clientStart(cell.test, plan.durationSeconds, options.transport.canRelease?.(s.client) ?? false),
    );
    const fixedAtMs = starts.some((s) => !s.release) ? Date.now() + startLeadMs(plan, streams.length) : undefined;
    const armed = starts.filter((s) => s.release);
    const gate =
        armed.length > 0
            ? new StartGate(armed.length, {
                  maxWaitMs: Math.min(...armed.map((s) => (s.release ? s.maxWaitMs : Infinity))),
                  minLeadMs: MIN_GATE_LEAD_MS,
                  ...(fixedAtMs !== undefined ? { fixedAtMs } : {}),
              })
            : undefined;
    // The latest the start can be: the samplers run until then plus the duration, unless stopped.
    const latestStartMs = fixedAtMs ?? Date.now() + ARMING_BUDGET_MS;
    return { starts, ...(fixedAtMs !== undefined ? { fixedAtMs } : {}), ...(gate ? { gate } : {}), latestStartMs };
}

/** A run's samplers under way, and how they are ended. */
interface RunSamplers {
    readonly sampling: Promise<SamplerSource[]>;
    readonly hostSampling: Promise<HostSamplerSource[]>;
    /** Aborted when the last client has ended: the machines' samplers' stdin closes. */
    readonly finish: AbortController;
    /** Stops every sampler (each gives what it read so far); also called when the run is aborted. */
    readonly stop: () => void;
}

/**
 * Starts the run's samplers (unless `cpuSamplers` is false), to run until the latest start plus the
 * duration and a reading or two. The machines' samplers end when the last client has: their stdin
 * closes, and each takes a last reading (after the window's end) and ends. The hypervisor hosts'
 * samplers (esxtop: a row every 2 s or more) are stopped one interval after the last client
 * instead (a reading after the window's end is then taken). Either ends on its own a little later,
 * or when the run is stopped.
 */
function startRunSamplers(plan: Plan, offsets: ReadonlyMap<string, number>, options: CellOptions, latestStartMs: number): RunSamplers {
    const finish = new AbortController();
    const stopSamplers = new AbortController();
    const stop = () => stopSamplers.abort();
    options.signal?.addEventListener("abort", stop, { once: true });
    const sampling: Promise<SamplerSource[]> =
        options.cpuSamplers === false
            ? Promise.resolve([{ machine: "every machine", endpoints: {}, error: "CPU sampling was turned off for this run" }])
            : startSamplers(
                  plan,
                  offsets,
                  { ...options, signal: stopSamplers.signal, endStdinOn: finish.signal },
                  latestStartMs / 1000 + plan.durationSeconds + 2 * plan.intervalSeconds + 1,
              );
    // A host's sampler (esxtop: at least 2 s a row) may read less often: it stops a row after the end.
    const hostSampling: Promise<HostSamplerSource[]> =
        options.cpuSamplers === false
            ? Promise.resolve([])
            : startHostSamplers(
                  plan,
                  { ...options, signal: stopSamplers.signal },
                  latestStartMs / 1000 + plan.durationSeconds + 2 * Math.max(2, plan.intervalSeconds) + 1,
              );
    return { sampling, hostSampling, finish, stop };
}

/**
 * Launches every client of the run with its netperf command line: an armed one through the start
 * gate, the others for the start fixed in advance; each killed after its deadline (netperfDeadlineMs,
 * its lead being ARMING_BUDGET_MS when armed, else the time left to the fixed start). Never throws:
 * a client that cannot be run gives its reason.
 */
function launchClients(plan: Plan, cell: Cell, streams: readonly StreamPlan[], start: RunStart, options: CellOptions): Promise<Launched[]> {
    const { starts, fixedAtMs, gate } = start;
    return Promise.all(
        streams.map(async (s, i): Promise<Launched> => {
            const clientStart = starts[i];
            const timeoutMs = netperfDeadlineMs({
                startLeadMs: clientStart.release ? ARMING_BUDGET_MS : fixedAtMs! - Date.now(),
                durationSeconds: clientStart.netperfSeconds,
            });
            const argv = [
                "netperf",
                ...netperfArgs({
                    host: s.serverAddress,
                    port: plan.netserverPort,
                    test: cell.test,
                    durationSeconds: clientStart.netperfSeconds,
                    intervalSeconds: plan.intervalSeconds,
                    messageBytes: cell.messageBytes,
                    cpu: plan.cpu,
                    ...(clientStart.release ? { armedSeconds: clientStart.armedSeconds } : {}),
                }),
            ];
            const how = clientStart.release ? { release: true, gate } : { startAtMs: fixedAtMs };
            try {
                const r = await options.transport.run(s.client, argv, { timeoutMs, signal: options.signal, ...how });
                return { r, timeoutMs, netperfSeconds: clientStart.netperfSeconds };
            } catch (err) {
                return { error: (err as Error).message };
            }
        }),
    );
}

/** Each client's outcome (streamOutcome) from its launch, judged against the run's start `plannedStartMs` (epoch ms). */
function clientOutcomes(
    plan: Plan,
    cell: Cell,
    streams: readonly StreamPlan[],
    launched: readonly Launched[],
    offsets: ReadonlyMap<string, number>,
    plannedStartMs: number | undefined,
): StreamOutcome[] {
    return launched.map((l, i) =>
        "error" in l
            ? { stream: streams[i], error: l.error }
            : streamOutcome(streams[i], cell.test, l.r, {
                  durationSeconds: plan.durationSeconds,
                  intervalSeconds: plan.intervalSeconds,
                  netperfSeconds: l.netperfSeconds,
                  timeoutMs: l.timeoutMs,
                  plannedStart: plannedStartMs !== undefined ? plannedStartMs / 1000 : undefined,
                  offsetMs: offsets.get(streams[i].client.name) ?? 0,
              }),
    );
}

/**
 * Ends the run's samplers once its clients have and collects what they read: the machines' stdin
 * closes (a sampler that does not end on it is stopped after SAMPLER_GRACE_MS, or one interval when
 * the plan has hosts), then the hosts' samplers are stopped one interval (and 250 ms) later.
 */
async function collectSamplers(
    plan: Plan,
    samplers: RunSamplers,
    options: CellOptions,
): Promise<{ sources: SamplerSource[]; hostSources: HostSamplerSource[] }> {
    samplers.finish.abort();
    // A sampler that does not end on its stdin is killed after SAMPLER_GRACE_MS (it keeps what it read).
    const stopping = setTimeout(samplers.stop, plan.hosts?.length ? plan.intervalSeconds * 1000 + 250 : SAMPLER_GRACE_MS);
    const sources = await samplers.sampling;
    clearTimeout(stopping);
    const stoppingHosts = setTimeout(samplers.stop, plan.intervalSeconds * 1000 + 250);
    const hostSources = await samplers.hostSampling;
    clearTimeout(stoppingHosts);
    options.signal?.removeEventListener("abort", samplers.stop);
    return { sources, hostSources };
}

/** What one client's launch gave: its process's result, or why it could not be run. */
type Launched = { readonly r: ProcessResult; readonly timeoutMs: number; readonly netperfSeconds: number } | { readonly error: string };

/** The run's start as recorded in its results: how it was chosen, and each client's release against it. */
function startRecord(
    atMs: number,
    gate: StartGate | undefined,
    streams: readonly StreamPlan[],
    launched: readonly Launched[],
): StartRecord {
    const report = gate?.report;
    const releaseMs: Record<string, number> = {};
    streams.forEach((s, i) => {
        const l = launched[i];
        const at = "r" in l ? l.r.releasedAtMs : undefined;
        if (at !== undefined) releaseMs[s.wire.guest] = Math.round((at - atMs) * 10) / 10;
    });
    return {
        how: report ? "gate" : "fixed",
        at: atMs / 1000,
        ...(report ? { heldMs: report.heldMs, leadMs: report.leadMs, armed: report.arrived, expected: report.expected } : {}),
        releaseMs,
    };
}

/**
 * Starts the CPU samplers of a run (runner/sampling/endpoint-sampler.ts), to run until `untilEpochSeconds`
 * (runner's clock) or until `options.signal` stops them (they then give what they read so far).
 * The local lab's namespaces share this machine, so one sampler here reads its /proc/stat
 * (machine "host") and the processes of every namespace; every other endpoint runs its own over
 * its transport. Never throws: a sampler that cannot run gives its reason.
 */
export function startSamplers(
    plan: Pick<Plan, "endpoints" | "intervalSeconds">,
    offsets: ReadonlyMap<string, number>,
    options: CellOptions,
    untilEpochSeconds: number,
): Promise<SamplerSource[]> {
    const timeoutMs = Math.max(0, untilEpochSeconds * 1000 - Date.now()) + 10000;
    const collect = async (
        machine: string,
        endpoints: Record<string, string>,
        run: () => Promise<{ code: number | null; stdout: string; stderr: string }>,
        offsetMs: number,
    ): Promise<SamplerSource> => {
        try {
            const r = await run();
            const output = parseSamplerOutput(r.stdout, offsetMs);
            if (r.code !== 0 && output.stats.length === 0)
                return { machine, endpoints, error: `the sampler exited ${r.code}: ${r.stderr.trim().split("\n")[0] || "no output"}` };
            return { machine, endpoints, output };
        } catch (err) {
            return { machine, endpoints, error: (err as Error).message };
        }
    };
    const local = plan.endpoints.flatMap((e) => (e.access.kind === "netns" ? [e] : []));
    const remote = plan.endpoints.filter((e) => e.access.kind !== "netns");
    const jobs: Promise<SamplerSource>[] = [];
    if (local.length > 0) {
        const scopes = local.map((e) => (e.access.kind === "netns" ? e.access.namespace : ""));
        const endpoints = Object.fromEntries(local.map((e, i) => [scopes[i], e.name]));
        const argv = samplerArgs(untilEpochSeconds, plan.intervalSeconds, true, scopes, options.endStdinOn !== undefined);
        const here = options.transport.runHere?.bind(options.transport);
        jobs.push(
            here
                ? collect("host", endpoints, () => here(argv, { timeoutMs, signal: options.signal, endStdinOn: options.endStdinOn }), 0)
                : Promise.resolve({ machine: "host", endpoints, error: "the transport cannot run programs on the namespaces' machine" }),
        );
    }
    for (const e of remote) {
        const offsetMs = offsets.get(e.name) ?? 0;
        const argv = samplerArgs(
            untilEpochSeconds + offsetMs / 1000,
            plan.intervalSeconds,
            true,
            ["self"],
            options.endStdinOn !== undefined,
        );
        jobs.push(
            collect(
                e.name,
                { self: e.name },
                () => options.transport.run(e, argv, { timeoutMs, signal: options.signal, endStdinOn: options.endStdinOn }),
                offsetMs,
            ),
        );
    }
    return Promise.all(jobs);
}

/**
 * The plan's hypervisor host as an endpoint of the transport (which reads only its name and
 * access); undefined for a host that cannot be reached.
 */
export function hostEndpoint(host: PlanHost): PlanEndpoint | undefined {
    return host.access ? { name: host.name, role: "peer", access: host.access } : undefined;
}

/**
 * Starts the samplers of the plan's hypervisor hosts (runner/sampling/host-sampler.ts), each of its kind,
 * over the transport: the host's clock is read first (SSH transports read it once and keep it),
 * to run until `untilEpochSeconds` (runner's clock) or until `options.signal` stops them. Never
 * throws: a host that cannot be reached, or whose sampler fails, gives its reason.
 */
export function startHostSamplers(
    plan: Pick<Plan, "hosts" | "intervalSeconds">,
    options: CellOptions,
    untilEpochSeconds: number,
): Promise<HostSamplerSource[]> {
    const timeoutMs = Math.max(0, untilEpochSeconds * 1000 - Date.now()) + 10000;
    return Promise.all(
        (plan.hosts ?? []).map(async (host): Promise<HostSamplerSource> => {
            const endpoint = hostEndpoint(host);
            if (!endpoint) return { host, error: host.unreachable ?? "the plan gives no way to reach it" };
            try {
                const { offsetMs } = await options.transport.clock(endpoint, options.signal);
                const argv = hostSamplerArgs(host, untilEpochSeconds + offsetMs / 1000, plan.intervalSeconds);
                const r = await options.transport.run(endpoint, argv, { timeoutMs, signal: options.signal });
                const output = parseHostSamplerOutput(host.sampler, r.stdout, offsetMs);
                const read = output.stats.length + output.threads.length + output.xentop.length + output.esxtop.length;
                if (r.code !== 0 && read === 0)
                    return { host, error: `the sampler exited ${r.code}: ${r.stderr.trim().split("\n")[0] || "no output"}` };
                return { host, output };
            } catch (err) {
                return { host, error: (err as Error).message };
            }
        }),
    );
}

/** netperf stamps interim results with the client's clock; move them onto the runner's. */
export function toRunnerClock<T extends Pick<NetperfResult, "samples">>(result: T, offsetMs: number): T {
    if (offsetMs === 0) return result;
    return { ...result, samples: result.samples.map((x) => ({ ...x, at: x.at - offsetMs / 1000 })) };
}

/**
 * One client's outcome from what its netperf printed (runner/netperf/diagnosis.ts), its
 * samples moved onto the runner's clock by the client's offset. Whatever netperf printed is kept:
 * its final figures and interim results, also beside the reason a stream failed. Pure.
 */
export function streamOutcome(
    stream: StreamPlan,
    test: NetperfTest,
    r: NetperfRun,
    at: DiagnosisPlan & { plannedStart?: number; offsetMs: number },
): StreamOutcome {
    const d = diagnoseNetperf(test, r, at);
    const parsed = d.parsed ? toRunnerClock(d.parsed, at.offsetMs) : undefined;
    const partial = toRunnerClock({ samples: d.samples }, at.offsetMs).samples;
    return {
        stream,
        ...(parsed ? { parsed } : {}),
        ...(d.error ? { error: d.error, partial } : {}),
        ...(at.plannedStart !== undefined ? { plannedStart: at.plannedStart } : {}),
        netperfSeconds: at.netperfSeconds ?? at.durationSeconds,
    };
}
