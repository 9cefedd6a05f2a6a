// How the runner runs a program on an endpoint. One implementation per kind of access; the
// runner only sees the Transport interface.
import type { ChildProcess, StdioNull, StdioOptions, StdioPipe } from "child_process";
import { spawn, spawnSync } from "child_process";
import { readFileSync } from "fs";
import type { Gate } from "./start-gate";
import type { ClockReading, PlanEndpoint } from "../../model";

export interface ProcessResult {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    /** Epoch milliseconds at which the process was started. */
    readonly startedAtMs: number;
    /** True when the program was killed because it outlived its timeout. */
    readonly timedOut?: boolean;
    /** An armed client: when its release was sent (epoch ms, runner's clock). */
    readonly releasedAtMs?: number;
}

export interface RunOptions {
    /** Start the program at this epoch time (milliseconds), as precisely as the transport can. */
    readonly startAtMs?: number;
    /** Kill the program after this long. */
    readonly timeoutMs: number;
    /** Aborting kills the program. */
    readonly signal?: AbortSignal;
    /**
     * argv is an armed netperf (see NetperfInvocation.armedSeconds): once the session can arm it
     * (gate.ready), start it, and once it waits (gate.arrive) release it with SIGUSR1 at the start
     * the gate gives. Only for transports whose canRelease says so.
     */
    readonly release?: boolean;
    /** The run's start gate (runner/transport/start-gate.ts), for an armed client. */
    readonly gate?: Gate;
    /** Hold the program's stdin open (without data) and close it when this aborts: a CPU sampler then takes its last reading and ends. */
    readonly endStdinOn?: AbortSignal;
}

/** How runProcess runs a program. */
export interface ProcessOptions extends RunOptions {
    /** Give the program a stdin pipe that stays open, without data, until it exits (else /dev/null). */
    readonly holdStdin?: boolean;
    /** Called with the program's pid once it is spawned. */
    readonly onSpawn?: (pid: number) => void;
    /**
     * Called with each line of the program's stderr as it comes, and a way to write to its stdin
     * (with holdStdin); a line for which it returns true is the caller's and is left out of stderr.
     */
    readonly onStderrLine?: (line: string, reply: (text: string) => void) => boolean;
}

export interface Transport {
    /** Runs argv on the endpoint; with startAtMs, the program starts at that time of the runner's clock. */
    run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult>;
    /**
     * Reads the endpoint's clock against the runner's. A transport may keep its first reading
     * (SSH: one per machine); `fresh` asks for a new one, as after a run, to see whether the
     * endpoint's clock moved while it measured.
     */
    clock(endpoint: PlanEndpoint, signal?: AbortSignal, fresh?: boolean): Promise<ClockReading>;
    /**
     * Runs argv on the runner's own machine, outside any network namespace: where the local lab's
     * namespaces live (their CPU sampler runs here, with the cgroup file system in view, which
     * `ip netns exec` hides by mounting a fresh /sys). Absent on transports that reach no such machine.
     */
    runHere?(argv: readonly string[], options: RunOptions): Promise<ProcessResult>;
    /** Whether run() can release armed netperf clients on this endpoint (RunOptions.release). */
    canRelease?(endpoint: PlanEndpoint): boolean;
    /**
     * Learns what the endpoint offers before the first run (the SSH transport: whether its shell can
     * arm and release clients); the runner calls it once per endpoint. Never throws for a
     * capability that is missing: canRelease then says no.
     */
    prepare?(endpoint: PlanEndpoint, signal?: AbortSignal): Promise<void>;
    /** Releases connections. */
    close?(): Promise<void>;
}

export class TransportError extends Error {
    readonly name = "TransportError";
}

/**
 * Waits until an absolute time of the machine's clock ($1, microseconds since the epoch), then
 * execs the rest of the arguments, starting no other program on the way: bash >= 5 reads the clock
 * ($EPOCHREALTIME), sleeps with a timed read on its stdin (a pipe the caller holds open and never
 * writes to), and spins on the clock for whatever the read did not wait (a read on a closed stdin
 * ends at once). A program started after the wake-up would delay the start by what a fork costs:
 * about 100 ms in lab:xen's PV guests, and seconds when every guest wakes at once.
 */
export const BASH_WAIT_SCRIPT = [
    `t=$1; shift`,
    `now() { n=\${EPOCHREALTIME//[!0-9]/}; }`,
    `now; d=$(( t - n ))`,
    `if (( d > 0 )); then printf -v s '%d.%06d' $(( d / 1000000 )) $(( d % 1000000 )); read -r -t "$s" _; fi`,
    `now; while (( n < t )); do now; done`,
    `exec "$@"`,
].join("\n");

/**
 * The remote side of a timed start (the SSH transport): $1 is BASH_WAIT_SCRIPT, $2 the time in
 * nanoseconds since the epoch, the rest the program. Where bash has $EPOCHREALTIME the wait runs
 * there, fork-free. Elsewhere (busybox, bash < 5) it reads \`date +%s%N\` and sleeps, to 20 ms
 * before the time and then the rest: the two forks after the first sleep may start it late.
 */
export const SH_WAIT_SCRIPT = [
    `b=$1; t=$2; shift 2`,
    `if command -v bash >/dev/null 2>&1 && [ "$(bash -c 'echo \${EPOCHREALTIME:+y}' 2>/dev/null)" = y ]; then exec bash -c "$b" hvnetlab-wait "$(( t / 1000 ))" "$@"; fi`,
    `left() { echo $(( (t - $(date +%s%N)) / 1000 )); }`,
    `nap() { sleep "$(( $1 / 1000000 )).$(printf %06d $(( $1 % 1000000 )))"; }`,
    `d=$(left)`,
    `if [ "$d" -gt 40000 ]; then nap $(( d - 20000 )); d=$(left); fi`,
    `if [ "$d" -gt 0 ]; then nap "$d"; fi`,
    `exec "$@"`,
].join("\n");

/** The argv that runs `argv` at `atMs` (ms since the epoch, this machine's clock) through BASH_WAIT_SCRIPT. */
export function bashTimedArgv(atMs: number, argv: readonly string[]): string[] {
    return ["bash", "-c", BASH_WAIT_SCRIPT, "hvnetlab-wait", String(Math.round(atMs * 1000)), ...argv];
}

/** The argv that runs `argv` at `atNs` (nanoseconds since the epoch, the machine's clock) through SH_WAIT_SCRIPT. */
export function timedArgv(atNs: bigint, argv: readonly string[]): string[] {
    return ["sh", "-c", SH_WAIT_SCRIPT, "hvnetlab-wait", BASH_WAIT_SCRIPT, atNs.toString(), ...argv];
}

/**
 * Runs programs inside network namespaces of this machine with `ip netns exec` (needs root). A
 * program to start at a given time is spawned at once and waits for it itself: spawning one
 * process after another from the runner takes milliseconds each, which would become start skew.
 */
export class NetnsTransport implements Transport {
    private starter?: Starter | null;

    /** Armed netperf clients are released by a signal: no process starts at the start time. */
    canRelease(): boolean {
        return true;
    }

    /**
     * The helper that releases real-time clients together and then demotes them, or null where
     * clients cannot be launched real-time (not root, or no chrt or perl).
     */
    private realtime(): Starter | null {
        if (this.starter === undefined) this.starter = Starter.start();
        return this.starter;
    }

    async close(): Promise<void> {
        this.starter?.close();
        this.starter = undefined;
    }

    async run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        if (endpoint.access.kind !== "netns") {
            throw new TransportError(`endpoint ${endpoint.name} is reached by ${endpoint.access.kind}, not by a network namespace`);
        }
        if (options.release && options.gate) {
            const gate = options.gate;
            const starter = this.realtime();
            // chrt and `ip netns exec` exec the program: the pid is netperf's. Real-time, a released
            // client runs at once however busy the CPUs are; it is demoted right after its start.
            const launch = ["ip", "netns", "exec", endpoint.access.namespace, ...argv];
            const [program, ...args] = starter ? ["chrt", "-f", String(CLIENT_RT_PRIORITY), ...launch] : launch;
            await gate.ready();
            let released: Promise<number | undefined> = Promise.resolve(undefined);
            let r: ProcessResult;
            try {
                r = await runProcess(program, args, {
                    ...options,
                    onSpawn: (pid) => {
                        released = releaseWhenArmed(pid, gate, options.signal, starter ?? undefined);
                    },
                });
            } catch (err) {
                gate.leave();
                throw err;
            }
            const releasedAtMs = await released;
            return releasedAtMs !== undefined ? { ...r, releasedAtMs } : r;
        }
        if (options.startAtMs === undefined) return runProcess("ip", ["netns", "exec", endpoint.access.namespace, ...argv], options);
        return runProcess("ip", ["netns", "exec", endpoint.access.namespace, ...bashTimedArgv(options.startAtMs, argv)], {
            ...options,
            holdStdin: true,
        });
    }

    runHere(argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        const [program, ...args] = argv;
        return runProcess(program, args, options);
    }

    /** Namespaces share this machine's clock (a fresh reading is the same). */
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

    clock(endpoint: PlanEndpoint, signal?: AbortSignal, fresh?: boolean): Promise<ClockReading> {
        return this.of(endpoint).clock(endpoint, signal, fresh);
    }

    canRelease(endpoint: PlanEndpoint): boolean {
        return this.of(endpoint).canRelease?.(endpoint) ?? false;
    }

    async prepare(endpoint: PlanEndpoint, signal?: AbortSignal): Promise<void> {
        await this.of(endpoint).prepare?.(endpoint, signal);
    }

    runHere(argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        const here = this.byKind.netns?.runHere;
        if (!here) throw new TransportError("no transport runs programs on this machine (no netns transport)");
        return here.call(this.byKind.netns, argv, options);
    }

    async close(): Promise<void> {
        await Promise.all(Object.values(this.byKind).map((t) => t?.close?.()));
    }
}

/** How long a program stopped with SIGTERM has before SIGKILL. */
export const KILL_GRACE_MS = 2000;

/** Spawns a program (no shell) and collects its output; kills it on timeout or abort. */
export function runProcess(program: string, args: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
    return new Promise((resolve, reject) => {
        if (options.signal?.aborted) {
            reject(new TransportError("aborted"));
            return;
        }
        const startedAtMs = Date.now();
        const stdin: StdioPipe | StdioNull = options.holdStdin || options.endStdinOn ? "pipe" : "ignore";
        const child = spawn(program, args, { stdio: [stdin, "pipe", "pipe"] as StdioOptions });
        child.stdin?.on("error", () => {
            /* the program may exit before its stdin is closed */
        });
        if (child.pid !== undefined) options.onSpawn?.(child.pid);
        const endStdin = () => child.stdin?.end();
        if (options.endStdinOn?.aborted) endStdin();
        else options.endStdinOn?.addEventListener("abort", endStdin, { once: true });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout!.setEncoding("utf8").on("data", (d: string) => {
            stdout += d;
        });
        let partial = "";
        const reply = (text: string) => {
            if (child.stdin?.writable) child.stdin.write(text);
        };
        child.stderr!.setEncoding("utf8").on("data", (d: string) => {
            if (!options.onStderrLine) {
                stderr += d;
                return;
            }
            partial += d;
            let nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                const line = partial.slice(0, nl);
                partial = partial.slice(nl + 1);
                if (!options.onStderrLine(line, reply)) stderr += `${line}\n`;
            }
        });
        // SIGTERM, then SIGKILL: a netperf in debug mode (an armed one) catches SIGTERM and goes on.
        let hard: NodeJS.Timeout | undefined;
        const kill = () => {
            child.kill("SIGTERM");
            hard ??= setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
        };
        const timer = setTimeout(() => {
            stderr += `\nkilled after ${options.timeoutMs} ms`;
            timedOut = true;
            kill();
        }, options.timeoutMs);
        options.signal?.addEventListener("abort", kill, { once: true });
        child.on("error", (err) => {
            clearTimeout(timer);
            clearTimeout(hard);
            options.signal?.removeEventListener("abort", kill);
            reject(new TransportError(`cannot run ${program}: ${err.message}`));
        });
        child.on("close", (code, signal) => {
            options.endStdinOn?.removeEventListener("abort", endStdin);
            stderr += partial;
            child.stdin?.destroy();
            clearTimeout(timer);
            clearTimeout(hard);
            options.signal?.removeEventListener("abort", kill);
            resolve({ code, signal, stdout, stderr, startedAtMs, ...(timedOut ? { timedOut } : {}) });
        });
    });
}

const startTimes = new Map<number, Promise<void>>();

/**
 * Resolves at the epoch time: one timer per start time, shared by every client that starts then,
 * so that their releases run back to back in one turn of the event loop.
 */
function startTime(epochMs: number): Promise<void> {
    let at = startTimes.get(epochMs);
    if (!at) {
        at = new Promise<void>((resolve) =>
            setTimeout(
                () => {
                    startTimes.delete(epochMs);
                    resolve();
                },
                Math.max(0, epochMs - Date.now()),
            ),
        );
        startTimes.set(epochMs, at);
    }
    return at;
}

/** The lead a client on this machine asks of the start gate (ms): the release is a signal sent from here. */
export const LOCAL_RELEASE_LEAD_MS = 5;

/**
 * Releases an armed netperf: waits until it sleeps in its -s wait (its kernel wait channel is a
 * nanosleep; before that it is still connecting, where a signal would break a system call), tells
 * the run's gate it is armed, then at the start the gate gives sends SIGUSR1, which ends the wait.
 * Launching every client ahead and only signalling at the start takes microseconds per client,
 * where starting processes takes milliseconds each: the streams start together however many
 * there are. Resolves with the release's time (epoch ms), or undefined where the client exited
 * first (its result says why) or the run was stopped; a client that never armed leaves the gate.
 */
export async function releaseWhenArmed(pid: number, gate: Gate, signal?: AbortSignal, starter?: Starter): Promise<number | undefined> {
    const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    for (;;) {
        let wchan: string;
        try {
            wchan = readFileSync(`/proc/${pid}/wchan`, "utf8");
        } catch {
            gate.leave(); // it has exited (it could not set the test up): its result says why
            return undefined;
        }
        if (signal?.aborted) {
            gate.leave();
            return undefined;
        }
        if (wchan.includes("nanosleep")) break;
        await pause(2);
    }
    await startTime(await gate.arrive(LOCAL_RELEASE_LEAD_MS));
    const at = Date.now();
    if (starter) {
        starter.release(pid);
        return at;
    }
    try {
        process.kill(pid, "SIGUSR1");
        return at;
    } catch {
        return undefined; // exited meanwhile
    }
}

/** Real-time priority of a launched client (SCHED_FIFO); the starter runs one above it. */
export const CLIENT_RT_PRIORITY = 1;
/** How long a released client keeps its real-time class: enough to start, well inside the warm-up. */
export const REALTIME_MS = 100;

/** sched_setscheduler's system call number, per architecture. */
const SCHED_SETSCHEDULER: Partial<Record<string, number>> = { x64: 144, arm64: 119 };

/**
 * Releases real-time clients and puts them back to SCHED_OTHER REALTIME_MS later: a perl loop
 * (perl is in every Debian) that reads a line of pids, sends each SIGUSR1, waits, and calls
 * sched_setscheduler on each, without starting a process per client. It runs real-time above the
 * clients: a client it wakes cannot preempt it before the last one is woken, and it wakes on time
 * to demote them however busy they keep the CPUs.
 */
export class Starter {
    private batch: number[] = [];

    private constructor(private readonly child: ChildProcess) {}

    /** Starts the starter, or returns null where clients cannot be launched real-time. */
    static start(): Starter | null {
        const sched = SCHED_SETSCHEDULER[process.arch];
        if (process.getuid?.() !== 0 || sched === undefined) return null;
        for (const tool of ["chrt", "perl"]) {
            if (spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0) return null;
        }
        const script =
            `$|=1; my $p = pack("i", 0); while (my $l = <STDIN>) { my @pids = split " ", $l; kill "USR1", @pids; ` +
            `select(undef, undef, undef, ${REALTIME_MS / 1000}); syscall(${sched}, $_ + 0, 0, $p) for @pids; }`;
        const child = spawn("chrt", ["-f", String(CLIENT_RT_PRIORITY + 1), "perl", "-e", script], { stdio: ["pipe", "ignore", "ignore"] });
        child.on("error", () => undefined);
        child.stdin!.on("error", () => undefined);
        // It must not keep the runner alive: its stdin closing ends it.
        child.unref();
        (child.stdin as unknown as { unref?: () => void }).unref?.();
        return new Starter(child);
    }

    /** Releases the client, then demotes it: the pids released in one turn of the event loop go as one line. */
    release(pid: number): void {
        if (this.batch.push(pid) === 1) {
            setImmediate(() => {
                this.child.stdin!.write(`${this.batch.join(" ")}\n`);
                this.batch = [];
            });
        }
    }

    close(): void {
        this.child.stdin!.end();
    }
}
