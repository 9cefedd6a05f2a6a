// npm run lab:qemu [-- --keep]: a real kvm lab on this one machine, through the real engine.
//
// It sets up what a real KVM host and peer already have, then runs the `qemu` stack
// (stacks/Pulumi.qemu.yaml: platform kvm, libvirt.domainType qemu) with `pulumi up`, checks the
// results, and unless --keep, runs `pulumi destroy` and takes its setup down again:
//   - libvirtd (and virtlogd), started if not running, in a mount namespace where /dev/kvm is
//     hidden: KVM does not work here, and a /dev/kvm that libvirt cannot use makes it re-probe
//     QEMU on every domain definition (30 s each);
//   - the hypervisor host reached over SSH: sshd on 10.213.0.1, the management bridge hvq-mgmt;
//   - the peer: a network namespace with its own sshd on 10.213.0.2, cabled to the bridge;
//   - a dedicated "pNIC" per guest: veth hvq-pnicN on the host, its other end wireN in the peer;
//   - the guest image (tools/guest-image.ts), the kernel and initrd under /var/lib/libvirt/boot;
//   - an SSH key pair and a known-hosts file under /var/lib/hvnetlab/qemu.
// Afterwards nothing of the lab is left: no domain, volume, pool, macvtap, bridge, namespace,
// sshd or netserver, and a libvirtd it started is stopped.
import { spawnSync } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from "fs";
import * as path from "path";
import type { ResultsDocument } from "../benchmarks/types";
import { EngineError, engineEnv, onPath, prepareWorkingProject, ROOT, selectStack, setStackConfig } from "./engine";
import { ensureGuestImage } from "./guest-image";
import { destroy, up, WORK_DIR } from "./lab";

const STACK = "qemu";
const STATE = "/var/lib/hvnetlab/qemu";
const BOOT = "/var/lib/libvirt/boot";
const BRIDGE = "hvq-mgmt";
const PEER_NS = "hvq-peer";
const HOST_ADDRESS = "10.213.0.1";
const PEER_ADDRESS = "10.213.0.2";
const PREFIX_LEN = 24;
/** The qemu stack's hvnetlab:guests. */
const GUESTS = 2;

/** What this run set up, so that teardown removes exactly that. */
interface Setup {
    startedLibvirtd: boolean;
    guests: number;
}

function log(line: string): void {
    process.stderr.write(`lab:qemu: ${line}\n`);
}

function sh(cmd: string, args: readonly string[], opts: { ns?: string; allowFail?: boolean } = {}): string {
    const argv = opts.ns ? ["ip", "netns", "exec", opts.ns, cmd, ...args] : [cmd, ...args];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
    if (r.status !== 0 && !opts.allowFail) throw new Error(`${argv.join(" ")} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
    return (r.stdout ?? "").trim();
}

function running(name: string): boolean {
    return spawnSync("pgrep", ["-x", name]).status === 0;
}

function sshdConfig(name: string, address: string): string {
    const file = path.join(STATE, `${name}.sshd_config`);
    writeFileSync(
        file,
        [
            `ListenAddress ${address}:22`,
            `HostKey ${path.join(STATE, `${name}_host_key`)}`,
            `AuthorizedKeysFile ${path.join(STATE, "authorized_keys")}`,
            `PidFile ${path.join(STATE, `${name}.sshd.pid`)}`,
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "MaxSessions 64",
            "MaxStartups 64:30:128",
            "",
        ].join("\n"),
    );
    return file;
}

function keyPair(file: string, comment: string): string {
    if (!existsSync(file)) sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
    return readFileSync(`${file}.pub`, "utf8").trim();
}

/** Everything a real KVM host and its peer already have; see the top of this file. */
function setUp(guests: number): Setup {
    for (const tool of ["libvirtd", "qemu-system-x86_64", "sshd", "ssh-keygen", "ip", "genisoimage"]) {
        if (!onPath(tool, { PATH: `${process.env.PATH ?? ""}:/usr/sbin` }))
            throw new Error(`lab:qemu needs ${tool}: run \`bash scripts/setup.sh\` first`);
    }
    const image = ensureGuestImage(log);
    mkdirSync(STATE, { recursive: true });
    mkdirSync(BOOT, { recursive: true });
    mkdirSync("/run/sshd", { recursive: true });
    copyFileSync(image.kernel, path.join(BOOT, "hvq-vmlinuz"));
    copyFileSync(image.initrd, path.join(BOOT, "hvq-initrd.img"));
    rmSync(path.join(STATE, "guest.qcow2"), { force: true });
    symlinkSync(image.disk, path.join(STATE, "guest.qcow2"));

    const setup: Setup = { startedLibvirtd: false, guests };
    if (!running("libvirtd")) {
        log("starting libvirtd (with /dev/kvm hidden from it) and virtlogd");
        if (!running("virtlogd")) sh("virtlogd", ["-d"]);
        const mask = existsSync("/dev/kvm") ? "mount --bind /dev/null /dev/kvm && " : "";
        sh("unshare", ["--mount", "--propagation", "private", "sh", "-c", `${mask}exec libvirtd -d`]);
        setup.startedLibvirtd = true;
        for (let i = 0; i < 50 && !existsSync("/var/run/libvirt/libvirt-sock"); i++) spawnSync("sleep", ["0.1"]);
    }

    const labKey = keyPair(path.join(STATE, "id_ed25519"), "hvnetlab-qemu-lab");
    writeFileSync(path.join(STATE, "authorized_keys"), `${labKey}\n`, { mode: 0o600 });
    const hostKey = keyPair(path.join(STATE, "host_host_key"), "hvq-host");
    const peerKey = keyPair(path.join(STATE, "peer_host_key"), "hvq-peer");
    // The host and peer are known; the guests' keys are new on every boot (accept-new).
    writeFileSync(path.join(STATE, "known_hosts"), `${HOST_ADDRESS} ${hostKey}\n${PEER_ADDRESS} ${peerKey}\n`);

    log(`management bridge ${BRIDGE} (${HOST_ADDRESS}), peer namespace ${PEER_NS} (${PEER_ADDRESS}), ${guests} pNICs`);
    sh("ip", ["link", "add", BRIDGE, "type", "bridge"]);
    sh("ip", ["addr", "add", `${HOST_ADDRESS}/${PREFIX_LEN}`, "dev", BRIDGE]);
    sh("ip", ["link", "set", BRIDGE, "up"]);
    sh("ip", ["netns", "add", PEER_NS]);
    sh("ip", ["link", "set", "lo", "up"], { ns: PEER_NS });
    sh("ip", ["link", "add", "hvq-pm", "type", "veth", "peer", "name", "mgmt0", "netns", PEER_NS]);
    sh("ip", ["link", "set", "hvq-pm", "master", BRIDGE, "up"]);
    sh("ip", ["addr", "add", `${PEER_ADDRESS}/${PREFIX_LEN}`, "dev", "mgmt0"], { ns: PEER_NS });
    sh("ip", ["link", "set", "mgmt0", "up"], { ns: PEER_NS });
    for (let i = 0; i < guests; i++) {
        sh("ip", ["link", "add", `hvq-pnic${i}`, "type", "veth", "peer", "name", `wire${i}`, "netns", PEER_NS]);
        sh("ip", ["link", "set", `hvq-pnic${i}`, "up"]);
        sh("ip", ["link", "set", `wire${i}`, "up"], { ns: PEER_NS });
    }
    sh("/usr/sbin/sshd", ["-f", sshdConfig("host", HOST_ADDRESS)]);
    sh("/usr/sbin/sshd", ["-f", sshdConfig("peer", PEER_ADDRESS)], { ns: PEER_NS });
    return setup;
}

function killPidFile(file: string): void {
    if (!existsSync(file)) return;
    const pid = Number(readFileSync(file, "utf8").trim());
    if (pid > 0) spawnSync("kill", [String(pid)]);
    rmSync(file, { force: true });
}

/** Removes what setUp made; returns what could not be removed. */
function tearDown(setup: Setup): string[] {
    log("taking the host setup down");
    killPidFile(path.join(STATE, "host.sshd.pid"));
    killPidFile(path.join(STATE, "peer.sshd.pid"));
    // Netservers and anything else the lab started in the peer namespace.
    const pids = sh("ip", ["netns", "pids", PEER_NS], { allowFail: true });
    for (const pid of pids.split("\n").filter(Boolean)) spawnSync("kill", ["-9", pid]);
    sh("ip", ["netns", "del", PEER_NS], { allowFail: true });
    for (let i = 0; i < setup.guests; i++) sh("ip", ["link", "del", `hvq-pnic${i}`], { allowFail: true });
    sh("ip", ["link", "del", "hvq-pm"], { allowFail: true });
    sh("ip", ["link", "del", BRIDGE], { allowFail: true });
    rmSync(path.join(BOOT, "hvq-vmlinuz"), { force: true });
    rmSync(path.join(BOOT, "hvq-initrd.img"), { force: true });
    rmSync(path.join(STATE, "guest.qcow2"), { force: true });
    const left = leftovers();
    if (setup.startedLibvirtd) {
        spawnSync("pkill", ["-x", "libvirtd"]);
        log("stopped the libvirtd it started");
    }
    return left;
}

/** Anything of the lab still on this machine. */
function leftovers(): string[] {
    const left: string[] = [];
    const virsh = (args: string[]) => (running("libvirtd") ? sh("virsh", ["-c", "qemu:///system", ...args], { allowFail: true }) : "");
    for (const d of virsh(["list", "--all", "--name"])
        .split("\n")
        .filter((n) => n.startsWith("hvq-")))
        left.push(`domain ${d}`);
    for (const p of virsh(["pool-list", "--all", "--name"])
        .split("\n")
        .filter((n) => n.trim() === "hvq"))
        left.push(`pool ${p}`);
    if (existsSync("/var/lib/libvirt/images/hvq")) left.push("pool folder /var/lib/libvirt/images/hvq");
    const links = sh("ip", ["-o", "link", "show"], { allowFail: true });
    for (const l of links.split("\n")) {
        const name = /^\d+: ([^:@]+)/.exec(l)?.[1];
        if (name && (name.startsWith("hvq-") || name.startsWith("macvtap"))) left.push(`link ${name}`);
    }
    if (sh("ip", ["netns", "list"], { allowFail: true }).includes(PEER_NS)) left.push(`namespace ${PEER_NS}`);
    if (spawnSync("pgrep", ["-f", `${STATE}/.*sshd_config`]).status === 0) left.push("an sshd of the lab");
    return left;
}

/** Every run ok, and the guests' facts name QEMU. */
function checkResults(): string[] {
    const file = path.join(ROOT, "out", `${STACK}.outputs.json`);
    if (!existsSync(file)) return [`no ${path.relative(ROOT, file)}: the update did not export results`];
    const outputs = JSON.parse(readFileSync(file, "utf8")) as { results?: ResultsDocument };
    const doc = outputs.results;
    if (!doc) return ["the stack exported no results"];
    const problems: string[] = [];
    for (const r of doc.runs) if (r.status !== "ok") problems.push(`run ${r.id} is ${r.status}: ${r.error ?? ""}`);
    for (const [name, e] of Object.entries(doc.endpoints ?? {})) {
        if (!name.startsWith("g")) continue;
        const facts = JSON.stringify(e.facts ?? {});
        if (!/qemu/i.test(facts)) problems.push(`guest ${name}'s facts do not name QEMU: ${facts}`);
    }
    return problems;
}

async function main(): Promise<number> {
    const args = process.argv.slice(2);
    const keep = args.includes("--keep");
    const unknown = args.filter((a) => a !== "--keep" && a !== "--down");
    if (unknown.length > 0) throw new EngineError(`unknown argument(s) ${unknown.join(" ")}; usage: npm run lab:qemu [-- --keep | --down]`);
    if (process.getuid?.() !== 0) throw new EngineError("lab:qemu needs root (namespaces, bridges, libvirtd)");
    const started = Date.now();
    const env = engineEnv({ workDir: WORK_DIR });
    prepareWorkingProject({ workDir: WORK_DIR, refresh: true });
    if (args.includes("--down")) {
        // A lab left standing by --keep: its resources, then the host setup.
        const d = running("libvirtd") ? await destroy(["--stack", STACK], env) : 0;
        const left = tearDown({ startedLibvirtd: false, guests: GUESTS });
        for (const l of left) log(`left behind: ${l}`);
        return d !== 0 || left.length > 0 ? 1 : 0;
    }
    if (sh("ip", ["link", "show", BRIDGE], { allowFail: true }))
        throw new EngineError(`a qemu lab stands already (${BRIDGE} exists): remove it with \`npm run lab:qemu -- --down\``);
    let setup: Setup;
    try {
        setup = setUp(GUESTS);
    } catch (e) {
        tearDown({ startedLibvirtd: false, guests: GUESTS });
        throw e;
    }
    let code = 1;
    const problems: string[] = [];
    try {
        await selectStack(STACK, { workDir: WORK_DIR, env });
        const pub = readFileSync(path.join(STATE, "id_ed25519.pub"), "utf8")
            .trim()
            .replace(/ [^ ]*$/, " bench@hvnetlab");
        setStackConfig(STACK, "hvnetlab:guest.sshPublicKey", pub, { workDir: WORK_DIR, env, path: true });
        setStackConfig(STACK, "hvnetlab:sshPrivateKey", readFileSync(path.join(STATE, "id_ed25519"), "utf8"), {
            workDir: WORK_DIR,
            env,
            secret: true,
        });
        code = await up(["--stack", STACK], env);
        if (code === 0) problems.push(...checkResults());
    } finally {
        if (keep) {
            log(
                `--keep: the lab stands; \`npm run lab:destroy -- --stack ${STACK}\` removes its resources (the host setup stays until then)`,
            );
        } else {
            const d = await destroy(["--stack", STACK], env);
            if (d !== 0) problems.push(`pulumi destroy exited ${d}`);
            problems.push(...tearDown(setup).map((l) => `left behind: ${l}`));
        }
    }
    for (const p of problems) log(`FAILED: ${p}`);
    log(`${code === 0 && problems.length === 0 ? "passed" : "failed"} in ${Math.round((Date.now() - started) / 1000)} s`);
    return code !== 0 ? code : problems.length > 0 ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`lab:qemu: ${e.message}\n`);
            process.exit(2);
        },
    );
}
