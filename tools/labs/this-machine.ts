// What the labs' harness runs and reads on this machine: commands (in a network namespace), processes
// by pid (/proc), the links of a namespace, a TCP port that accepts connections, and the netservers
// started since a time.
import { spawnSync } from "child_process";
import { readdirSync, readFileSync } from "fs";
import { createConnection } from "net";
import { LabError } from "./lab-error";

/** A process as /proc shows it. */
export interface ProcessSeen {
    readonly pid: number;
    readonly comm: string;
    /** Its parent's pid (0 where unknown). */
    readonly ppid: number;
}

/** Blocks this thread for `ms` milliseconds, without spawning a process (a wait loop's step). */
export function sleepMs(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A running process's comm and parent (from /proc/<pid>/stat), or undefined when none runs (a zombie has exited). */
function procOf(pid: number): ProcessSeen | undefined {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const close = stat.lastIndexOf(")");
        const [state, ppid] = stat.slice(close + 2).split(" ");
        if (state === "Z" || state === "X") return undefined;
        return { pid, comm: stat.slice(stat.indexOf("(") + 1, close), ppid: Number(ppid) };
    } catch {
        return undefined;
    }
}

/** The comm of a pid, or undefined when no such process runs. */
export function commOf(pid: number): string | undefined {
    return procOf(pid)?.comm;
}

/** Runs a command (in a namespace with `ns`); throws with its stderr unless `allowFail`. */
export function run(cmd: string, args: readonly string[], opts: { ns?: string; allowFail?: boolean; input?: string } = {}): string {
    const argv = opts.ns ? ["ip", "netns", "exec", opts.ns, cmd, ...args] : [cmd, ...args];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", ...(opts.input !== undefined ? { input: opts.input } : {}) });
    if (r.status !== 0 && !opts.allowFail)
        throw new LabError(`${argv.join(" ")} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
    return (r.stdout ?? "").trim();
}

/** Resolves when something accepts TCP connections at host:port, false after timeoutMs. */
export async function listening(host: string, port: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = createConnection({ host, port }, () => {
                s.end();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (ok) return true;
        await new Promise((r) => setTimeout(r, 100));
    }
    return false;
}

/** The names of the links in a namespace (this one without `ns`). */
export function linksIn(ns?: string): string[] {
    const out = run("ip", [...(ns ? ["-n", ns] : []), "-o", "link", "show"], { allowFail: true });
    return out
        .split("\n")
        .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
        .filter((n): n is string => !!n);
}

/** Processes in a named namespace. */
export function processesIn(ns: string): ProcessSeen[] {
    return run("ip", ["netns", "pids", ns], { allowFail: true })
        .split("\n")
        .filter(Boolean)
        .map((p) => procOf(Number(p)))
        .filter((p): p is ProcessSeen => p !== undefined);
}

/** When a process started, in ms since the epoch (from /proc/<pid>/stat and the boot time). */
function startedAtMs(pid: number): number | undefined {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
        const boot = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
        return boot * 1000 + (ticks * 1000) / 100; // USER_HZ: 100 on Linux
    } catch {
        return undefined;
    }
}

/** netserver processes started since `sinceMs` (with a second's slack for the clock-tick rounding). */
export function netserversSince(sinceMs: number): ProcessSeen[] {
    return readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .map((p) => procOf(Number(p)))
        .filter((p): p is ProcessSeen => p?.comm === "netserver" && (startedAtMs(p.pid) ?? 0) >= sinceMs - 1000);
}

/** Stops a process by pid (TERM, then KILL after 5 s), only while its comm is still the one recorded. */
export function stopProcess(pid: number, comm: string): boolean {
    if (commOf(pid) !== comm) return true;
    try {
        process.kill(pid, "SIGTERM");
    } catch {
        return commOf(pid) !== comm;
    }
    for (let i = 0; i < 50 && commOf(pid) === comm; i++) sleepMs(100);
    if (commOf(pid) === comm) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            /* gone meanwhile */
        }
        sleepMs(200);
    }
    return commOf(pid) !== comm;
}
