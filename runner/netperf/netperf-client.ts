// netperf command lines and the parsing of what netperf prints.
import type { LatencyFigures, NetperfTest } from "../../model";
import { IPV4 } from "../../model";

/** Output selectors asked of netperf (-o); the parser reads the final line by these names. */
export const OUTPUT_SELECTORS = [
    "THROUGHPUT",
    "THROUGHPUT_UNITS",
    "LOCAL_SEND_THROUGHPUT",
    "REMOTE_RECV_THROUGHPUT",
    "LOCAL_CPU_UTIL",
    "REMOTE_CPU_UTIL",
    "ELAPSED_TIME",
    // Successful send()/recv() calls (nettest_omni.c counts a send only when it sent the whole
    // message, so LOCAL_SEND_CALLS x message size = LOCAL_BYTES_SENT). With UDP_STREAM one call is
    // one datagram: the datagrams sent and received. The counters exist in every test; asking for
    // them costs nothing.
    "LOCAL_SEND_CALLS",
    "REMOTE_RECV_CALLS",
    "REMOTE_SEND_CALLS",
] as const;

/**
 * TCP_RR only: the round-trip time of one transaction, in whole microseconds (mean and stddev
 * with two decimals), over the whole test (netperf 2.7.0's omni output selectors; asking for any
 * of them makes netperf keep its latency histogram, a timestamp per transaction). Minimum,
 * maximum, mean and stddev are exact (HIST_get_stats); the percentiles are read from netperf's
 * histogram, whose buckets are 1 us wide below 10 us, 10 us to 100 us, 100 us to 1 ms and so on
 * (HIST_get_percentile, interpolated within a bucket). Not asked of stream tests, where the
 * histogram would time every send.
 */
export const LATENCY_SELECTORS = [
    "MIN_LATENCY",
    "MEAN_LATENCY",
    "P50_LATENCY",
    "P90_LATENCY",
    "P99_LATENCY",
    "MAX_LATENCY",
    "STDDEV_LATENCY",
] as const;

/** The output selectors (-o) a test asks netperf for. */
export function selectorsFor(test: NetperfTest): string[] {
    return test === "TCP_RR" ? [...OUTPUT_SELECTORS, ...LATENCY_SELECTORS] : [...OUTPUT_SELECTORS];
}

export interface NetperfInvocation {
    /** Benchmark address of the netserver. */
    readonly host: string;
    /** netserver control port. */
    readonly port: number;
    readonly test: NetperfTest;
    readonly durationSeconds: number;
    /** Demo-mode interval in seconds. */
    readonly intervalSeconds: number;
    readonly messageBytes: number;
    readonly cpu: boolean;
    /**
     * Arm the client instead of starting it: it sets the test up (control and data connections),
     * then waits up to this many whole seconds (-s) before sending; SIGUSR1 cuts the wait short.
     * netperf catches SIGUSR1 (harmlessly) only in debug mode, hence -d, which adds setup lines
     * to its output and nothing while it measures.
     */
    readonly armedSeconds?: number;
}

export class NetperfOutputError extends Error {
    readonly name = "NetperfOutputError";
}

/** The argument vector (without the program name) for one netperf client. */
export function netperfArgs(inv: NetperfInvocation): string[] {
    if (!IPV4.test(inv.host)) throw new RangeError(`netperf host must be an IPv4 address, got '${inv.host}'`);
    positiveInt("port", inv.port, 65535);
    positiveInt("durationSeconds", inv.durationSeconds, 86400);
    positiveInt("messageBytes", inv.messageBytes, 1 << 20);
    if (!(inv.intervalSeconds > 0 && inv.intervalSeconds <= 60)) {
        throw new RangeError(`intervalSeconds must be in (0, 60], got ${inv.intervalSeconds}`);
    }
    const args = [
        "-H",
        inv.host,
        "-p",
        String(inv.port),
        "-t",
        inv.test,
        "-l",
        String(inv.durationSeconds),
        // A negative interval makes netperf check the clock on every send: accurate intervals.
        "-D",
        `-${inv.intervalSeconds}`,
    ];
    if (inv.armedSeconds !== undefined) {
        positiveInt("armedSeconds", inv.armedSeconds, 600);
        args.push("-d", "-s", String(inv.armedSeconds));
    }
    if (inv.cpu) args.push("-c", "-C");
    args.push("--");
    if (inv.test === "TCP_RR") {
        args.push("-r", `${inv.messageBytes},${inv.messageBytes}`);
    } else if (inv.test === "TCP_MAERTS") {
        // In MAERTS the netserver sends: its send size is the remote half of -m (local,remote).
        args.push("-m", `,${inv.messageBytes}`);
    } else {
        args.push("-m", String(inv.messageBytes));
    }
    args.push("-o", selectorsFor(inv.test).join(","));
    return args;
}

/** The quick control-and-data check run before any measurement: one 1-byte transaction. */
export function reachabilityArgs(host: string, port: number): string[] {
    if (!IPV4.test(host)) throw new RangeError(`netperf host must be an IPv4 address, got '${host}'`);
    positiveInt("port", port, 65535);
    return ["-H", host, "-p", String(port), "-t", "TCP_RR", "-l", "-1", "--", "-r", "1,1", "-o", "THROUGHPUT"];
}

export interface InterimSample {
    readonly value: number;
    readonly units: string;
    /** Length of the interval this value covers, in seconds. */
    readonly intervalSeconds: number;
    /** End of the interval, epoch seconds. */
    readonly at: number;
}

export interface NetperfResult {
    readonly samples: InterimSample[];
    readonly throughput: number;
    readonly units: string;
    readonly localSendThroughput?: number;
    readonly remoteRecvThroughput?: number;
    readonly localCpuPct?: number;
    readonly remoteCpuPct?: number;
    readonly elapsedSeconds: number;
    /** LOCAL_SEND_CALLS: the client's successful sends of one message each. */
    readonly localSendCalls?: number;
    /** REMOTE_RECV_CALLS: the netserver's receive calls (UDP_STREAM: datagrams received). */
    readonly remoteRecvCalls?: number;
    /** REMOTE_SEND_CALLS: the netserver's successful sends (TCP_MAERTS: messages sent). */
    readonly remoteSendCalls?: number;
    /** TCP_RR: the transactions' round-trip times over the whole test (LATENCY_SELECTORS). */
    readonly latency?: LatencyFigures;
}

const NUMBER = "[-+]?\\d+(?:\\.\\d+)?";
const INTERIM = new RegExp(`^\\s*(${NUMBER}),([^,]+),(${NUMBER}),(${NUMBER})\\s*$`);

/**
 * Parses netperf's output with `-D` and `-o OUTPUT_SELECTORS`: interim lines
 * `value,units,interval,timestamp`, then a header line of selector titles and one line of values.
 */
/** The interim results netperf printed, also when it was stopped before its final result. */
export function interimSamples(text: string): InterimSample[] {
    return scan(text.split(/\r?\n/)).samples;
}

function scan(lines: readonly string[]): { samples: InterimSample[]; headerAt: number } {
    const samples: InterimSample[] = [];
    for (let i = 0; i < lines.length; i++) {
        const m = INTERIM.exec(lines[i]);
        if (m) {
            samples.push({ value: Number(m[1]), units: m[2], intervalSeconds: Number(m[3]), at: Number(m[4]) });
        } else if (lines[i].startsWith("Throughput,Throughput Units")) {
            return { samples, headerAt: i };
        }
    }
    return { samples, headerAt: -1 };
}

export function parseNetperfOutput(text: string): NetperfResult {
    const lines = text.split(/\r?\n/);
    const { samples, headerAt } = scan(lines);
    if (headerAt < 0 || headerAt + 1 >= lines.length) {
        throw new NetperfOutputError(`netperf printed no result: ${excerpt(text)}`);
    }
    const titles = lines[headerAt].split(",");
    const values = lines[headerAt + 1].split(",");
    const field = (title: string): string | undefined => {
        const i = titles.indexOf(title);
        return i >= 0 ? values[i]?.trim() : undefined;
    };
    const num = (title: string): number | undefined => {
        const v = field(title);
        if (v === undefined || v === "") return undefined;
        const n = Number(v);
        return Number.isFinite(n) ? n : undefined;
    };
    const throughput = num("Throughput");
    const units = field("Throughput Units");
    const elapsed = num("Elapsed Time (sec)");
    if (throughput === undefined || units === undefined || elapsed === undefined) {
        throw new NetperfOutputError(`netperf result line is incomplete: ${excerpt(lines.slice(headerAt, headerAt + 2).join(" | "))}`);
    }
    const cpu = (title: string) => {
        const v = num(title);
        return v !== undefined && v >= 0 ? v : undefined; // netperf prints -1 when not measured
    };
    // netperf prints -1 for a latency it did not measure, and its counters only where asked.
    const nonNegative = (title: string) => {
        const v = num(title);
        return v !== undefined && v >= 0 ? v : undefined;
    };
    const calls = (title: string, key: string) => {
        const v = nonNegative(title);
        return v !== undefined ? { [key]: v } : {};
    };
    const lat = {
        minUs: nonNegative("Minimum Latency Microseconds"),
        meanUs: nonNegative("Mean Latency Microseconds"),
        p50Us: nonNegative("50th Percentile Latency Microseconds"),
        p90Us: nonNegative("90th Percentile Latency Microseconds"),
        p99Us: nonNegative("99th Percentile Latency Microseconds"),
        maxUs: nonNegative("Maximum Latency Microseconds"),
    };
    const stddev = nonNegative("Stddev Latency Microseconds");
    const latency = Object.values(lat).every((v) => v !== undefined)
        ? { latency: { ...(lat as LatencyFigures), ...(stddev !== undefined ? { stddevUs: stddev } : {}) } }
        : {};
    return {
        samples,
        throughput,
        units,
        localSendThroughput: num("Local Send Throughput"),
        remoteRecvThroughput: num("Remote Recv Throughput"),
        localCpuPct: cpu("Local CPU Util %"),
        remoteCpuPct: cpu("Remote CPU Util %"),
        elapsedSeconds: elapsed,
        ...calls("Local Send Calls", "localSendCalls"),
        ...calls("Remote Recv Calls", "remoteRecvCalls"),
        ...calls("Remote Send Calls", "remoteSendCalls"),
        ...latency,
    };
}

/** Values in these units are rates in 10^6 bits/s; the others are transactions per second. */
export function isMegabits(units: string): boolean {
    return units === "10^6bits/s";
}

function positiveInt(what: string, value: number, max: number): void {
    if (!Number.isInteger(value) || value < 1 || value > max) {
        throw new RangeError(`${what} must be an integer in 1..${max}, got ${value}`);
    }
}

function excerpt(text: string): string {
    const flat = text.trim().replace(/\s+/g, " ");
    return flat.length > 300 ? `${flat.slice(0, 300)}...` : flat || "(empty output)";
}
