// The runner's SSH transport: the system's OpenSSH client with one reused connection per machine
// (ControlMaster), host key checking on, and a synchronized start that waits on the endpoint
// itself, at the common start time translated to the endpoint's clock.
import { spawn } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { shellCommandLine } from "./shell-words";
import type { Gate } from "./start-gate";
import type { ProcessResult, RunOptions, Transport } from "./transport";
import { runProcess, timedArgv, TransportError } from "./transport";
import type { ClockReading, PlanEndpoint, SshAccess } from "../../model";

export interface SshOptions {
    /** Private key file (mode 0600); without it, ssh's own defaults and agent apply. */
    readonly identityFile?: string;
    readonly hostKeyChecking: "yes" | "accept-new";
    /** known_hosts file; empty or undefined for ~/.ssh/known_hosts. */
    readonly knownHostsFile?: string;
    readonly connectTimeoutSeconds?: number;
    /**
     * A private folder (0700) for the shared connections' control sockets, made and removed by
     * the caller; without it, a new <tmpdir>/hvssh-XXXXXX that close() removes.
     */
    readonly controlDir?: string;
}

export class SshError extends Error {
    readonly name = "SshError";
}

/** `ssh` arguments up to the destination; the remote command follows. */
export function sshArgs(access: SshAccess, options: SshOptions, controlPath: string): string[] {
    const args = [
        "-o",
        "BatchMode=yes",
        "-o",
        `StrictHostKeyChecking=${options.hostKeyChecking}`,
        "-o",
        `ConnectTimeout=${options.connectTimeoutSeconds ?? 10}`,
        "-o",
        "ServerAliveInterval=5",
        "-o",
        "ControlMaster=auto",
        "-o",
        `ControlPath=${controlPath}`,
        "-o",
        "ControlPersist=120",
        "-o",
        "LogLevel=ERROR",
        "-p",
        String(access.port),
        "-l",
        access.user,
    ];
    if (options.knownHostsFile) args.push("-o", `UserKnownHostsFile=${options.knownHostsFile}`);
    if (options.identityFile) args.push("-o", "IdentitiesOnly=yes", "-i", options.identityFile);
    return [...args, "--", access.host];
}

/** user@host:port, naming a machine in messages and keying its connection. */
function targetOf(access: SshAccess): string {
    return `${access.user}@${access.host}:${access.port}`;
}

/** Turns ssh's own failure (exit 255) into what to fix. */
export function explainSshFailure(stderr: string, access: SshAccess): string {
    const target = targetOf(access);
    const first =
        stderr
            .trim()
            .split(/\r?\n/)
            .filter((l) => l.trim() !== "")
            .pop() ?? "(no message)";
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* (is not known|has changed)/i.test(stderr)) {
        return `the host key of ${target} is unknown or has changed: verify its fingerprint, then add it to known_hosts (ssh-keyscan -p ${access.port} ${access.host}) or point hvnetlab:sshKnownHostsFile at a file that has it; hvnetlab:sshHostKeyChecking accept-new trusts new hosts on first contact`;
    }
    if (/Permission denied|Authentication failed|Too many authentication failures/i.test(stderr)) {
        return `SSH login to ${target} was refused: make hvnetlab:sshPrivateKey the key whose public half is in ~${access.user}/.ssh/authorized_keys there`;
    }
    if (/Connection refused/i.test(stderr)) return `${target} refuses SSH connections: start sshd there or fix the port (${first})`;
    if (/timed out|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known/i.test(stderr)) {
        return `cannot reach ${target}: ${first}; check its address in the stack config and the management network`;
    }
    return `ssh to ${target} failed: ${first}`;
}

/**
 * The remote side of an armed start (bash >= 5; its arguments are the armed netperf). It talks to
 * the runner over the session it runs in: lines on its stdin, and on stderr lines
 * `@hvnetlab <event> <microseconds since the epoch, its clock>`.
 * 1. `ready`; then it answers each `ping` with `pong`, until `arm`: the runner measures the
 *    session's round trip, and arms every client of the run at once, none while another is still
 *    connecting.
 * 2. It starts netperf (armed: set up, then waiting in its -s sleep) and waits, reading
 *    /proc/PID/stat and /proc/PID/wchan, until netperf sleeps there (`armed`) or has exited
 *    (`exited`, then netperf's own result).
 * 3. `go T`: it waits until T (microseconds, its clock) with a timed read on a pipe nobody writes
 *    to and a spin on $EPOCHREALTIME, sends SIGUSR1 (a builtin: no program starts), says
 *    `released`, and ends with netperf's exit status. Its stdin closing first kills netperf.
 */
export const ARMED_START_SCRIPT = [
    `exec 9<> <(:)`,
    `say() { printf '@hvnetlab %s %s\n' "$1" "\${EPOCHREALTIME//[!0-9]/}" >&2; }`,
    `now() { n=\${EPOCHREALTIME//[!0-9]/}; }`,
    `say ready`,
    `cmd=`,
    `while read -r cmd at; do [[ $cmd == ping ]] && say pong || break; done`,
    `[[ $cmd == arm ]] || exit 96`,
    `"$@" & p=$!`,
    `armed=`,
    `while :; do`,
    `  st=; read -r st < "/proc/$p/stat" 2>/dev/null; st=\${st##*) }; st=\${st%% *}`,
    `  [[ -z $st || $st == Z || $st == X ]] && break`,
    `  w=; read -r w < "/proc/$p/wchan" 2>/dev/null`,
    `  [[ $w == *nanosleep* ]] && { armed=y; break; }`,
    `  read -r -t 0.002 -u 9 _`,
    `done`,
    `if [[ -z $armed ]]; then say exited; wait "$p"; exit $?; fi`,
    `say armed`,
    `if ! read -r cmd at || [[ $cmd != go ]]; then kill -KILL "$p"; wait "$p"; exit 95; fi`,
    `now; d=$(( at - n ))`,
    `if (( d > 0 )); then printf -v s '%d.%06d' $(( d / 1000000 )) $(( d % 1000000 )); read -r -t "$s" -u 9 _; fi`,
    `now; while (( n < at )); do now; done`,
    `kill -USR1 "$p"`,
    `say released`,
    `wait "$p"`,
].join("\n");

/** Prints `armed-start` where the machine can run ARMED_START_SCRIPT: bash >= 5 and a readable /proc/PID/wchan. */
const ARM_PROBE = `command -v bash >/dev/null 2>&1 && bash -c '[[ -n \${EPOCHREALTIME:-} && -r /proc/$$/wchan ]] && echo armed-start'`;

/** Pings a session answers before it is armed: the largest round trip sets the lead it asks for. */
export const SESSION_PINGS = 3;

/**
 * The lead (ms) a client asks of the start gate, from its session's round trips (ms): the `go`
 * line takes half a round trip to arrive, and the waiting shell must wake and read it; twice the
 * largest round trip measured, plus 5 ms, covers both on a session that was just measured.
 */
export function sessionLeadMs(rttsMs: readonly number[]): number {
    return Math.ceil(2 * Math.max(0, ...rttsMs) + 5);
}

/** Prints this machine's clock (ns since the epoch) for every line it reads. */
const CLOCK_SCRIPT = `while read -r _; do date +%s%N; done`;

const nowMs = () => performance.timeOrigin + performance.now();

/**
 * Sessions one shared connection carries at once: sshd refuses more than MaxSessions (default 10)
 * on one connection, so a machine with more concurrent streams gets more connections.
 */
export const SESSIONS_PER_CONNECTION = 8;

/** The shared connections to one machine, and how many sessions each carries now. */
class ConnectionPool {
    private readonly active: number[] = [];
    /** Per connection, its master's start: sessions wait for it instead of racing to connect. */
    readonly masters: Promise<void>[] = [];

    /** Takes a session on the least busy connection that has room, opening a new one where none has. */
    acquire(): number {
        let slot = this.active.findIndex((n) => n < SESSIONS_PER_CONNECTION);
        if (slot < 0) slot = this.active.push(0) - 1;
        this.active[slot]++;
        return slot;
    }

    release(slot: number): void {
        this.active[slot]--;
    }

    /** Every connection opened so far. */
    get slots(): number[] {
        return this.active.map((_, i) => i);
    }
}

export class SshTransport implements Transport {
    private readonly controlDir: string;
    private readonly clocks = new Map<string, Promise<ClockReading>>();
    private readonly used = new Map<string, { access: SshAccess; pool: ConnectionPool }>();
    /** Per machine (user@host:port), whether it can arm clients (ARM_PROBE), once probed. */
    private readonly armable = new Map<string, boolean>();

    constructor(private readonly options: SshOptions) {
        this.controlDir = options.controlDir ?? mkdtempSync(path.join(tmpdir(), "hvssh-"));
    }

    private access(endpoint: PlanEndpoint): SshAccess {
        if (endpoint.access.kind !== "ssh")
            throw new TransportError(`endpoint ${endpoint.name} is reached by ${endpoint.access.kind}, not by ssh`);
        const key = targetOf(endpoint.access);
        if (!this.used.has(key)) this.used.set(key, { access: endpoint.access, pool: new ConnectionPool() });
        return endpoint.access;
    }

    private controlPath(slot: number): string {
        return path.join(this.controlDir, `%C-${slot}`);
    }

    /**
     * Runs `use` with the ssh arguments of a session on one of the machine's shared connections,
     * starting that connection's master first (once): sessions that all connected at once would
     * run into sshd's MaxStartups.
     */
    private async withSession<T>(access: SshAccess, use: (args: string[]) => Promise<T>, signal?: AbortSignal): Promise<T> {
        const pool = this.used.get(targetOf(access))!.pool;
        const slot = pool.acquire();
        try {
            const args = sshArgs(access, this.options, this.controlPath(slot));
            pool.masters[slot] ??= this.startMaster(access, args, signal);
            await pool.masters[slot].catch((e: unknown) => {
                delete pool.masters[slot];
                throw e;
            });
            return await use(args);
        } finally {
            pool.release(slot);
        }
    }

    /** Opens a shared connection in the background (ssh -f -N as its master), after authenticating. */
    private async startMaster(access: SshAccess, args: string[], signal?: AbortSignal): Promise<void> {
        const r = await runProcess("ssh", ["-f", "-N", "-o", "ControlMaster=yes", ...args], { timeoutMs: 30000, signal });
        if (r.code !== 0 && !signal?.aborted) throw new SshError(explainSshFailure(r.stderr, access));
    }

    /** Whether clients on this endpoint can be armed and released (known once prepare() probed it). */
    canRelease(endpoint: PlanEndpoint): boolean {
        return endpoint.access.kind === "ssh" && this.armable.get(targetOf(endpoint.access)) === true;
    }

    /** Probes whether the endpoint's shell can run ARMED_START_SCRIPT (bash >= 5, /proc/PID/wchan). */
    async prepare(endpoint: PlanEndpoint, signal?: AbortSignal): Promise<void> {
        const access = this.access(endpoint);
        const key = targetOf(access);
        if (this.armable.has(key)) return;
        const r = await this.withSession(access, (args) => runProcess("ssh", [...args, ARM_PROBE], { timeoutMs: 30000, signal }), signal);
        if (r.code === 255 && !signal?.aborted) throw new SshError(explainSshFailure(r.stderr, access));
        this.armable.set(key, r.stdout.trim() === "armed-start");
    }

    /** How many shared connections each machine has had (at most, at once). */
    connections(): Record<string, number> {
        return Object.fromEntries([...this.used].map(([k, v]) => [k, v.pool.slots.length]));
    }

    async run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        const access = this.access(endpoint);
        if (options.release && options.gate) return this.runArmed(endpoint, access, argv, options, options.gate);
        let remote = argv;
        if (options.startAtMs !== undefined) {
            const clock = await this.clock(endpoint, options.signal);
            const targetNs = BigInt(Math.round((options.startAtMs + clock.offsetMs) * 1000)) * 1000n;
            remote = timedArgv(targetNs, argv);
        }
        // A timed start sleeps on its stdin (BASH_WAIT_SCRIPT): it is held open until the program ends.
        const held = { ...options, holdStdin: options.startAtMs !== undefined || options.endStdinOn !== undefined };
        const r = await this.withSession(access, (args) => runProcess("ssh", [...args, shellCommandLine(remote)], held), options.signal);
        if (r.code === 255 && !options.signal?.aborted) throw new SshError(explainSshFailure(r.stderr, access));
        return r;
    }

    /**
     * Runs an armed netperf through ARMED_START_SCRIPT on a session of its own: tells the gate when
     * the session is ready and when netperf is armed (with the lead the session's round trips ask
     * for), and sends the start the gate gives, translated to the machine's clock.
     */
    private async runArmed(
        endpoint: PlanEndpoint,
        access: SshAccess,
        argv: readonly string[],
        options: RunOptions,
        gate: Gate,
    ): Promise<ProcessResult> {
        let offsetMs: number;
        try {
            offsetMs = (await this.clock(endpoint, options.signal)).offsetMs;
        } catch (err) {
            gate.leave();
            throw err;
        }
        const remote = shellCommandLine(["bash", "-c", ARMED_START_SCRIPT, "hvnetlab-arm", ...argv]);
        const rtts: number[] = [];
        let sentAt = 0;
        let state: "connecting" | "ready" | "arming" | "armed" | "gone" = "connecting";
        let releasedAtMs: number | undefined;
        const onLine = (line: string, reply: (text: string) => void): boolean => {
            const m = /^@hvnetlab (\w+) (\d+)$/.exec(line);
            if (!m) return false;
            const [, event, us] = m;
            const ping = () => {
                sentAt = nowMs();
                reply("ping\n");
            };
            if (event === "ready") {
                state = "ready";
                ping();
            } else if (event === "pong") {
                rtts.push(nowMs() - sentAt);
                if (rtts.length < SESSION_PINGS) ping();
                else
                    void gate.ready().then(() => {
                        if (state !== "ready") return;
                        state = "arming";
                        reply("arm\n");
                    });
            } else if (event === "armed") {
                state = "armed";
                void gate.arrive(sessionLeadMs(rtts)).then((atMs) => reply(`go ${Math.round((atMs + offsetMs) * 1000)}\n`));
            } else if (event === "released") {
                releasedAtMs = Number(us) / 1000 - offsetMs;
            } else if (event === "exited") {
                state = "gone";
                gate.leave();
            }
            return true;
        };
        let r: ProcessResult;
        try {
            r = await this.withSession(
                access,
                (args) => runProcess("ssh", [...args, remote], { ...options, holdStdin: true, onStderrLine: onLine }),
                options.signal,
            );
        } finally {
            // A session that ended before its client was armed (or before it was ready) holds no one up.
            if (state === "connecting" || state === "ready" || state === "arming") gate.leave();
        }
        if (r.code === 255 && !options.signal?.aborted) throw new SshError(explainSshFailure(r.stderr, access));
        return releasedAtMs !== undefined ? { ...r, releasedAtMs } : r;
    }

    /**
     * The best (shortest round trip) of several readings over one session, NTP style. The first
     * reading of a machine is kept and reused; `fresh` takes a new one (the kept one stays).
     */
    clock(endpoint: PlanEndpoint, signal?: AbortSignal, fresh?: boolean): Promise<ClockReading> {
        const access = this.access(endpoint);
        if (fresh) return this.withSession(access, (args) => this.readClock(access, args, 9, signal), signal);
        const key = targetOf(access);
        let reading = this.clocks.get(key);
        if (!reading) {
            reading = this.withSession(access, (args) => this.readClock(access, args, 9, signal), signal);
            this.clocks.set(key, reading);
            reading.catch(() => this.clocks.delete(key));
        }
        return reading;
    }

    private readClock(access: SshAccess, args: string[], rounds: number, signal?: AbortSignal): Promise<ClockReading> {
        return new Promise((resolve, reject) => {
            const child = spawn("ssh", [...args, shellCommandLine(["sh", "-c", CLOCK_SCRIPT])], { stdio: ["pipe", "pipe", "pipe"] });
            let stderr = "";
            let buffer = "";
            let sentAt = 0;
            const readings: ClockReading[] = [];
            const timer = setTimeout(() => child.kill(), 20000);
            const abort = () => child.kill();
            signal?.addEventListener("abort", abort, { once: true });
            const ask = () => {
                sentAt = nowMs();
                child.stdin.write("\n");
            };
            child.stderr.setEncoding("utf8").on("data", (d: string) => {
                stderr += d;
            });
            // ssh may exit before all readings are asked for: close() reports it, a write must not crash.
            child.stdin.on("error", () => undefined);
            child.stdout.setEncoding("utf8").on("data", (d: string) => {
                buffer += d;
                let nl;
                while ((nl = buffer.indexOf("\n")) >= 0) {
                    const line = buffer.slice(0, nl).trim();
                    buffer = buffer.slice(nl + 1);
                    // A login script may greet first: only a clock reading (ns since the epoch) counts.
                    if (!/^\d{10,}$/.test(line)) continue;
                    const back = nowMs();
                    const remoteMs = Number(BigInt(line) / 1000n) / 1000;
                    readings.push({ offsetMs: remoteMs - (sentAt + back) / 2, rttMs: back - sentAt });
                    if (readings.length >= rounds) child.stdin.end();
                    else if (child.stdin.writable) ask();
                }
            });
            child.on("error", (err) => reject(new TransportError(`cannot run ssh: ${err.message}`)));
            child.on("close", (code) => {
                clearTimeout(timer);
                signal?.removeEventListener("abort", abort);
                if (readings.length < rounds) {
                    reject(
                        code === 255
                            ? new SshError(explainSshFailure(stderr, access))
                            : new TransportError(`cannot read the clock of ${access.host}: ${stderr.trim() || `ssh exited ${code}`}`),
                    );
                    return;
                }
                // The first round also pays for the connection; the best later round wins.
                const best = readings.slice(1).reduce((a, b) => (b.rttMs < a.rttMs ? b : a));
                resolve({ offsetMs: Math.round(best.offsetMs * 1000) / 1000, rttMs: Math.round(best.rttMs * 1000) / 1000 });
            });
            ask();
        });
    }

    /** Ends the shared connections and removes their sockets. */
    async close(): Promise<void> {
        await Promise.all(
            [...this.used.values()].flatMap(({ access: a, pool }) =>
                pool.slots.map((slot) =>
                    runProcess(
                        "ssh",
                        ["-o", `ControlPath=${this.controlPath(slot)}`, "-O", "exit", "-p", String(a.port), "-l", a.user, "--", a.host],
                        { timeoutMs: 5000 },
                    ).catch(() => undefined),
                ),
            ),
        );
        if (this.options.controlDir === undefined) rmSync(this.controlDir, { recursive: true, force: true });
    }
}
