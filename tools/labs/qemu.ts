// npm run lab:qemu [-- --keep | --down]: the kvm stack (stacks/Pulumi.qemu.yaml: platform kvm,
// libvirt.domainType qemu) through the real engine, with what a real KVM host and peer already have:
//   - libvirtd and virtlogd, started (and later stopped, by pid) if not running; libvirtd in a mount
//     namespace where /dev/kvm is hidden: KVM does not work here, and a /dev/kvm that libvirt cannot
//     use makes it re-probe QEMU on every domain definition (30 s each);
//   - the hypervisor host reached over SSH: sshd on 10.213.0.1, the management bridge hvq-mgmt;
//   - the peer: namespace hvq-peer with its own sshd on 10.213.0.2, cabled to the bridge;
//   - a dedicated "pNIC" per guest: veth hvq-pnicN on the host, its other end wireN in the peer,
//     shaped to 1 GbE as the native lab's wires (ethernetShaping);
//   - the guest image (tools/images/guest-image.ts), the kernel and initrd under /var/lib/libvirt/boot.
// Checks: every run ok, and the guests' facts name QEMU; no domain, pool or macvtap left by destroy.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "fs";
import * as path from "path";
import type { NicPath, RunResult } from "../../model";
import { ensureGuestImage } from "../images";
import { LabError } from "./lab-error";
import type { Lab, LabHost } from "./lab-host";
import { ethernetShaping, managementNet } from "./lab-network";
import { main, upAndCheck } from "./run-lab";
import type { StackRun } from "./stack";
import { readOutputs } from "./stack";
import { run, sleepMs } from "./this-machine";
import type { PlannedStep } from "./preview";
import { plannedChanges, replaced } from "./preview";

const BOOT = "/var/lib/libvirt/boot";
/** libvirtd's read-write socket: the daemon is ready once it is there. */
const LIBVIRT_SOCKET = "/var/run/libvirt/libvirt-sock";
const NET = managementNet("hvq", "10.213.0");
/** The qemu stack's hvnetlab:guests, hvnetlab:nicSpeedMbps and hvnetlab:mtu. */
const GUESTS = 2;
const SPEED_MBPS = 1000;
const WIRE_MTU = 1500;

const running = (comm: string) => run("pgrep", ["-x", comm], { allowFail: true }) !== "";

const lab: Lab = {
    name: "qemu",
    stack: "qemu",
    linkPrefix: "hvq-",
    root: true,
    needs: ["libvirtd", "virtlogd", "qemu-system-x86_64", "sshd", "ssh-keygen", "ip", "genisoimage"],

    async setUp(h: LabHost) {
        const image = ensureGuestImage((l) => h.log(l));
        mkdirSync(BOOT, { recursive: true });
        for (const [from, to] of [
            [image.kernel, path.join(BOOT, "hvnetlab-vmlinuz")],
            [image.initrd, path.join(BOOT, "hvnetlab-initrd.img")],
        ]) {
            copyFileSync(from, to);
            h.file(to);
        }
        h.linkGuestImage(image.disk);

        if (!running("virtlogd")) h.start("virtlogd", ["virtlogd"], "virtlogd");
        if (!running("libvirtd")) {
            h.log("starting libvirtd with /dev/kvm hidden from it");
            const mask = existsSync("/dev/kvm") ? "mount --bind /dev/null /dev/kvm && " : "";
            h.start("libvirtd", ["unshare", "--mount", "--propagation", "private", "sh", "-c", `${mask}exec libvirtd`], "libvirtd");
            for (let i = 0; i < 100 && !existsSync(LIBVIRT_SOCKET); i++) sleepMs(100);
            if (!existsSync(LIBVIRT_SOCKET))
                throw new LabError(
                    `libvirtd started but opened no ${LIBVIRT_SOCKET} within 10 s (the setup is undone): run \`libvirtd\` by hand to see why`,
                );
        }

        h.log(`management bridge ${NET.bridge} (${NET.host}), peer namespace ${NET.peerNs} (${NET.peer}), ${GUESTS} pNICs`);
        h.bridge(NET.bridge, `${NET.host}/24`);
        await h.sshd("host", undefined, NET.host);
        await h.machine("peer", NET.peerNs, NET, "hvq-pm", NET.peer);
        for (let i = 0; i < GUESTS; i++) {
            h.veth(`hvq-pnic${i}`, undefined, `wire${i}`, NET.peerNs);
            h.link(undefined, `hvq-pnic${i}`, "up");
            h.link(NET.peerNs, `wire${i}`, "up");
            // Each wire a 1 GbE link as the native lab's (the guest's macvtap sends through its
            // pNIC's qdisc), so the labs of the study share their wires.
            h.run("tc", ["qdisc", "add", "dev", `hvq-pnic${i}`, "root", ...ethernetShaping(SPEED_MBPS, WIRE_MTU)]);
            h.run("tc", ["qdisc", "add", "dev", `wire${i}`, "root", ...ethernetShaping(SPEED_MBPS, WIRE_MTU)], { ns: NET.peerNs });
        }
        // The host and peer are known (the harness's known_hosts); the guests' keys are new on
        // every boot (the stack's accept-new).
        const key = h.clientKey();
        h.set("hvnetlab:guest.sshPublicKey", key.publicKey.replace(/ [^ ]*$/, " bench@hvnetlab"), { path: true });
        h.secret("hvnetlab:sshPrivateKey", key.privateKey);
    },

    // The stack's up and checks, then what a user expects of the standing lab under the official
    // provider's diff: an unchanged lab plans no change, and a changed pNIC replaces its guest only.
    async run(h, s) {
        const problems = await upAndCheck(lab, h, s.env);
        return problems.length > 0 ? problems : standingLabProblems(h, s);
    },

    check(outputs) {
        const problems: string[] = [];
        const endpoints = (outputs.results?.endpoints ?? {}) as Record<string, { facts?: unknown }>;
        for (const [name, e] of Object.entries(endpoints)) {
            if (!name.startsWith("g")) continue;
            const facts = JSON.stringify(e.facts ?? {});
            if (!/qemu/i.test(facts)) problems.push(`guest ${name}'s facts do not name QEMU: ${facts}`);
        }
        problems.push(...kvmHostCpuProblems(outputs.results?.runs ?? []));
        // The host's view of the NIC path the results are labelled with: libvirt's domain XML.
        const path = outputs.results?.comparable?.nicPath;
        if (path) for (let i = 1; i <= GUESTS; i++) problems.push(...domainPathProblems(`hvq-g${i}`, domainNicView(`hvq-g${i}`), path));
        return problems;
    },

    leftovers() {
        const left: string[] = [];
        const virsh = (args: string[]) => (running("libvirtd") ? run("virsh", ["-c", "qemu:///system", ...args], { allowFail: true }) : "");
        for (const d of virsh(["list", "--all", "--name"]).split("\n")) if (d.startsWith("hvq-")) left.push(`domain ${d}`);
        for (const p of virsh(["pool-list", "--all", "--name"]).split("\n")) if (p.trim() === "hvq") left.push(`pool ${p}`);
        if (existsSync("/var/lib/libvirt/images/hvq")) left.push("pool folder /var/lib/libvirt/images/hvq");
        if (!running("libvirtd")) left.push(...definitionFiles().map((f) => `libvirt definition ${f}`));
        for (const l of run("ip", ["-o", "link", "show"], { allowFail: true }).split("\n")) {
            const name = /^\d+: ([^:@]+)/.exec(l)?.[1];
            if (name?.startsWith("macvtap")) left.push(`link ${name}`);
        }
        return left;
    },

    // The stack's domains and pool are libvirt's persistent definitions, and the pool autostarts: left
    // there, the next run's `pulumi up` would find them existing. With no libvirtd running (a killed
    // run taken down with --down), its definition files are removed, as `virsh undefine` would.
    cleanUp() {
        if (running("libvirtd")) {
            const virsh = (args: string[]) => run("virsh", ["-c", "qemu:///system", ...args], { allowFail: true });
            for (const d of virsh(["list", "--all", "--name"])
                .split("\n")
                .filter((d) => d.startsWith("hvq-"))) {
                virsh(["destroy", d]);
                virsh(["undefine", d]);
            }
            virsh(["pool-destroy", "hvq"]);
            virsh(["pool-undefine", "hvq"]);
        } else for (const f of definitionFiles()) rmSync(f, { force: true });
        rmSync("/var/lib/libvirt/images/hvq", { recursive: true, force: true });
    },

    dedicatedNics: () => dedicatedNics(),
};

/** What libvirt's domain XML says of a guest's benchmark NIC (the interface not on the management bridge) and its vCPUs. */
export interface DomainNicView {
    /** `<model type=...>`; undefined where the interface has none (a VF handed over). */
    readonly model?: string;
    /** `<driver queues=...>`; undefined where absent (one queue pair). */
    readonly queues?: number;
    /** How many `<vcpupin>` the domain's `<cputune>` holds. */
    readonly vcpupins: number;
}

/** The domain's view, from `virsh dumpxml --xpath` on the lab's libvirtd. */
function domainNicView(domain: string): DomainNicView {
    const xpath = (expr: string) => run("virsh", ["-c", "qemu:///system", "dumpxml", domain, "--xpath", expr], { allowFail: true });
    const bench = `//devices/interface[not(source/@bridge='${NET.bridge}')]`;
    const model = /type="([^"]+)"/.exec(xpath(`${bench}/model/@type`))?.[1];
    const queues = /queues="(\d+)"/.exec(xpath(`${bench}/driver/@queues`))?.[1];
    return {
        model,
        queues: queues === undefined ? undefined : Number(queues),
        vcpupins: (xpath("//cputune/vcpupin").match(/<vcpupin /g) ?? []).length,
    };
}

/**
 * How a domain, as libvirt holds it, differs from the NIC path its results are labelled with: the
 * device model, the queue pairs (libvirt's default is one) and whether its vCPUs are pinned. A VF
 * handed over has no model to compare.
 */
export function domainPathProblems(domain: string, view: DomainNicView, path: NicPath): string[] {
    const problems: string[] = [];
    if (path.attach !== "hostdev" && view.model !== path.model)
        problems.push(
            `${domain}'s benchmark NIC is ${view.model ? `a ${view.model}` : "no model"} in libvirt, but the NIC path says ${path.model}`,
        );
    if ((view.queues ?? 1) !== path.queues)
        problems.push(`${domain}'s benchmark NIC has ${view.queues ?? 1} queue pair(s) in libvirt, but the NIC path says ${path.queues}`);
    if (view.vcpupins > 0 !== path.pinned)
        problems.push(
            `${domain} has ${view.vcpupins} vCPU pin(s) in libvirt, but the NIC path says ${path.pinned ? "pinned" : "not pinned"}`,
        );
    return problems;
}

/** libvirt's files of the stack's persistent definitions (pool hvq, domains hvq-*) on this machine. */
function definitionFiles(): string[] {
    const files = ["/etc/libvirt/storage/hvq.xml", "/etc/libvirt/storage/autostart/hvq.xml"].filter((f) => existsSync(f));
    for (const dir of ["/etc/libvirt/qemu", "/etc/libvirt/qemu/autostart"])
        if (existsSync(dir))
            files.push(
                ...readdirSync(dir)
                    .filter((f) => /^hvq-.*\.xml$/.test(f))
                    .map((f) => path.join(dir, f)),
            );
    return files;
}

/** The dedicated NICs the stack saves the state of: the host's pNICs and the peer's wires. */
function dedicatedNics(): string[] {
    return Array.from({ length: GUESTS }, (_, i) => [`hvq-pnic${i}`, `wire${i}`]).flat();
}

/**
 * What the KVM host's CPU figures lack in a run that measured: the host's /proc/stat figures
 * (machine "host", a hypervisor) and, for every guest of the run, its QEMU vCPU thread.
 */
export function kvmHostCpuProblems(runs: readonly RunResult[]): string[] {
    const problems: string[] = [];
    for (const r of runs) {
        if (r.status === "failed") continue;
        const host = r.cpu?.machines.find((m) => m.machine === "host" && m.role === "hypervisor");
        if (!host) problems.push(`run ${r.id} has no KVM host CPU figures (missing: ${r.cpu?.missing.join("; ") ?? "no CPU figures"})`);
        for (const g of new Set(r.streams.map((s) => s.endpoint))) {
            const threads = (r.cpu?.hostThreads ?? []).filter((t) => t.guest === g);
            if (!threads.some((t) => t.thread.startsWith("vCPU ")))
                problems.push(
                    `run ${r.id} has no QEMU vCPU thread of ${g} on the host (${threads.map((t) => t.label).join(", ") || "no thread"})`,
                );
        }
    }
    return problems;
}

/**
 * What a preview with guest 2's pNIC changed must replace, by the NIC path's attachment: on
 * macvtap (or passthrough) guest 2's Domain alone, whose NIC names the pNIC (the program's
 * replaceOnChanges over the provider's in-place NIC update); on a bridge no Domain (its NIC names
 * the bridge, which stays) but the host's bridge command of guest 2 alone, which enslaves the new
 * pNIC. Returns the problems, empty when the plan is that.
 */
export function pnicChangeProblems(steps: readonly PlannedStep[], attach: string): string[] {
    const domains = replaced(steps, "libvirt:index/domain:Domain");
    const commands = replaced(steps, "command:remote:Command");
    if (attach === "bridge") {
        const bridges = commands.filter((c) => /-host-bridge-\d+$/.test(c));
        return domains.length === 0 && bridges.length === 1 && bridges[0].endsWith("-host-bridge-2")
            ? []
            : [
                  `changing guest 2's pNIC on a bridge replaces the Domains [${domains.join(", ")}] and the bridges [${bridges.join(", ")}], not guest 2's bridge alone`,
              ];
    }
    return domains.length === 1 && domains[0].endsWith("-domain-g2")
        ? []
        : [`changing guest 2's pNIC replaces the Domains [${domains.join(", ")}], not guest 2's alone`];
}

/**
 * `pulumi preview` twice on the standing lab: unchanged, it must plan nothing (the Domains'
 * cmdlines in the form the official provider reads back); with guest 2's pNIC changed
 * (hvnetlab:host.nics[1]), it must replace what carries guest 2's NIC alone (pnicChangeProblems,
 * by the run's NIC path). The config is set back after.
 */
async function standingLabProblems(h: LabHost, s: StackRun): Promise<string[]> {
    const preview = async (what: string) => {
        h.log(`pulumi preview: ${what}`);
        const r = await s.pulumi(["preview", "--stack", s.stack, "--json", "--non-interactive"]);
        if (r.code !== 0)
            throw new LabError(
                `pulumi preview (${what}) exited ${r.code}: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" ")}`,
            );
        return plannedChanges(r.stdout);
    };
    const problems: string[] = [];
    const again = await preview("the unchanged lab");
    if (again.length > 0)
        problems.push(`a second pulumi up of the unchanged lab would change: ${again.map((c) => `${c.op} ${c.name}`).join(", ")}`);
    const attach = readOutputs(s.stack)?.results?.comparable?.nicPath?.attach ?? "macvtap";
    s.set("hvnetlab:host.nics[1]", "hvq-pnic9", true);
    try {
        const found = pnicChangeProblems(await preview(`guest 2's pNIC changed (attach ${attach})`), attach);
        problems.push(...found);
        if (found.length === 0)
            h.log(`pulumi preview: guest 2's pNIC changed replaces what carries guest 2's NIC alone (attach ${attach})`);
    } finally {
        s.set("hvnetlab:host.nics[1]", "hvq-pnic1", true);
    }
    return problems;
}

export default lab;

if (require.main === module) main(lab);
