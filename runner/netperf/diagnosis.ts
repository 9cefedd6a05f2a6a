// What a netperf client's run says about itself, read from everything it printed: its banner
// (netperf 2.7.0 ends it with ": demo" when built with --enable-demo), its interim results, its
// final line of output selectors (figure, units, ELAPSED_TIME), its exit code or signal, and its
// stderr. Pure: the runner hands it the process's result (runner/measure-cell.ts).
import type { InterimSample, NetperfResult } from "./netperf-client";
import { interimSamples, NetperfOutputError, parseNetperfOutput } from "./netperf-client";
import type { NetperfTest } from "../../model";

/** What the transport gave back for one netperf client. */
export interface NetperfRun {
    readonly code: number | null;
    readonly signal?: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    /** True when the runner killed it at its deadline. */
    readonly timedOut?: boolean;
}

/** What the diagnosis reads of the plan and of the client's command line. */
export interface DiagnosisPlan {
    /** The planned duration of the test (hvnetlab:durationSeconds), in seconds. */
    readonly durationSeconds: number;
    /** The demo interval (-D), in seconds. */
    readonly intervalSeconds: number;
    /** The test length the client was given (-l), in seconds; absent: the planned duration. */
    readonly netperfSeconds?: number;
    /** The client's deadline, in milliseconds (runner/measure-cell.ts netperfDeadlineMs), for the message. */
    readonly timeoutMs?: number;
}

/** The diagnosis: netperf's final result where it printed one, its interim results, and why the stream failed. */
export interface NetperfDiagnosis {
    /** The final line's figures and the interim results; absent when netperf printed no final line. */
    readonly parsed?: NetperfResult;
    /** The interim results it printed (also when it printed no final line). */
    readonly samples: InterimSample[];
    /** Why the stream has no usable timeline; absent when netperf finished and printed interim results. */
    readonly error?: string;
    /** netperf's test banner (its "MIGRATED ... TEST ..." line), when it printed one. */
    readonly banner?: string;
    /** Whether the banner says netperf was built with demo mode (": demo"); undefined without a banner. */
    readonly demo?: boolean;
}

/**
 * ELAPSED_TIME below this fraction of the planned duration is "far shorter" (the same bound as
 * runner/judging/stream-checks.ts ELAPSED_TOLERANCE_FRACTION: netperf stops at the first send completed
 * after its timer).
 */
export const SHORT_RUN_FRACTION = 0.9;

/** netperf's test banner and whether it says demo mode; netperf 2.7.0 prints e.g. "MIGRATED TCP STREAM TEST from ... AF_INET : demo". */
export function netperfBanner(stdout: string): { banner?: string; demo?: boolean } {
    const banner = stdout
        .split(/\r?\n/)
        .map((l) => l.trim())
        .find((l) => /^(MIGRATED )?\S.* TEST from /.test(l));
    return banner === undefined ? {} : { banner, demo: /(^|\s):\s*demo(\s|$)/.test(banner) };
}

/**
 * The diagnosis of one netperf client's run, for every test (TCP_STREAM, TCP_MAERTS, UDP_STREAM:
 * 10^6bits/s; TCP_RR: Trans/s). In order:
 *
 * - killed at its deadline: it gave no result in time;
 * - a non-zero exit or a signal: netperf's own words (stderr first, runner/measure-cell.ts
 *   netperfFailure), with whatever it printed before kept;
 * - exit 0 but no final line: netperf's output is cut short; its interim results are kept;
 * - a final line but no interim result: what netperf's own figures say, in this order: it moved
 *   no data (its THROUGHPUT is 0.00: "netperf moved no data (0.00 10^6bits/s over 64.00 s of a
 *   60 s test)"; TCP_RR: no transactions; UDP_STREAM: what it sent did not arrive); it ran far
 *   shorter than planned (ELAPSED_TIME below SHORT_RUN_FRACTION of the duration: no interval
 *   ended); its banner lacks ": demo" (it was built without demo mode: the only case where
 *   rebuilding netperf is the fix); else its banner says demo mode and it still printed no
 *   interim result.
 *
 * stderr, when netperf wrote there, is quoted in every failure.
 */
export function diagnoseNetperf(test: NetperfTest, run: NetperfRun, plan: DiagnosisPlan): NetperfDiagnosis {
    const samples = interimSamples(run.stdout);
    const { banner, demo } = netperfBanner(run.stdout);
    let parsed: NetperfResult | undefined;
    let unparsed: string | undefined;
    try {
        parsed = parseNetperfOutput(run.stdout);
    } catch (err) {
        if (!(err instanceof NetperfOutputError)) throw err;
        unparsed = err.message;
    }
    const base = { ...(parsed ? { parsed } : {}), samples, ...(banner !== undefined ? { banner, demo } : {}) };
    const said = firstLine(run.stderr);
    const withStderr = (why: string) => (said && !why.includes(said) ? `${why} (stderr: ${said})` : why);
    if (run.timedOut) {
        const deadline = plan.timeoutMs !== undefined ? ` of ${(plan.timeoutMs / 1000).toFixed(0)} s` : "";
        return {
            ...base,
            error: withStderr(`netperf gave no result within its deadline${deadline} (the wire or the netserver stopped answering)`),
        };
    }
    if (run.code !== 0) return { ...base, error: `netperf exited ${run.code ?? run.signal}: ${netperfFailure(run.stdout, run.stderr)}` };
    if (!parsed) {
        return {
            ...base,
            error: withStderr(
                `netperf exited 0 but printed no final result (${unparsed}); ${samples.length > 0 ? `its ${samples.length} interim results are kept` : "nor any interim result"}`,
            ),
        };
    }
    if (samples.length > 0) return base;
    const l = plan.netperfSeconds ?? plan.durationSeconds;
    const figure = `${parsed.throughput.toFixed(2)} ${parsed.units}`;
    const over = `over ${parsed.elapsedSeconds.toFixed(2)} s of a ${fmt(l)} s test`;
    const noDemo = demo === false ? `; its banner has no ': demo', so it was also built without demo mode` : "";
    if (parsed.throughput <= 0) {
        const sent = parsed.localSendThroughput ?? 0;
        const why =
            test === "TCP_RR"
                ? `netperf completed no transactions (${figure} ${over})`
                : test === "UDP_STREAM" && sent > 0
                  ? `netperf's datagrams did not arrive (${figure} received of ${sent.toFixed(2)} sent, ${over})`
                  : `netperf moved no data (${figure} ${over})`;
        return { ...base, error: withStderr(why + noDemo) };
    }
    if (parsed.elapsedSeconds < SHORT_RUN_FRACTION * l && parsed.elapsedSeconds < l - plan.intervalSeconds) {
        return {
            ...base,
            error: withStderr(
                `netperf ran only ${parsed.elapsedSeconds.toFixed(2)} s of a ${fmt(l)} s test (ELAPSED_TIME, ${figure}) and printed no interim result: the test was cut short${noDemo}`,
            ),
        };
    }
    if (demo === false) {
        return {
            ...base,
            error: withStderr(
                `netperf printed no interim results: its banner has no ': demo', so it was built without demo mode (build it with --enable-demo); its own figure is ${figure} ${over}`,
            ),
        };
    }
    if (demo === undefined) {
        return {
            ...base,
            error: withStderr(
                `netperf printed no interim results and no test banner (is it built with demo mode?); its own figure is ${figure} ${over}`,
            ),
        };
    }
    return {
        ...base,
        error: withStderr(
            `netperf printed no interim results although its banner says it was built with demo mode (': demo'): no -D interval of ${fmt(plan.intervalSeconds)} s was reported in ${parsed.elapsedSeconds.toFixed(2)} s (its own figure: ${figure})`,
        ),
    };
}

/**
 * What netperf said when it failed: its stderr, else the line of its output that reports the
 * failure (an armed netperf runs in debug mode and writes its setup steps before it).
 */
export function netperfFailure(stdout: string, stderr: string): string {
    const err = lines(stderr);
    if (err.length > 0) return err[0];
    const out = lines(stdout).filter((l) => !/signal catcher/.test(l));
    const said = out.filter((l) => /could not|are you sure|error|refused|unreachable|timed out|failed/i.test(l));
    return said.find((l) => /are you sure/.test(l)) ?? said[said.length - 1] ?? out[out.length - 1] ?? "no output";
}

function lines(text: string): string[] {
    return text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean);
}

function firstLine(text: string): string | undefined {
    return lines(text)[0];
}

function fmt(n: number): string {
    return String(Math.round(n * 100) / 100);
}
