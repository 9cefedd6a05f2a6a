// A lab (Lab: only what is particular to it, one file in tools/labs/ each) and what its setup has
// to hand (LabHost: the steps every lab shares, each recorded in the ledger as it is made).
import { spawn } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import type { LabOption } from "./command-line";
import { LabError } from "./lab-error";
import type { ManagementNet } from "./lab-network";
import { nicStatesLeft } from "./lab-network";
import type { Ledger, Made } from "./ledger";
import { labStateRoot } from "./ledger";
import type { Leftover } from "./leftovers";
import { leftoversOf, observe } from "./leftovers";
import type { StackConfigValue, StackOutputs, StackRun } from "./stack";
import { commOf, listening, run, sleepMs } from "./this-machine";

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
    /**
     * The dedicated NICs on this machine whose state before the lab its stack saves (a stand-in
     * machine's /run is this machine's): the harness reports a saved state that destroy left, and
     * forgets it, with the other leftovers.
     */
    dedicatedNics?(h: LabHost): string[];
    /**
     * Takes away what its stack may have left on this machine (once the leftover check has reported
     * it, before the setup is undone), so that the next run starts clean: after a destroy that left
     * something, and after a run that was killed (`--down`), when the stack's state no longer knows it.
     */
    cleanUp?(h: LabHost): void;
}

/** What a lab's setup has to hand: the steps every lab shares, each recorded in the ledger. */
export class LabHost {
    /** The lab's state folder: keys, sshd configs, known_hosts, the ledger. */
    readonly dir: string;
    readonly made: Made[];
    /** When the setup began (ms since the epoch): netservers started since are the lab's. */
    readonly since: number;
    /** Plain config values and secrets to set on the stack before the run. */
    readonly config: StackConfigValue[] = [];
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

    /** What the stack left behind on this machine (see leftoversOf), the saved NIC states, plus the lab's own checks. */
    leftovers(): Leftover[] {
        const observed = observe(this.made, this.since);
        return [
            ...leftoversOf(this.made, observed, this.lab.linkPrefix),
            ...[...nicStatesLeft(this.lab.dedicatedNics?.(this) ?? []), ...(this.lab.leftovers?.(this) ?? [])].map((what) => ({ what })),
        ];
    }
}
