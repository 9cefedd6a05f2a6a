// How the runner runs a program on an endpoint. One implementation per kind of access; the
// runner only sees the Transport interface.
import { spawn } from "child_process";
import { ClockReading, PlanEndpoint } from "./types";

export interface ProcessResult {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    /** Epoch milliseconds at which the process was started. */
    readonly startedAtMs: number;
    /** True when the program was killed because it outlived its timeout. */
    readonly timedOut?: boolean;
}

export interface RunOptions {
    /** Start the program at this epoch time (milliseconds), as precisely as the transport can. */
    readonly startAtMs?: number;
    /** Kill the program after this long. */
    readonly timeoutMs: number;
    /** Aborting kills the program. */
    readonly signal?: AbortSignal;
}

export interface Transport {
    /** Runs argv on the endpoint; with startAtMs, the program starts at that time of the runner's clock. */
    run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult>;
    /** Reads the endpoint's clock against the runner's. */
    clock(endpoint: PlanEndpoint, signal?: AbortSignal): Promise<ClockReading>;
    /** Releases connections. */
    close?(): Promise<void>;
}

export class TransportError extends Error {
    readonly name = "TransportError";
}

/** Runs programs inside network namespaces of this machine with `ip netns exec` (needs root). */
export class NetnsTransport implements Transport {
    async run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        if (endpoint.access.kind !== "netns") {
            throw new TransportError(`endpoint ${endpoint.name} is reached by ${endpoint.access.kind}, not by a network namespace`);
        }
        if (options.startAtMs !== undefined) await sleepUntil(options.startAtMs, options.signal);
        return runProcess("ip", ["netns", "exec", endpoint.access.namespace, ...argv], options);
    }

    /** Namespaces share this machine's clock. */
    async clock(): Promise<ClockReading> {
        return { offsetMs: 0, rttMs: 0 };
    }
}

/** Hands each endpoint to the transport for its kind of access. */
export class AccessTransport implements Transport {
    constructor(private readonly byKind: Partial<Record<PlanEndpoint["access"]["kind"], Transport>>) {}

    private of(endpoint: PlanEndpoint): Transport {
        const t = this.byKind[endpoint.access.kind];
        if (!t) throw new TransportError(`no transport for endpoint ${endpoint.name} (${endpoint.access.kind})`);
        return t;
    }

    run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        return this.of(endpoint).run(endpoint, argv, options);
    }

    clock(endpoint: PlanEndpoint, signal?: AbortSignal): Promise<ClockReading> {
        return this.of(endpoint).clock(endpoint, signal);
    }

    async close(): Promise<void> {
        await Promise.all(Object.values(this.byKind).map((t) => t?.close?.()));
    }
}

/** Spawns a program (no shell) and collects its output; kills it on timeout or abort. */
export function runProcess(program: string, args: readonly string[], options: RunOptions): Promise<ProcessResult> {
    return new Promise((resolve, reject) => {
        if (options.signal?.aborted) {
            reject(new TransportError("aborted"));
            return;
        }
        const startedAtMs = Date.now();
        const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
        child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
        const kill = () => child.kill("SIGTERM");
        const timer = setTimeout(() => {
            stderr += `\nkilled after ${options.timeoutMs} ms`;
            timedOut = true;
            kill();
        }, options.timeoutMs);
        options.signal?.addEventListener("abort", kill, { once: true });
        child.on("error", (err) => {
            clearTimeout(timer);
            options.signal?.removeEventListener("abort", kill);
            reject(new TransportError(`cannot run ${program}: ${err.message}`));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            options.signal?.removeEventListener("abort", kill);
            resolve({ code, signal, stdout, stderr, startedAtMs, ...(timedOut ? { timedOut } : {}) });
        });
    });
}

/** Resolves at the given epoch time: a timer for the bulk, then a short spin for precision. */
export async function sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
    const coarse = epochMs - Date.now() - 5;
    if (coarse > 0) {
        await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, coarse);
            signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
        });
    }
    while (Date.now() < epochMs && !signal?.aborted) { /* spin the last few milliseconds */ }
}
