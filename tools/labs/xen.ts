// npm run lab:xen [-- --keep | --down]: the xen stack (stacks/Pulumi.xen-qemu.yaml: platform xen)
// through the real engine, on a Xen 4.17 host that runs under QEMU (TCG) on this machine, with what
// a real Xen host and peer already have:
//   - the Xen host (tools/images/xen-host-image.ts): Xen 4.17 and a Debian 12 dom0 with libvirtd (libxl),
//     booted by QEMU with one vCPU for dom0 (as the study's dom0) on a copy-on-write overlay of the
//     cached image, its SSH keys on a seed disk; dom0 is reached over SSH on 10.219.0.10 through
//     its bridge xenbr0 (eth0), cabled here to the management bridge hvx-mgmt;
//   - the peer: namespace hvx-peer with its own sshd on 10.219.0.2, on the same bridge;
//   - a dedicated pNIC per guest: dom0's ethN+1 (a virtio NIC, tap hvx-tapN here), cabled through
//     the bridge hvx-cN and the veth hvx-pnicN to wireN in the peer, both directions shaped to
//     1 GbE as the other labs' wires (ethernetShaping);
//   - the guest image uploaded by the stack from this machine; the guests' kernel and initrd copied
//     into dom0, where the guest block says they are.
// The stack's own components do the rest in dom0: a bridge per pNIC, the pool, the volumes, the
// domains (PV guests: see stacks/Pulumi.xen-qemu.yaml), netperf and the benchmark.
// Checks: every run ok; the guests' facts name Xen 4.17 and say PV; after destroy no domain, pool,
// volume or bridge in dom0 and its pNICs out of any bridge; then QEMU and the rest are taken down.
import { execFileSync } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import type { GuestImage, XenHostImage } from "../images";
import { DOM0_ADDRESS, ensureGuestImage, ensureXenHostImage } from "../images";
import { ROOT } from "../engine";
import { outputsFile } from "../engine";
import { LabError } from "./lab-error";
import type { Lab, LabHost } from "./lab-host";
import { ethernetShaping, managementNet } from "./lab-network";
import { main, upAndCheck } from "./run-lab";
import type { StackRun } from "./stack";
import { listening, run } from "./this-machine";

const NET = managementNet("hvx", "10.219.0");
/** The xen-qemu stack's hvnetlab:guests, hvnetlab:nicSpeedMbps and hvnetlab:mtu. */
const GUESTS = 2;
const SPEED_MBPS = 1000;
const WIRE_MTU = 1500;
/** Where the guest block's kernel and initrd are on the host (the same paths as the qemu lab's). */
const BOOT = "/var/lib/libvirt/boot";
/** QEMU's memory for the Xen host: dom0's 1 GiB, two 512 MiB guests, Xen's own and libxl's disk backends. */
const HOST_MEMORY_MIB = 3072;
/**
 * QEMU's CPU model for the Xen host. Nehalem: Xen runs PV guests only (no VMX under TCG), and
 * libvirtd's libxl driver starts. On `EPYC,-monitor,-smap` (SVM under TCG) Xen reports
 * `virt_caps: pv hvm hap shadow`, but libvirtd 9.0 cannot decode the host CPU from Xen's hw_caps
 * (SEP and VME absent) into any model of its CPU map and its libxl driver fails to initialize:
 * "internal error: Cannot find suitable CPU model for given data".
 */
const HOST_CPU = "Nehalem";
/** How long dom0 may take to answer SSH: measured 100-150 s to userspace under TCG here. */
const BOOT_TIMEOUT_S = 420;
/** The NICs' MAC addresses: eth0 (management), then one per pNIC. */
const mac = (i: number) => `52:54:00:21:90:${i.toString(16).padStart(2, "0")}`;

/** An SSH command line to dom0 with the lab's client key and known_hosts, host key checked. */
function dom0(h: LabHost, command: string): string[] {
    return [
        "-i",
        path.join(h.dir, "id_ed25519"),
        "-o",
        `UserKnownHostsFile=${path.join(h.dir, "known_hosts")}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        `root@${DOM0_ADDRESS}`,
        "--",
        command,
    ];
}

/** Runs a fixed command in dom0; its stdout, or throws LabError with its stderr. */
function inDom0(h: LabHost, command: string, opts: { input?: Buffer; allowFail?: boolean } = {}): string {
    try {
        return execFileSync("ssh", dom0(h, command), {
            input: opts.input,
            stdio: ["pipe", "pipe", "pipe"],
            maxBuffer: 16 << 20,
            timeout: 120000,
        }).toString();
    } catch (e) {
        if (opts.allowFail) return "";
        const err = e as { stderr?: Buffer; message: string };
        throw new LabError(
            `in dom0, \`${command}\` failed: ${(err.stderr?.toString() || err.message).trim().split("\n").slice(-3).join(" | ")}`,
        );
    }
}

/** The last meaningful line of the Xen host's console, for progress while it boots. */
function consoleTail(file: string): string {
    if (!existsSync(file)) return "no console output yet";
    const lines = readFileSync(file, "latin1")
        // eslint-disable-next-line no-control-regex
        .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l.length > 0);
    return lines[lines.length - 1]?.slice(0, 120) ?? "no console output yet";
}

/** Waits for dom0's libvirtd to answer with the libxl driver; throws with what virsh said last. */
async function waitForLibxl(h: LabHost, timeoutS: number): Promise<void> {
    let last = "";
    for (const deadline = Date.now() + timeoutS * 1000; Date.now() < deadline;) {
        try {
            execFileSync("ssh", dom0(h, "virsh -c xen:///system version"), { stdio: ["ignore", "pipe", "pipe"], timeout: 60000 });
            return;
        } catch (e) {
            last = ((e as { stderr?: Buffer }).stderr?.toString() ?? "").trim().split("\n").slice(-1)[0] ?? "";
        }
        await new Promise((r) => setTimeout(r, 3000));
    }
    throw new LabError(`dom0's libvirtd does not answer on xen:///system after ${timeoutS} s: ${last}`);
}

/** libvirt's libxl driver in dom0 (libvirt-daemon-driver-xen); the no-libxl case moves it aside. */
const LIBXL_DRIVER = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_libxl.so";

/** A bad input the stack must refuse with one clear line, leaving nothing `pulumi destroy` cannot remove. */
interface BadInput {
    readonly name: string;
    /** Stack config values (`--path` keys) for the case; the stack file's values are set back after. */
    readonly config: Readonly<Record<string, string>>;
    /** The line `pulumi up` must print. */
    readonly expect: RegExp;
    /** Changes dom0 for the case, and undoes it. */
    readonly host?: { readonly before: string; readonly after: string };
}

const BAD_INPUTS: readonly BadInput[] = [
    {
        name: "a pNIC dom0 does not have",
        config: { "hvnetlab:host.nics[1]": "eth9" },
        expect: /hvnetlab: NIC eth9 does not exist on host 10\.219\.0\.10: fix hvnetlab:host\.nics/,
    },
    {
        name: "a dom0 without the libxl driver",
        config: {},
        expect: /hvnetlab: libvirtd on host 10\.219\.0\.10 does not serve xen:\/\/\/system, so its libxl driver is missing or not running/,
        host: {
            before: `mv ${LIBXL_DRIVER} /root/libxl-driver.so && systemctl restart libvirtd`,
            after: `mv /root/libxl-driver.so ${LIBXL_DRIVER} && systemctl restart libvirtd`,
        },
    },
    {
        name: "a guest kernel missing from dom0",
        config: { "hvnetlab:guest.kernel": "/var/lib/libvirt/boot/missing-vmlinuz" },
        expect: /hvnetlab: guest\.kernel \/var\/lib\/libvirt\/boot\/missing-vmlinuz is missing on host 10\.219\.0\.10/,
    },
    {
        name: "a guest image that does not exist",
        config: { "hvnetlab:guest.image": "/var/lib/hvnetlab/images/missing.qcow2" },
        expect: /missing\.qcow2/,
    },
];

/** The stack file's value of a `--path` key (`hvnetlab:block.field` or `hvnetlab:block.list[i]`), to set back after a case. */
function stackFileValue(key: string): string {
    const file = yaml.load(readFileSync(path.join(ROOT, "stacks", "Pulumi.xen-qemu.yaml"), "utf8")) as { config: Record<string, unknown> };
    const m = /^(hvnetlab:\w+)\.(\w+)(?:\[(\d+)\])?$/.exec(key);
    const block = m ? (file.config[m[1]] as Record<string, unknown> | undefined) : undefined;
    const field = m && block ? block[m[2]] : undefined;
    const value = m?.[3] !== undefined && Array.isArray(field) ? field[Number(m[3])] : field;
    if (typeof value !== "string") throw new LabError(`no string ${key} in stacks/Pulumi.xen-qemu.yaml`);
    return value;
}

/** Runs each bad input: `pulumi up` must fail with its line, then `pulumi destroy` must leave dom0 clean. */
async function badInputs(h: LabHost, s: StackRun): Promise<string[]> {
    const problems: string[] = [];
    for (const c of BAD_INPUTS) {
        h.log(`bad input: ${c.name}`);
        const set = (key: string, value: string) => s.pulumi(["config", "set", "--path", "--stack", s.stack, key, value]);
        for (const [k, v] of Object.entries(c.config)) await set(k, v);
        if (c.host) inDom0(h, c.host.before);
        try {
            const r = await s.pulumi(["up", "--stack", s.stack, "--yes", "--non-interactive", "--skip-preview"]);
            const out = r.stdout + r.stderr;
            const line = out.split("\n").find((l) => c.expect.test(l));
            if (r.code === 0) problems.push(`${c.name}: pulumi up succeeded`);
            else if (!line) problems.push(`${c.name}: pulumi up did not say ${c.expect}: ${out.split("\n").slice(-6).join(" | ")}`);
            else h.log(`   refused: ${line.trim().slice(0, 200)}`);
        } finally {
            if (c.host) inDom0(h, c.host.after);
            for (const k of Object.keys(c.config)) await set(k, stackFileValue(k));
        }
        const d = await s.pulumi(["destroy", "--stack", s.stack, "--yes", "--non-interactive", "--skip-preview"]);
        if (d.code !== 0)
            problems.push(`${c.name}: pulumi destroy exited ${d.code}: ${(d.stdout + d.stderr).split("\n").slice(-4).join(" | ")}`);
        problems.push(...lab.leftovers!(h).map((l) => `${c.name}: left after destroy: ${l}`));
    }
    await waitForLibxl(h, 120);
    return problems;
}

/**
 * The management bridge with the peer on it, and the Xen host's taps: hvx-tapm (dom0's eth0) on
 * the bridge, and per pNIC a tap cabled through a bridge and a veth to a wire in the peer, both
 * directions shaped to 1 GbE. Returns the taps, eth0's first.
 */
async function cable(h: LabHost): Promise<string[]> {
    h.log(`management bridge ${NET.bridge} (${NET.host}), peer namespace ${NET.peerNs} (${NET.peer}), ${GUESTS} pNICs`);
    h.bridge(NET.bridge, `${NET.host}/24`);
    await h.machine("peer", NET.peerNs, NET, "hvx-pm", NET.peer);
    const taps = ["hvx-tapm", ...Array.from({ length: GUESTS }, (_, i) => `hvx-tap${i}`)];
    for (const tap of taps) {
        h.run("ip", ["tuntap", "add", "dev", tap, "mode", "tap"]);
        h.record({ kind: "link", name: tap });
    }
    h.link(undefined, "hvx-tapm", "master", NET.bridge, "up");
    for (let i = 0; i < GUESTS; i++) {
        // dom0's eth(i+1) -- tap -- bridge hvx-c(i) -- veth hvx-pnic(i) | wire(i) in the peer.
        h.bridge(`hvx-c${i}`);
        h.veth(`hvx-pnic${i}`, undefined, `wire${i}`, NET.peerNs);
        h.link(undefined, `hvx-tap${i}`, "master", `hvx-c${i}`, "up");
        h.link(undefined, `hvx-pnic${i}`, "master", `hvx-c${i}`, "up");
        h.link(NET.peerNs, `wire${i}`, "up");
        // Guest to peer leaves through hvx-pnicN, peer to guest through wireN: both 1 GbE.
        h.run("tc", ["qdisc", "add", "dev", `hvx-pnic${i}`, "root", ...ethernetShaping(SPEED_MBPS, WIRE_MTU)]);
        h.run("tc", ["qdisc", "add", "dev", `wire${i}`, "root", ...ethernetShaping(SPEED_MBPS, WIRE_MTU)], { ns: NET.peerNs });
    }
    return taps;
}

/** The Xen host's disks for this boot, and the lab's client key that its seed authorizes. */
interface Dom0Disks {
    /** The lab's client key (LabHost.clientKey). */
    readonly key: ReturnType<LabHost["clientKey"]>;
    /** The seed disk (raw, ext4): dom0's authorized_keys and its SSH host key. */
    readonly seed: string;
    /** A copy-on-write overlay (qcow2) on the cached image's disk. */
    readonly overlay: string;
}

/** dom0's disks for this boot: the seed with its keys, and the overlay it boots from; its host key goes into the lab's known_hosts. */
function dom0Disks(h: LabHost, host: XenHostImage): Dom0Disks {
    // dom0's keys for this boot: the lab's client key, and a host key of dom0's own.
    const key = h.clientKey();
    const hostKey = h.keyPair("dom0_host_key", "hvnetlab-xen-dom0");
    const seedDir = path.join(h.dir, "seed");
    rmSync(seedDir, { recursive: true, force: true });
    mkdirSync(seedDir);
    writeFileSync(path.join(seedDir, "authorized_keys"), `${key.publicKey}\n`);
    writeFileSync(path.join(seedDir, "ssh_host_ed25519_key"), readFileSync(path.join(h.dir, "dom0_host_key")));
    writeFileSync(path.join(seedDir, "ssh_host_ed25519_key.pub"), `${hostKey}\n`);
    const seed = path.join(h.dir, "seed.raw");
    const overlay = path.join(h.dir, "dom0.qcow2");
    for (const f of [seed, overlay]) rmSync(f, { force: true });
    h.run("truncate", ["-s", "8M", seed]);
    h.file(seed);
    h.run("mkfs.ext4", ["-q", "-d", seedDir, seed]);
    rmSync(seedDir, { recursive: true, force: true });
    h.run("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", host.disk, overlay]);
    h.file(overlay);
    h.knownHost(DOM0_ADDRESS, hostKey);
    return { key, seed, overlay };
}

/** Starts QEMU with Xen and dom0 (TCG), a NIC on each tap; returns the file its serial console goes to. */
function bootXenHost(h: LabHost, host: XenHostImage, taps: readonly string[], disks: Dom0Disks): string {
    const consoleLog = path.join(h.dir, "xen-console.log");
    rmSync(consoleLog, { force: true });
    h.log(`booting Xen 4.17 and dom0 under QEMU (TCG); console in ${consoleLog}`);
    h.start(
        "the Xen host (QEMU)",
        [
            "qemu-system-x86_64",
            "-name",
            "hvx-xenhost",
            "-machine",
            "q35,accel=tcg",
            "-cpu",
            h.options.cpu,
            "-smp",
            "2",
            "-m",
            String(HOST_MEMORY_MIB),
            "-display",
            "none",
            "-serial",
            `file:${consoleLog}`,
            "-monitor",
            "none",
            "-kernel",
            host.xen,
            "-append",
            host.xenCmdline,
            "-initrd",
            `${host.kernel} ${host.dom0Cmdline},${host.initrd}`,
            "-drive",
            `file=${disks.overlay},format=qcow2,if=virtio`,
            "-drive",
            `file=${disks.seed},format=raw,if=virtio,readonly=on`,
            ...taps.flatMap((tap, i) => [
                "-netdev",
                `tap,id=n${i},ifname=${tap},script=no,downscript=no`,
                "-device",
                `virtio-net-pci,netdev=n${i},mac=${mac(i)}`,
            ]),
        ],
        "qemu-system-x86",
    );
    h.file(consoleLog);
    return consoleLog;
}

/**
 * Waits for dom0 to answer SSH (BOOT_TIMEOUT_S, then throws LabError with the console's last
 * line) and for its libvirtd with the libxl driver; logs Xen's version and virt_caps.
 */
async function waitForDom0(h: LabHost, consoleLog: string): Promise<void> {
    const started = Date.now();
    for (;;) {
        if (await listening(DOM0_ADDRESS, 22, 15000)) break;
        const s = Math.round((Date.now() - started) / 1000);
        if (s > BOOT_TIMEOUT_S)
            throw new LabError(
                `dom0 does not answer SSH on ${DOM0_ADDRESS}:22 after ${s} s; its console's last line: ${consoleTail(consoleLog)}`,
            );
        h.log(`waiting for dom0 (${s} s): ${consoleTail(consoleLog)}`);
    }
    h.log(`dom0 answers SSH after ${Math.round((Date.now() - started) / 1000)} s`);
    await waitForLibxl(h, 180);
    const info = inDom0(h, "xl info");
    const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, "m").exec(info)?.[1] ?? "?";
    h.log(
        `Xen ${field("xen_version")}, virt_caps ${field("virt_caps")}, libvirtd with libxl after ${Math.round((Date.now() - started) / 1000)} s`,
    );
}

/**
 * What a real Xen host of the stack has: the guests' kernel and initrd in dom0 where the guest
 * block says; the guest image the stack uploads from this machine; and the stack's guest key and
 * SSH private key.
 */
function placeGuestFiles(h: LabHost, guest: GuestImage, key: Dom0Disks["key"]): void {
    for (const [from, to] of [
        [guest.kernel, `${BOOT}/hvnetlab-vmlinuz`],
        [guest.initrd, `${BOOT}/hvnetlab-initrd.img`],
    ]) {
        inDom0(h, `mkdir -p ${BOOT} && cat > ${to}`, { input: readFileSync(from) });
    }
    // The guest image the stack uploads from this machine.
    h.linkGuestImage(guest.disk);
    h.set("hvnetlab:guest.sshPublicKey", key.publicKey.replace(/ [^ ]*$/, " bench@hvnetlab"), { path: true });
    h.secret("hvnetlab:sshPrivateKey", key.privateKey);
}

const lab: Lab = {
    name: "xen",
    stack: "xen-qemu",
    linkPrefix: "hvx-",
    root: true,
    needs: ["qemu-system-x86_64", "qemu-img", "mkfs.ext4", "sshd", "ssh", "ssh-keygen", "ip", "tc", "genisoimage"],

    async setUp(h: LabHost) {
        const host = ensureXenHostImage((l) => h.log(l));
        const guest = ensureGuestImage((l) => h.log(l));
        mkdirSync(h.dir, { recursive: true });
        const taps = await cable(h);
        const disks = dom0Disks(h, host);
        const consoleLog = bootXenHost(h, host, taps, disks);
        await waitForDom0(h, consoleLog);
        placeGuestFiles(h, guest, disks.key);
    },

    options: {
        cpu: {
            help: "MODEL",
            about: "QEMU's CPU model for the Xen host (docs/labs.md: on an SVM model Xen offers HVM, but libvirtd's libxl driver does not start)",
            pattern: /^[A-Za-z0-9_-]+(,[+-]?[a-z0-9_-]+)*$/,
            default: HOST_CPU,
        },
        "bad-input": {
            help: "yes|no",
            about: "also run the bad inputs against the standing Xen host before the stack",
            pattern: /^(yes|no)$/,
            default: "yes",
        },
    },

    async run(h, s) {
        const problems = h.options["bad-input"] === "yes" ? await badInputs(h, s) : [];
        h.log("pulumi up of the whole stack, under the policy pack");
        rmSync(outputsFile(s.stack), { force: true }); // no earlier run's results
        return [...problems, ...(await upAndCheck(lab, h, s.env))];
    },

    check(outputs) {
        const problems: string[] = [];
        const endpoints = (outputs.results?.endpoints ?? {}) as Record<string, { facts?: { hypervisor?: string; guestType?: string } }>;
        for (const [name, e] of Object.entries(endpoints)) {
            if (!name.startsWith("g")) continue;
            const f = e.facts ?? {};
            if (!/^xen 4\.17/i.test(f.hypervisor ?? "")) problems.push(`guest ${name}'s facts do not name Xen 4.17: ${JSON.stringify(f)}`);
            if (!/^pv$/i.test(f.guestType ?? "")) problems.push(`guest ${name}'s facts do not say PV: ${JSON.stringify(f)}`);
        }
        return problems;
    },

    leftovers(h) {
        if (!run("pgrep", ["-f", "hvx-xenhost"], { allowFail: true })) return ["the Xen host is not running: dom0 cannot be checked"];
        const left: string[] = [];
        const virsh = (args: string) => inDom0(h, `virsh -c xen:///system ${args}`, { allowFail: true });
        for (const d of virsh("list --all --name").split("\n")) if (d.startsWith("hvx-")) left.push(`dom0: domain ${d}`);
        for (const p of virsh("pool-list --all --name").split("\n")) if (p.trim() === "hvx") left.push(`dom0: pool ${p.trim()}`);
        if (inDom0(h, "test -e /var/lib/libvirt/images/hvx && echo yes || true").trim() === "yes")
            left.push("dom0: pool folder /var/lib/libvirt/images/hvx");
        for (const l of inDom0(h, "ip -o link show").split("\n")) {
            const name = /^\d+: ([^:@]+)/.exec(l)?.[1];
            if (name?.startsWith("hvxbr") || name?.startsWith("vif")) left.push(`dom0: link ${name}`);
            if (name && /^eth[1-9]/.test(name) && / master /.test(l))
                left.push(`dom0: ${name} is still enslaved (${/ master (\S+)/.exec(l)?.[1]})`);
        }
        return left;
    },

    // What the stack made in dom0 goes with dom0; the peer's wires are on this machine.
    dedicatedNics: () => peerWires(),
};

/** The peer's wire NICs (in hvx-peer, on this machine), whose state before the lab the stack saves. */
function peerWires(): string[] {
    return Array.from({ length: GUESTS }, (_, i) => `wire${i}`);
}

export default lab;

if (require.main === module) main(lab);
