// The results document: what the benchmark runner prints (every run, its streams with their raw
// samples, checks, CPU figures and bottleneck; every endpoint's facts and clock), as plain JSON
// read back by the comparison and the report.
import type { Bottleneck, RunCpuFigures } from "./cpu";
import type { NicChannels, NicOffloads, NicRings, Unavailable } from "./nic";
import type { Comparable, Experiment, NetperfTest, PeerKind } from "./plan";

export type Sample = [epochSeconds: number, value: number];

/**
 * TCP_RR: round-trip times of one transaction (a request sent and its response received, timed by
 * the netperf client), in microseconds, from netperf's omni output selectors MIN_LATENCY,
 * MEAN_LATENCY, P50_LATENCY, P90_LATENCY, P99_LATENCY, MAX_LATENCY and STDDEV_LATENCY
 * (runner/netperf/netperf-client.ts says how exact each is). They cover netperf's whole test, not
 * only the run's window.
 */
export interface LatencyFigures {
    readonly minUs: number;
    readonly meanUs: number;
    readonly p50Us: number;
    readonly p90Us: number;
    readonly p99Us: number;
    readonly maxUs: number;
    readonly stddevUs?: number;
}

export interface StreamResult {
    /** The guest whose dedicated wire carried this stream. */
    readonly endpoint: string;
    /** The guest's NIC on that wire. */
    readonly nic: string;
    /** Where netperf ran, and the netserver it talked to. */
    readonly client: string;
    readonly server: string;
    /**
     * Mean over the run's aggregation window (Mb/s; for UDP_STREAM what arrived), whatever the
     * checks say of it (`error`, `warnings`): a check marks a stream, it never zeroes its figure.
     * Where the run has no window, or the stream printed no interim result, `figureFrom` says
     * where the figure comes from. 0 only for a stream that measured nothing: no interim result
     * and no final line (or, for UDP_STREAM, no final line to say what arrived).
     */
    readonly throughputMbps: number;
    /**
     * Absent: the figure is the window mean. "samples": the time-weighted mean of the stream's own
     * interim results (its run has no common window). "netperf": netperf's whole-test figure
     * (THROUGHPUT), as it printed no interim result.
     */
    readonly figureFrom?: "samples" | "netperf";
    readonly transactionsPerSec?: number;
    /** TCP_RR: the stream's round-trip times over its whole test (netperf's latency selectors). */
    readonly latency?: LatencyFigures;
    /**
     * Stream tests: messages of the run's message size per second over the window,
     * throughputMbps x 10^6 / (8 x messageBytes). For UDP_STREAM a message is one datagram (one IP
     * packet when messageBytes + 28 fits the MTU), so these are the datagrams that arrived; for TCP
     * they are the sender's send() calls, and the segments on the wire are TCP's to choose
     * (coalescing, TSO/GSO): netperf counts no packets.
     */
    readonly messagesPerSec?: number;
    /** netperf's own figure for the whole test (THROUGHPUT; for UDP_STREAM what the netserver received), for cross-checking. */
    readonly netperfReported?: number;
    /**
     * The stream's timeline as its receiver got it: [end of interval (epoch s, runner's clock),
     * Mb/s or transactions/s], one point per netperf demo-mode interim result.
     *
     * For TCP_STREAM, TCP_MAERTS and TCP_RR they are netperf's interim results as printed. For
     * UDP_STREAM netperf's interim results are the sender's rate, and netperf reports no interim
     * receive rate: `samples` are then the sender's interim rates scaled by the fraction delivered
     * over the whole test (`udp.receivedMbps / udp.sentMbps`), an estimate of what arrived whose
     * window mean is the stream's figure; the sender's own are in `sentSamples`. So a chart of
     * `samples` never shows a rate that was sent as one that arrived. A UDP stream that failed
     * before its final line has no `samples`, only `sentSamples`.
     */
    readonly samples: Sample[];
    /** UDP_STREAM only: the sender's interim results as netperf printed them, [end of interval, Mb/s sent]. */
    readonly sentSamples?: Sample[];
    /** UDP_STREAM only: what was sent and what arrived over the whole test, from netperf's final line. */
    readonly udp?: UdpFigures;
    readonly localCpuPct?: number;
    readonly remoteCpuPct?: number;
    /**
     * netperf's service demand of the stream's sender (the client's netperf; for TCP_MAERTS the
     * server's netserver), from the host-side sampler: us of CPU per KB (1024 bytes) moved, over the
     * run's window. Where several streams share the endpoint, their processes' demand together.
     */
    readonly senderDemandUsPerKB?: number;
    /** The same for the stream's receiver (the server's netserver; for TCP_MAERTS the client's netperf). */
    readonly receiverDemandUsPerKB?: number;
    /** Why the stream failed (netperf's failure, or a failed check); its figure and samples are kept. */
    readonly error?: string;
    /**
     * What the checks doubt about the stream although it measured (its time frame against the
     * runner's, a rate that changed inside the window, its clock moved): the run is then partial.
     * Its figure and samples are kept.
     */
    readonly warnings?: string[];
}

/** A run's host-side CPU over its window (runner/sampling/endpoint-sampler.ts) and its service demand. */
export interface RunCpu extends RunCpuFigures {
    /** The sampled machines' CPU (busy % x CPUs, summed) per KB of the aggregate, in us/KB (netperf's unit). */
    readonly hostDemandUsPerKB?: number;
}

/** A UDP stream's whole-test figures (netperf's final line). */
export interface UdpFigures {
    /** LOCAL_SEND_THROUGHPUT: what the sender sent, in Mb/s. */
    readonly sentMbps: number;
    /** THROUGHPUT (the netserver's REMOTE_RECV_THROUGHPUT): what arrived, in Mb/s. */
    readonly receivedMbps: number;
    /**
     * Datagrams lost on the way or dropped by the receiver: 100 x (1 - received / sent), in percent;
     * from the datagram counts where netperf gave them, else from the two rates.
     */
    readonly lossPct: number;
    /** LOCAL_SEND_CALLS: datagrams sent over the whole test (netperf counts only whole sends). */
    readonly sentDatagrams?: number;
    /** REMOTE_RECV_CALLS: datagrams the netserver received over the whole test. */
    readonly receivedDatagrams?: number;
    /** sentDatagrams / ELAPSED_TIME: datagrams (packets) sent per second. */
    readonly sentPps?: number;
    /** receivedDatagrams / ELAPSED_TIME: datagrams (packets) received per second. */
    readonly receivedPps?: number;
}

export interface Limits {
    readonly lineRateMbps: number;
    readonly goodputMbps: number;
    /** Human-readable statement of the goodput limit that was used. */
    readonly basis: string;
}

/** What identifies one cell of the matrix, and so one run. */
export interface RunKey {
    readonly id: string;
    readonly experiment: Experiment;
    readonly peer: PeerKind;
    readonly test: NetperfTest;
    readonly messageBytes: number;
    /** How many guests run at once, each on its own wire. */
    readonly guests: number;
}

/** One measurement of a cell: every stream of it, started at one time. */
export interface Measurement {
    readonly status: RunStatus;
    /** Spread of the streams' measured start times, in milliseconds. */
    readonly skewMs: number;
    readonly window: { start: number; end: number; seconds: number };
    /** How the streams were told to start, and when each was released (runner/transport/start-gate.ts). */
    readonly start?: StartRecord;
    readonly aggregate: {
        throughputMbps: number;
        lineRatePct: number;
        goodputPct: number;
        transactionsPerSec?: number;
        /** UDP_STREAM runs: 100 x (1 - received / sent) over the streams, in percent. */
        lossPct?: number;
        /** Stream tests: the streams' messagesPerSec summed (UDP: datagrams that arrived per second). */
        messagesPerSec?: number;
        /** UDP_STREAM runs: the streams' sentPps and receivedPps summed (whole tests). */
        sentPps?: number;
        receivedPps?: number;
        /**
         * TCP_RR runs: the streams' round-trip times together (runner/judging/run-result.ts runLatency):
         * the smallest minimum, the transaction-weighted mean, and for the percentiles and the
         * maximum the worst stream's, an upper bound of the pooled percentile.
         */
        latency?: LatencyFigures;
    };
    readonly streams: StreamResult[];
    /** Host-side CPU sampled over the window; absent when the run had no window (or no sampler ran). */
    readonly cpu?: RunCpu;
    /** What limited the run (runner/judging/bottleneck.ts), failed and partial runs too; absent without CPU figures. */
    readonly bottleneck?: Bottleneck;
    readonly error?: string;
    /**
     * What a reader should look at although the measurement holds: a stream far below the others
     * (a bad wire, NIC or unfair scheduling), a UDP loss, a clock that could not be re-read. They
     * do not change the status (what does is in `error`).
     */
    readonly warnings?: string[];
    /**
     * Each client endpoint's clock offset to the runner before the run (the one its samples were
     * moved by) and read afresh after it (runner/judging/clock-check.ts withClockCheck).
     */
    readonly clocks?: Record<string, ClockCheck>;
}

/** An endpoint's clock offset before and after a run (offset = endpoint - runner), in ms. */
export interface ClockCheck {
    /** The offset the run's samples were moved by (read before the first run). */
    readonly beforeMs: number;
    /** The offset read afresh after the run; absent when it could not be read (`error`). */
    readonly afterMs?: number;
    /** The round trip of the fresh reading (it is good to half of it). */
    readonly rttMs?: number;
    /** afterMs - beforeMs. */
    readonly movedMs?: number;
    readonly error?: string;
}

export type RunStatus = "ok" | "partial" | "failed";

/**
 * How a measurement's streams were started. `gate`: every client was armed first and the start
 * chosen once they were (the last arrival plus the largest lead a client measured for being told),
 * `fixed`: a start fixed before the clients were launched (a client that cannot be armed).
 */
export interface StartRecord {
    readonly how: "gate" | "fixed";
    /** The common start, epoch seconds on the runner's clock. */
    readonly at: number;
    /** gate: from the first client armed to the start (ms), the longest a client waited armed. */
    readonly heldMs?: number;
    /** gate: the lead added after the last client armed (ms): the largest its transport measured. */
    readonly leadMs?: number;
    /** gate: clients armed before the start was chosen, of those expected (fewer: the wait's bound ended it). */
    readonly armed?: number;
    readonly expected?: number;
    /**
     * Per stream, by its guest (the results' `endpoint`): when its client's release was sent, in
     * ms after the common start (as the client's machine timed it, on the runner's clock); absent
     * for a client that was not released.
     */
    readonly releaseMs: Record<string, number>;
}

/** The spread of a cell's repeats (their aggregate throughput, Mb/s). */
export interface RunStats {
    /** Repeats that measured (ok or partial). */
    readonly n: number;
    readonly meanMbps: number;
    readonly sdMbps: number;
    /** Coefficient of variation, in percent. */
    readonly cvPct: number;
    /** 95% Student t confidence interval of the mean, in Mb/s. */
    readonly ci95Mbps: [number, number];
}

/**
 * One cell of the matrix, measured. Its status is ok when every repeat is ok, failed when none
 * measured, partial otherwise. With repeats, the aggregate is their mean, and skew, window and
 * streams are those of the repeat nearest the mean.
 */
export interface RunResult extends RunKey, Measurement {
    readonly limits: Limits;
    /** With hvnetlab:repeats above 1: the spread of the repeats' aggregates. */
    readonly stats?: RunStats;
    /** With hvnetlab:repeats above 1: every repeat, in the order measured. */
    readonly repeats?: Measurement[];
}

/** What an endpoint's dedicated NIC is, as read on the endpoint. */
export interface NicFacts {
    /** The wire address the NIC holds. */
    readonly address: string;
    readonly name: string;
    readonly driver: string;
    /** Link speed reported by the kernel (ethtool), in Mb/s; undefined when unknown. */
    readonly speedMbps?: number;
    /** The NIC's MTU; undefined when unknown. */
    readonly mtu?: number;
    /**
     * What the NIC was set to (runner/netperf/ethtool.ts): its offloads (ethtool -k), channels
     * (ethtool -l) and ring sizes (ethtool -g), each or why it could not be read (ethtool missing,
     * a query the NIC does not support: veth has no rings). Absent in documents from before.
     */
    readonly offloads?: NicOffloads | Unavailable;
    readonly channels?: NicChannels | Unavailable;
    readonly rings?: NicRings | Unavailable;
}

/** What a machine taking part in a run is: so a result says what it was measured on. */
export interface HostFacts {
    readonly kernel: string;
    readonly cpuModel: string;
    /** systemd-detect-virt's answer (none on bare metal). */
    readonly virtualization: string;
    /** Hypervisor name and version where the machine can read it (Xen's /sys/hypervisor, DMI). */
    readonly hypervisor: string;
    /** On a Xen guest: how Xen runs it, as its kernel reports it (/sys/hypervisor/guest_type: PV, HVM or PVH). */
    readonly guestType?: string;
    readonly nics: NicFacts[];
}

/** The endpoint's clock against the runner's: offset = endpoint - runner. */
export interface ClockReading {
    readonly offsetMs: number;
    /** Round trip of the best of several readings; the offset is good to half of it. */
    readonly rttMs: number;
}

/**
 * Which implementation made a lab (the `lab` output's `engine`): the Pulumi CLI, and each
 * provider the lab uses as `official <version>` or `built here, stand-in for <version>`.
 */
export interface EngineRecord {
    readonly cli: string;
    readonly providers: Readonly<Record<string, string>>;
}

export interface EndpointReport {
    readonly facts: HostFacts;
    readonly clock: ClockReading;
}

export interface ResultsDocument {
    readonly schemaVersion: 1;
    readonly platform: string;
    readonly fingerprint: string;
    /** The plan's comparable block (absent in documents of plans that had none). */
    readonly comparable?: Comparable;
    readonly startedAt: string;
    readonly finishedAt: string;
    /** Notes a reader needs to interpret the figures (e.g. CPU figures under a hypervisor). */
    readonly notes: string[];
    /** Per endpoint: what it is, and its clock offset to the runner (samples are corrected by it). */
    readonly endpoints: Record<string, EndpointReport>;
    readonly maxClockOffsetMs: number;
    /** Set when not every cell was measured (the runner was stopped): says why and how far it got. */
    readonly incomplete?: string;
    readonly runs: RunResult[];
}
