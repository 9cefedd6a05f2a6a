// The harness of the labs that stand up real software on this machine (`npm run lab:<name>`).
// A lab is one file in tools/labs/ that says only what is particular to it (see Lab below); the
// harness does the rest the same way for every lab:
//   1. arguments: `--keep` leaves the lab standing, `--down` takes a standing one down; unknown
//      options are refused by name;
//   2. setup: the lab's steps, each recorded in a ledger (<state>/made.json) as it is made:
//      namespaces, links, processes (by pid), files. A standing lab is refused;
//   3. the stack: selected, the lab's config and secrets set (secrets through stdin), then the
//      lab's run, by default `pulumi up` with its table and out/<stack>.outputs.json, and checks;
//   4. unless --keep: `pulumi destroy`, then the leftover check (anything the stack left on this
//      machine: processes and links in the lab's namespaces that the setup did not make, netservers
//      started since the lab began, and the lab's own checks), and only then the teardown of what
//      the ledger lists, each process stopped by its pid. Leftovers fail the lab.
import { spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { createConnection } from "net";
import * as path from "path";
import { parseArgs } from "util";
import { ETHERNET_OVERHEAD, TBF_OVERHEAD } from "../../model/limits";
import type { ResultsDocument } from "../../model/types";
import { tbfBurstKb } from "../../components/platforms/local";
import { engineEnv, onPath, prepareWorkingProject, ROOT, runPulumi, selectStack, setStackConfig } from "../engine";
import type { PulumiRun } from "../engine";
import { destroy, outputsFile, up, WORK_DIR } from "../lab";

export class LabError extends Error {
    readonly name = "LabError";
}

/**
 * tc arguments (after `tc qdisc add dev NIC root`) that shape a NIC's egress so that full-size
 * frames cost what they cost on Ethernet at `speedMbps`: MTU + 38 bytes each (header 14, FCS 4,
 * preamble 8, gap 12; model/limits.ts's Ethernet basis). tbf counts each frame with its
 * 14-byte header only, so its rate is the wire's scaled by (MTU + 14) / (MTU + 38): at 1 Gb/s and
 * MTU 1500, 984395 kbit/s, whose TCP goodput limit is Ethernet's 941.5 Mb/s. Frames shorter than
 * the MTU (ACKs, a datagram's last fragment) get a little more than on Ethernet.
 *
 * Why not add the 24 bytes per frame instead: TCP hands the qdisc GSO packets of many segments
 * (its sockets always use GSO; the veth segments after the qdisc). The kernel counts a GSO packet's
 * length with every segment's headers (qdisc_pkt_len_init), but a size table (`stab overhead 24`)
 * recomputes it from skb->len plus 24 once, and tbf's own `overhead 24` is added once per packet,
 * not per segment. Measured here, one TCP_STREAM at 1 Gb/s: 998 Mb/s with the size table, 952-955
 * with tbf's overhead, 923 when tbf is made to segment every GSO packet (peakrate 100gbit mtu 3000,
 * costing CPU per frame on 2 cores), and 939 and 937 over 20 s with the scaled rate.
 */
export function ethernetShaping(speedMbps: number, mtu: number): string[] {
    const kbit = Math.round((speedMbps * 1000 * (mtu + TBF_OVERHEAD)) / (mtu + ETHERNET_OVERHEAD));
    return ["tbf", "rate", `${kbit}kbit`, "burst", `${tbfBurstKb(speedMbps)}kb`, "latency", "50ms"];
}

/** A lab's management network on this machine: its bridge here, the host at .1, the peer at .2 (a /24). */
export interface ManagementNet {
    readonly bridge: string;
    readonly peerNs: string;
    readonly host: string;
    readonly peer: string;
}

/** The management network of a lab whose links and namespaces are named `<prefix>-...`, in `<net>.0/24`. */
export function managementNet(prefix: string, net: string): ManagementNet {
    return { bridge: `${prefix}-mgmt`, peerNs: `${prefix}-peer`, host: `${net}.1`, peer: `${net}.2` };
}

/** Where the labs keep their state (keys, sshd configs, the ledger): $HVNETLAB_LAB_STATE, else /var/lib/hvnetlab. */
export function labStateRoot(env: NodeJS.ProcessEnv = process.env): string {
    return env.HVNETLAB_LAB_STATE ?? "/var/lib/hvnetlab";
}

/** One thing a lab's setup made, in the order made; the teardown undoes them in reverse. */
export type Made =
    | { readonly kind: "netns"; readonly name: string }
    /** A link (a bridge, or a veth: deleting one end deletes its peer `peer`, which is in `peerNs`). */
    | { readonly kind: "link"; readonly name: string; readonly ns?: string; readonly peer?: string; readonly peerNs?: string }
    /** A process the lab started, stopped by its pid once /proc/<pid>/comm still says `comm`. */
    | { readonly kind: "process"; readonly pid: number; readonly comm: string; readonly what: string; readonly ns?: string }
    | { readonly kind: "file"; readonly path: string };

/** One thing the stack left; a process is stopped by its pid once reported, as the lab's namespaces go. */
export interface Leftover {
    readonly what: string;
    readonly process?: ProcessSeen;
}

/** A process as /proc shows it. */
export interface ProcessSeen {
    readonly pid: number;
    readonly comm: string;
    /** Its parent's pid (0 where unknown). */
    readonly ppid: number;
}

/** What is on this machine after `pulumi destroy`, where the lab's things are. */
export interface Observed {
    /** For each namespace in the ledger that still exists: its processes and links. */
    readonly namespaces: Readonly<Record<string, { readonly processes: readonly ProcessSeen[]; readonly links: readonly string[] }>>;
    /** The links of this (the root) namespace. */
    readonly rootLinks: readonly string[];
    /** netserver processes, in any namespace, started since the lab began. */
    readonly netservers: readonly ProcessSeen[];
}

/**
 * What the stack left behind, from what the setup made and what is there now (pure): a process or
 * link in a lab namespace that the setup did not make, a root-namespace link with the lab's prefix
 * that the setup did not make, a netserver started since the lab began. A process that the setup
 * made forks children of its own name (an sshd's sessions: sshd, sshd-session); those are its.
 */
export function leftoversOf(made: readonly Made[], observed: Observed, linkPrefix: string): Leftover[] {
    const left: Leftover[] = [];
    const started = new Map(made.flatMap((m) => (m.kind === "process" ? [[m.pid, m.comm] as const] : [])));
    const pids = new Set(started.keys());
    const links = new Set(
        made.flatMap((m) =>
            m.kind === "link" ? [`${m.ns ?? ""}/${m.name}`, ...(m.peer !== undefined ? [`${m.peerNs ?? m.ns ?? ""}/${m.peer}`] : [])] : [],
        ),
    );
    const reported = new Set<number>();
    for (const [ns, seen] of Object.entries(observed.namespaces)) {
        const byPid = new Map(seen.processes.map((p) => [p.pid, p]));
        const forkedBySetup = (p: ProcessSeen): boolean => {
            for (let up = byPid.get(p.ppid), hops = 0; up && hops < 16; up = byPid.get(up.ppid), hops++) {
                const comm = started.get(up.pid);
                if (comm !== undefined) return p.comm.startsWith(comm);
            }
            return false;
        };
        for (const p of seen.processes) {
            if (pids.has(p.pid) || forkedBySetup(p)) continue;
            left.push({ what: `process ${p.pid} (${p.comm}) in namespace ${ns}`, process: p });
            reported.add(p.pid);
        }
        for (const l of seen.links) if (l !== "lo" && !links.has(`${ns}/${l}`)) left.push({ what: `link ${l} in namespace ${ns}` });
    }
    for (const l of observed.rootLinks) if (l.startsWith(linkPrefix) && !links.has(`/${l}`)) left.push({ what: `link ${l}` });
    for (const p of observed.netservers)
        if (!reported.has(p.pid) && !pids.has(p.pid)) left.push({ what: `netserver process ${p.pid}`, process: p });
    return left;
}

export interface LabOption {
    /** What the value is, for the usage line. */
    readonly help: string;
    readonly pattern: RegExp;
    readonly default: string;
}

export interface LabArgs {
    readonly keep: boolean;
    readonly down: boolean;
    /** The lab's own options, each with its value or default. */
    readonly options: Readonly<Record<string, string>>;
}

/** The usage line of a lab. */
export function usage(name: string, options: Readonly<Record<string, LabOption>> = {}): string {
    const own = Object.entries(options).map(([o, spec]) => `[--${o} ${spec.help}] `);
    return `usage: npm run lab:${name} [-- ${own.join("")}[--keep] | -- --down]`;
}

/**
 * `--keep`, `--down` and the lab's own options (each `--name value`, checked against its
 * pattern). Throws LabError naming an unknown option, a bad value, or --keep with --down.
 */
export function parseLabArgs(name: string, argv: readonly string[], options: Readonly<Record<string, LabOption>> = {}): LabArgs {
    let parsed: ReturnType<typeof parseArgs>;
    try {
        parsed = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            options: {
                keep: { type: "boolean" },
                down: { type: "boolean" },
                ...Object.fromEntries(Object.keys(options).map((o) => [o, { type: "string" as const }])),
            },
        });
    } catch (e) {
        throw new LabError(`${(e as Error).message}; ${usage(name, options)}`);
    }
    const v = parsed.values as Record<string, string | boolean | undefined>;
    if (v.keep && v.down) throw new LabError(`--keep and --down exclude each other; ${usage(name, options)}`);
    const own: Record<string, string> = {};
    for (const [o, spec] of Object.entries(options)) {
        const value = typeof v[o] === "string" ? (v[o] as string) : spec.default;
        if (!spec.pattern.test(value)) throw new LabError(`--${o} ${value} is not ${spec.help}; ${usage(name, options)}`);
        own[o] = value;
    }
    return { keep: v.keep === true, down: v.down === true, options: own };
}

/** Every run of a results document ok: one line per run that is not. */
export function runProblems(doc: ResultsDocument | undefined): string[] {
    if (!doc) return ["the stack exported no results"];
    if (doc.runs.length === 0) return ["the results hold no run"];
    return doc.runs.filter((r) => r.status !== "ok").map((r) => `run ${r.id} is ${r.status}: ${r.error ?? ""}`);
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
function linksIn(ns?: string): string[] {
    const out = run("ip", [...(ns ? ["-n", ns] : []), "-o", "link", "show"], { allowFail: true });
    return out
        .split("\n")
        .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
        .filter((n): n is string => !!n);
}

/** Processes in a named namespace. */
function processesIn(ns: string): ProcessSeen[] {
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
function netserversSince(sinceMs: number): ProcessSeen[] {
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

/** Undoes what the ledger lists, newest first; returns what is still there afterwards. */
export function undo(made: readonly Made[]): string[] {
    const left: string[] = [];
    for (const m of [...made].reverse()) {
        switch (m.kind) {
            case "process":
                if (!stopProcess(m.pid, m.comm)) left.push(`${m.what} (pid ${m.pid}) does not stop`);
                break;
            case "link":
                if (m.ns === undefined || existsSync(`/run/netns/${m.ns}`))
                    run("ip", [...(m.ns ? ["-n", m.ns] : []), "link", "del", m.name], { allowFail: true });
                if (linksIn(m.ns).includes(m.name) && (m.ns === undefined || existsSync(`/run/netns/${m.ns}`)))
                    left.push(`link ${m.name}${m.ns ? ` in namespace ${m.ns}` : ""}`);
                break;
            case "netns":
                run("ip", ["netns", "del", m.name], { allowFail: true });
                if (existsSync(`/run/netns/${m.name}`)) left.push(`namespace ${m.name}`);
                break;
            case "file":
                rmSync(m.path, { force: true, recursive: true });
                if (existsSync(m.path)) left.push(`file ${m.path}`);
                break;
        }
    }
    return left;
}

/** What a lab's setup has to hand: the steps every lab shares, each recorded in the ledger. */
export class LabHost {
    /** The lab's state folder: keys, sshd configs, known_hosts, the ledger. */
    readonly dir: string;
    readonly made: Made[];
    /** When the setup began (ms since the epoch): netservers started since are the lab's. */
    readonly since: number;
    /** Plain config values and secrets to set on the stack before the run. */
    readonly config: { key: string; value: string; secret: boolean; path: boolean }[] = [];
    private readonly knownHosts: string[] = [];

    /** The lab's own options: those of the run that set the lab up. */
    readonly options: Readonly<Record<string, string>>;

    constructor(
        readonly lab: Lab,
        options: Readonly<Record<string, string>>,
        /** The engine's environment (its binaries first on PATH). */
        readonly env: NodeJS.ProcessEnv,
        ledger?: Ledger,
    ) {
        this.dir = path.join(labStateRoot(), lab.name);
        this.made = [...(ledger?.made ?? [])];
        this.since = ledger?.since ?? Date.now();
        this.options = ledger?.options ?? options;
    }

    get ledger(): string {
        return path.join(this.dir, "made.json");
    }

    log(line: string): void {
        process.stderr.write(`lab:${this.lab.name}: ${line}\n`);
    }

    /** Records one thing made, at once on disk too: a later --down undoes it. */
    record(m: Made): void {
        this.made.push(m);
        mkdirSync(this.dir, { recursive: true });
        const ledger: Ledger = { since: this.since, options: this.options, made: this.made };
        writeFileSync(this.ledger, `${JSON.stringify(ledger, null, 1)}\n`);
    }

    run(cmd: string, args: readonly string[], opts: { ns?: string; allowFail?: boolean } = {}): string {
        return run(cmd, args, opts);
    }

    /** A network namespace with its loopback up. */
    netns(name: string): string {
        run("ip", ["netns", "add", name]);
        this.record({ kind: "netns", name });
        run("ip", ["-n", name, "link", "set", "lo", "up"]);
        return name;
    }

    /** A bridge in this namespace, up, holding `cidr` where given. */
    bridge(name: string, cidr?: string): void {
        run("ip", ["link", "add", name, "type", "bridge"]);
        this.record({ kind: "link", name });
        if (cidr) run("ip", ["addr", "add", cidr, "dev", name]);
        run("ip", ["link", "set", name, "up"]);
    }

    /** A veth pair, `a` in namespace `aNs` (this one if undefined) and `b` in `bNs`; both left down. */
    veth(a: string, aNs: string | undefined, b: string, bNs: string | undefined): void {
        run("ip", ["link", "add", a, ...(aNs ? ["netns", aNs] : []), "type", "veth", "peer", "name", b, ...(bNs ? ["netns", bNs] : [])]);
        this.record({ kind: "link", name: a, ns: aNs, peer: b, peerNs: bNs });
    }

    /** Sets a link's state in a namespace (`ip link set NIC ...settings`). */
    link(ns: string | undefined, nic: string, ...settings: string[]): void {
        run("ip", [...(ns ? ["-n", ns] : []), "link", "set", nic, ...settings]);
    }

    /** A namespace's management NIC `mgmt0` with `cidr`, cabled to a bridge of this namespace through `<rootEnd>`. */
    attach(ns: string, bridge: string, rootEnd: string, cidr: string): void {
        this.veth(rootEnd, undefined, "mgmt0", ns);
        this.link(undefined, rootEnd, "master", bridge, "up");
        run("ip", ["-n", ns, "addr", "add", cidr, "dev", "mgmt0"]);
        this.link(ns, "mgmt0", "up");
    }

    /**
     * A machine reached over SSH: namespace `ns`, cabled to the management bridge through
     * `<prefix>-<rootEnd>`, with its sshd on `address`.
     */
    async machine(name: string, ns: string, net: ManagementNet, rootEnd: string, address: string): Promise<void> {
        this.netns(ns);
        this.attach(ns, net.bridge, rootEnd, `${address}/24`);
        await this.sshd(name, ns, address);
    }

    /** An ed25519 key pair kept in the state folder (made once); returns the public key line. */
    keyPair(name: string, comment: string): string {
        const file = path.join(this.dir, name);
        if (!existsSync(file)) run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
        return readFileSync(`${file}.pub`, "utf8").trim();
    }

    /** The lab's client key pair, authorized on every sshd of the lab: its file, private key and public key line. */
    clientKey(): { file: string; privateKey: string; publicKey: string } {
        const publicKey = this.keyPair("id_ed25519", `hvnetlab-${this.lab.name}-lab`);
        writeFileSync(path.join(this.dir, "authorized_keys"), `${publicKey}\n`, { mode: 0o600 });
        const file = path.join(this.dir, "id_ed25519");
        return { file, privateKey: readFileSync(file, "utf8"), publicKey };
    }

    /** Starts a process (in namespace `ns`) that the lab stops by pid; waits until it has exec'd `comm`. */
    start(what: string, argv: readonly string[], comm: string, ns?: string): number {
        const full = ns ? ["ip", "netns", "exec", ns, ...argv] : [...argv];
        const child = spawn(full[0], full.slice(1), { detached: true, stdio: "ignore", env: this.env });
        child.on("error", () => undefined); // a missing binary leaves no pid: reported below
        child.unref();
        const pid = child.pid;
        if (pid === undefined) throw new LabError(`cannot start ${what}: ${full.join(" ")}`);
        for (let i = 0; i < 50 && commOf(pid) !== comm; i++) sleepMs(100);
        if (commOf(pid) !== comm) throw new LabError(`${what} did not start (${full.join(" ")}): pid ${pid} is ${commOf(pid) ?? "gone"}`);
        this.record({ kind: "process", pid, comm, what, ns });
        return pid;
    }

    /**
     * An OpenSSH server on `address`:22 (in namespace `ns`), with a host key of its own that goes
     * into the lab's known_hosts, taking the lab's client key; resolves once it listens.
     */
    async sshd(name: string, ns: string | undefined, address: string): Promise<void> {
        this.clientKey();
        const hostKey = this.keyPair(`${name}_host_key`, `${this.lab.name}-${name}`);
        const config = path.join(this.dir, `${name}.sshd_config`);
        writeFileSync(
            config,
            [
                `ListenAddress ${address}:22`,
                `HostKey ${path.join(this.dir, `${name}_host_key`)}`,
                `AuthorizedKeysFile ${path.join(this.dir, "authorized_keys")}`,
                "PidFile none",
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "MaxSessions 64",
                "MaxStartups 64:30:128",
                "",
            ].join("\n"),
        );
        mkdirSync("/run/sshd", { recursive: true });
        this.start(`sshd of ${name}`, ["/usr/sbin/sshd", "-D", "-e", "-f", config], "sshd", ns);
        this.knownHost(address, hostKey);
        if (!(await listening(address, 22, 10000))) throw new LabError(`the sshd of ${name} does not listen on ${address}:22`);
    }

    /** Adds a machine's host key (`TYPE BASE64 [COMMENT]`) to the lab's known_hosts, which the stack trusts. */
    knownHost(address: string, hostKey: string): void {
        this.knownHosts.push(`${address} ${hostKey}`);
        writeFileSync(path.join(this.dir, "known_hosts"), `${this.knownHosts.join("\n")}\n`);
    }

    /**
     * The guest image (tools/images/guest-image.ts) where the qemu, xen-qemu and vcsim stacks' guest block
     * says it is: a link at <lab state>/images/debian-12-netperf.qcow2, removed on teardown.
     */
    linkGuestImage(disk: string): void {
        const link = path.join(labStateRoot(), "images", "debian-12-netperf.qcow2");
        mkdirSync(path.dirname(link), { recursive: true });
        rmSync(link, { force: true });
        symlinkSync(disk, link);
        this.file(link);
    }

    /** A file the lab wrote outside its state folder, removed on teardown. */
    file(file: string): void {
        this.record({ kind: "file", path: file });
    }

    /** A config value of the stack for this run (`path` for block.field). */
    set(key: string, value: string, opts: { path?: boolean } = {}): void {
        this.config.push({ key, value, secret: false, path: opts.path === true });
    }

    /** A secret of the stack for this run, set through stdin. */
    secret(key: string, value: string): void {
        this.config.push({ key, value, secret: true, path: false });
    }

    /** What the stack left behind on this machine (see leftoversOf), plus the lab's own checks. */
    leftovers(): Leftover[] {
        const namespaces: Record<string, { processes: ProcessSeen[]; links: string[] }> = {};
        for (const m of this.made)
            if (m.kind === "netns" && existsSync(`/run/netns/${m.name}`))
                namespaces[m.name] = { processes: processesIn(m.name), links: linksIn(m.name) };
        const observed: Observed = { namespaces, rootLinks: linksIn(), netservers: netserversSince(this.since) };
        return [...leftoversOf(this.made, observed, this.lab.linkPrefix), ...(this.lab.leftovers?.(this) ?? []).map((what) => ({ what }))];
    }
}

/** What a lab's run can do with its stack. */
export interface StackRun {
    readonly stack: string;
    readonly env: NodeJS.ProcessEnv;
    /** The built CLI in the working project (`show` echoes its output). */
    pulumi(args: readonly string[], show?: boolean): Promise<PulumiRun>;
    /** Sets one secret of the stack through stdin. */
    secret(key: string, value: string): void;
    /** Sets one plain config value of the stack (`path`: the key is a path into a structured value). */
    set(key: string, value: string, path?: boolean): void;
}

/** One lab: only what is particular to it. */
export interface Lab {
    /** `npm run lab:<name>`; also its state folder's name. */
    readonly name: string;
    /** The stack it runs (stacks/Pulumi.<stack>.yaml). */
    readonly stack: string;
    /** The prefix of every link its stack or setup makes in this namespace (for the leftover check). */
    readonly linkPrefix: string;
    /** Whether it needs root (namespaces, daemons). */
    readonly root: boolean;
    /** Binaries it needs on PATH (or in /usr/sbin). */
    readonly needs: readonly string[];
    /** Its own options, beyond --keep and --down. */
    readonly options?: Readonly<Record<string, LabOption>>;
    /** Sets up what the stack's machines already have; records everything it makes on `h`. */
    setUp(h: LabHost): Promise<void>;
    /** The run; by default `pulumi up` under the policy pack (policy/), with the table and out/<stack>.outputs.json, then `check`. Returns problems. */
    run?(h: LabHost, s: StackRun): Promise<string[]>;
    /** Checks of the outputs after a good `pulumi up` (the default run); every run ok is checked already. */
    check?(outputs: StackOutputs, h: LabHost): string[];
    /** Its own leftover checks, after `pulumi destroy` and before any teardown. */
    leftovers?(h: LabHost): string[];
}

/** The stack outputs the default run reads back from out/<stack>.outputs.json. */
export interface StackOutputs {
    readonly results?: ResultsDocument;
    readonly lab?: Record<string, unknown>;
}

/** The outputs the last good `pulumi up` of a stack wrote to outputsFile(stack, root), if any. */
export function readOutputs(stack: string, root: string = ROOT): StackOutputs | undefined {
    const file = outputsFile(stack, root);
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as StackOutputs) : undefined;
}

/** The ledger on disk: when the setup began, and what it made. */
export interface Ledger {
    readonly since: number;
    /** The options of the run that set the lab up (a later --down takes down what they made). */
    readonly options: Readonly<Record<string, string>>;
    readonly made: readonly Made[];
}

function readLedger(file: string): Ledger | undefined {
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Ledger) : undefined;
}

/**
 * After `pulumi destroy`: the leftover check first, then the cleanup: the processes found left are
 * stopped by pid, then the ledger is undone and removed. Returns every leftover as a problem.
 */
export function settle(h: LabHost): string[] {
    const left = h.leftovers();
    const problems = left.map((l) => `left behind by the stack: ${l.what}`);
    h.log("taking the lab's setup down");
    for (const l of left) if (l.process) stopProcess(l.process.pid, l.process.comm);
    problems.push(...undo(h.made).map((l) => `left behind by the setup: ${l}`));
    rmSync(h.ledger, { force: true });
    return problems;
}

/** `pulumi destroy`, then settle: returns the problems. */
async function takeDown(h: LabHost, env: NodeJS.ProcessEnv): Promise<string[]> {
    h.log("pulumi destroy");
    const d = await destroy(["--stack", h.lab.stack], env);
    const problems = [...(d !== 0 ? [`pulumi destroy exited ${d}`] : []), ...settle(h)];
    if (d !== 0) {
        // What the stack made lived on the lab's machines, which the setup just took down: its state
        // must not outlive them, or the next run's `pulumi up` would find every resource "there".
        h.log(`forgetting the state of stack ${h.lab.stack}: its resources went with the lab's machines`);
        const rm = await runPulumi(["stack", "rm", "--stack", h.lab.stack, "--force", "--yes", "--preserve-config"], {
            workDir: WORK_DIR,
            env,
        });
        if (rm.code !== 0)
            problems.push(`pulumi stack rm ${h.lab.stack} exited ${rm.code}: ${(rm.stderr || rm.stdout).trim().split("\n")[0]}`);
    }
    return problems;
}

/**
 * A lab's default run: `pulumi up` of its stack under the project's policy pack (a stack breaking
 * a rule is stopped and named), with the table and out/<stack>.outputs.json, then every run ok and
 * the lab's `check`. Returns the problems.
 */
export async function upAndCheck(lab: Lab, h: LabHost, env: NodeJS.ProcessEnv): Promise<string[]> {
    const code = await up(["--stack", lab.stack, "--policy-pack", path.join(ROOT, "policy")], env);
    if (code !== 0) return [`pulumi up exited ${code}`];
    const outputs = readOutputs(lab.stack);
    return [...runProblems(outputs?.results), ...(outputs ? (lab.check?.(outputs, h) ?? []) : [])];
}

/** Runs a lab with its command-line arguments; returns the exit code (0 passed, 1 failed). */
export async function runLab(lab: Lab, argv: readonly string[]): Promise<number> {
    const args = parseLabArgs(lab.name, argv, lab.options);
    if (lab.root && process.getuid?.() !== 0) throw new LabError(`lab:${lab.name} needs root (namespaces, daemons)`);
    for (const tool of lab.needs) {
        if (!onPath(tool, { PATH: `${process.env.PATH ?? ""}:/usr/sbin` }))
            throw new LabError(`lab:${lab.name} needs ${tool}: run \`bash scripts/setup.sh\` first`);
    }
    const started = Date.now();
    const env = engineEnv({ workDir: WORK_DIR });
    prepareWorkingProject({ workDir: WORK_DIR, refresh: true });
    const ledgerFile = path.join(labStateRoot(), lab.name, "made.json");
    const standing = readLedger(ledgerFile);
    const h = new LabHost(lab, args.options, env, args.down ? standing : undefined);
    mkdirSync(h.dir, { recursive: true });
    const finish = (problems: string[]) => {
        for (const p of problems) h.log(`FAILED: ${p}`);
        h.log(`${problems.length === 0 ? "passed" : "failed"} in ${Math.round((Date.now() - started) / 1000)} s`);
        return problems.length === 0 ? 0 : 1;
    };
    if (args.down) {
        if (!standing) throw new LabError(`no ${lab.name} lab stands (no ${h.ledger})`);
        return finish(await takeDown(h, env));
    }
    if (standing)
        throw new LabError(`a ${lab.name} lab stands already (${h.ledger}): take it down with \`npm run lab:${lab.name} -- --down\``);
    const problems: string[] = [];
    try {
        await lab.setUp(h);
    } catch (e) {
        h.log(`setup failed: ${(e as Error).message}`);
        const left = undo(h.made);
        rmSync(h.ledger, { force: true });
        throw new LabError(`setup failed: ${(e as Error).message}${left.length ? `; left: ${left.join(", ")}` : ""}`);
    }
    try {
        await selectStack(lab.stack, { workDir: WORK_DIR, env });
        const setConfig = (key: string, value: string, secret: boolean, isPath: boolean) =>
            setStackConfig(lab.stack, key, value, { workDir: WORK_DIR, env, secret, path: isPath });
        for (const c of h.config) setConfig(c.key, c.value, c.secret, c.path);
        const stackRun: StackRun = {
            stack: lab.stack,
            env,
            pulumi: (a, show) => runPulumi(a, { workDir: WORK_DIR, env, show }),
            secret: (key, value) => setConfig(key, value, true, false),
            set: (key, value, isPath = false) => setConfig(key, value, false, isPath),
        };
        problems.push(...(await (lab.run ? lab.run(h, stackRun) : upAndCheck(lab, h, env))));
    } catch (e) {
        problems.push((e as Error).message);
    } finally {
        if (args.keep) h.log(`--keep: the lab stands; \`npm run lab:${lab.name} -- --down\` destroys its stack and takes it down`);
        else problems.push(...(await takeDown(h, env)));
    }
    return finish(problems);
}

/** The entry point of a lab's file: runs it with this process's arguments and exits. */
export function main(lab: Lab): void {
    // Ctrl-C reaches pulumi too (same process group; the lab's daemons have their own): it
    // cancels, and the lab then destroys and takes itself down as after a failure.
    process.on("SIGINT", () =>
        process.stderr.write(`\nlab:${lab.name}: interrupted; waiting for pulumi to stop, then taking the lab down\n`),
    );
    runLab(lab, process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`lab:${lab.name}: ${e.message}\n`);
            process.exit(2);
        },
    );
}
