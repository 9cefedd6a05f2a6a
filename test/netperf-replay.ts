// netperf 2.7.0 output, written in the shape it prints with `-D -<interval> -o <selectors>`
// (test/fixtures/*.out hold the same shape captured on a lab): a banner, one interim line per
// report `value,units,interval,end`, then the selector titles and one line of values.
import type { NetperfTest } from "../model";

const BANNER: Record<NetperfTest, string> = {
    TCP_STREAM: "MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 10.250.0.1 () port 0 AF_INET : demo",
    TCP_MAERTS: "MIGRATED TCP MAERTS TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 10.250.0.1 () port 0 AF_INET : demo",
    UDP_STREAM: "MIGRATED UDP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 10.250.0.1 () port 0 AF_INET : demo",
    TCP_RR: "MIGRATED TCP REQUEST/RESPONSE TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 10.250.0.1 () port 0 AF_INET : demo : first burst 0",
};

const TITLES =
    "Throughput,Throughput Units,Local Send Throughput,Remote Recv Throughput,Local CPU Util %,Remote CPU Util %,Elapsed Time (sec)";

/** The titles netperf prints for the project's stream-test selectors (runner/netperf/netperf-client.ts OUTPUT_SELECTORS). */
export const SELECTOR_TITLES = `${TITLES},Local Send Calls,Remote Recv Calls,Remote Send Calls`;

/** netperf 2.7.0's banner for a test, ending in " : demo" (a netperf built with --enable-demo). */
export function bannerOf(test: NetperfTest): string {
    return BANNER[test];
}

export interface ReplayedStream {
    readonly test: NetperfTest;
    /** Start of the data phase, epoch seconds: where the first interim interval begins. */
    readonly start: number;
    /**
     * One interim result per entry: [value, seconds since the start at which the report ends].
     * As netperf does, each line's interval is the time since the previous report, so a stall
     * shows as one long interval, and a stall to the end as no line at all.
     */
    readonly reports: readonly (readonly [number, number])[];
    /** THROUGHPUT (for UDP_STREAM: what the netserver received). */
    readonly throughput: number;
    readonly elapsed: number;
    /** LOCAL_SEND_THROUGHPUT (default: the throughput). */
    readonly localSend?: number;
    /** REMOTE_RECV_THROUGHPUT (default: the throughput). */
    readonly remoteRecv?: number;
    /** The banner line (default: the test's, with " : demo"). */
    readonly banner?: string;
    /** false: netperf printed no final line (no titles, no values). */
    readonly final?: boolean;
}

/** Reports every `interval` seconds from the start up to `until`, all of one value. */
export function steady(value: number, interval: number, until: number, from = 0): [number, number][] {
    const out: [number, number][] = [];
    for (let k = 1; from + k * interval <= until + 1e-9; k++) out.push([value, from + k * interval]);
    return out;
}

/** The text netperf prints for the stream. */
export function netperfText(s: ReplayedStream): string {
    const units = s.test === "TCP_RR" ? "Trans/s" : "10^6bits/s";
    let prev = 0;
    const lines = s.reports.map(([value, end]) => {
        const line = `${value.toFixed(2).padStart(7)},${units},${(end - prev).toFixed(3)},${(s.start + end).toFixed(3)}`;
        prev = end;
        return line;
    });
    const f = (n: number) => n.toFixed(2);
    const finalLine = [
        f(s.throughput),
        units,
        f(s.localSend ?? s.throughput),
        f(s.remoteRecv ?? s.throughput),
        "7.40",
        "7.40",
        f(s.elapsed),
    ].join(",");
    return [s.banner ?? BANNER[s.test], ...lines, ...(s.final === false ? [] : [TITLES, finalLine]), ""].join("\n");
}
