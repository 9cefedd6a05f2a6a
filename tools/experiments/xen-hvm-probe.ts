// `npx ts-node --transpile-only tools/experiments/xen-hvm-probe.ts [--cpu MODEL ...]` (root): can a
// Xen host under QEMU (TCG) offer HVM guests through libvirt's libxl driver, as the official libvirt
// provider needs (it builds every Domain as hvm and looks `hvm/x86_64` up in the host's
// capabilities)? lab:xen's Debian 12 dom0 (Xen 4.17, libvirt 9.0) cannot: on the CPU models where
// TCG gives Xen AMD SVM, libvirt 9.0 does not decode the host CPU and its libxl driver does not start.
// This probe boots a Debian 13 dom0 (Xen 4.20, libvirt 11) on each CPU model given, and prints what
// dom0 reports: Xen's version, virt_caps and hw_caps, whether libvirt's xen:///system answers, the
// guest types and machines of its capabilities, and libvirt's log. The image is built once into
// ${HVNETLAB_CACHE:-~/.cache/hvnetlab}/xen-hvm-probe/<hash of the recipe>/ (debootstrap; minutes).
import { spawn } from "child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { execFileSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { BOOTABLE_PACKAGES, buildInto, debootstrap, maskUnits, QUIET_UNITS, recipeDir, takeBootFiles, tidyRootfs } from "../images";

/** The CPU models tried by default: those on which Xen 4.17 under TCG reported `virt_caps: pv hvm` (docs/labs.md). */
const DEFAULT_CPUS = ["EPYC,-monitor,-smap", "Opteron_G3,+svm,+npt"];
const BEGIN = "=== hvnetlab hvm probe begin";
const END = "=== hvnetlab hvm probe end";
/** How long one boot may take, to the probe's end (TCG: Xen, dom0 and libvirtd). */
const BOOT_TIMEOUT_S = 600;

/**
 * What dom0 runs once booted, from the seed disk (/dev/vdb), so that the probe changes without a
 * new image: prints what dom0 reports to the console, then powers off. Every libvirt call is bounded.
 */
const PROBE_SCRIPT = `#!/bin/sh
exec > /dev/hvc0 2>&1
echo "${BEGIN}"
xl info | grep -E '^(xen_version|xen_caps|virt_caps|hw_caps)'
systemctl is-active libvirtd virtxend virtqemud 2>&1 | tr '\\n' ' '; echo
ok=no
for i in $(seq 1 12); do if timeout 20 virsh -c xen:///system version >/dev/null 2>&1; then ok=yes; break; fi; sleep 5; done
echo "libvirt xen:///system answers: $ok"
timeout 30 virsh -c xen:///system version
timeout 60 virsh -c xen:///system capabilities | grep -E '<os_type>|<arch name|<machine|<domain type|<model>'
journalctl -b --no-pager -u libvirtd -u virtxend 2>/dev/null | grep -iE 'error|fail|cpu' | tail -20
echo "${END}"
systemctl poweroff
`;

/** Everything that decides the probe image: a Debian 13 dom0 with Xen 4.20 and libvirt 11. */
export const PROBE_RECIPE = {
    suite: "trixie",
    mirror: "http://deb.debian.org/debian",
    components: ["main"],
    packages: [
        ...BOOTABLE_PACKAGES,
        "procps",
        "dbus",
        "libpam-systemd",
        "xen-hypervisor-4.20-amd64",
        "xen-utils-4.20",
        "libvirt-daemon-system",
        "libvirt-daemon-driver-xen",
        "libvirt-clients",
        // libvirt-daemon-driver-qemu depends on qemu-kvm | qemu-system, and debootstrap takes no alternative.
        "qemu-system-x86",
    ],
    diskMiB: 4096,
    files: {
        "etc/hostname": "xenprobe\n",
        "etc/fstab": "/dev/vda / ext4 defaults 0 1\n",
        // The probe itself comes from the seed disk at each boot (PROBE_SCRIPT).
        "usr/local/sbin/hvnetlab-hvm-probe":
            "#!/bin/sh\nset -e\nmkdir -p /run/probe\nmount -o ro /dev/vdb /run/probe\nexec sh /run/probe/probe.sh\n",
        "etc/systemd/system/hvnetlab-hvm-probe.service": [
            "[Unit]",
            "Description=What this Xen host offers libvirt",
            "After=xen.service libvirtd.service virtxend.service",
            "Wants=xen.service",
            "",
            "[Service]",
            "Type=oneshot",
            "ExecStart=/usr/local/sbin/hvnetlab-hvm-probe",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ].join("\n"),
    } as Record<string, string>,
    xenCmdline: "console=com1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1",
    dom0Cmdline: "root=/dev/vda rw console=hvc0",
} as const;

/** The probe image, built first if missing: its disk, Xen (ELF) and dom0's kernel and initrd. */
function ensureProbeImage(log: (line: string) => void): { disk: string; xen: string; kernel: string; initrd: string } {
    const dir = recipeDir("xen-hvm-probe", PROBE_RECIPE);
    const image = {
        disk: path.join(dir, "dom0.raw"),
        xen: path.join(dir, "xen.elf"),
        kernel: path.join(dir, "vmlinuz"),
        initrd: path.join(dir, "initrd.img"),
    };
    if (Object.values(image).every((f) => existsSync(f))) return image;
    log(`building the probe's dom0 (Debian ${PROBE_RECIPE.suite}, Xen 4.20, libvirt 11) into ${dir}`);
    buildInto(dir, (staging, rootfs) => {
        debootstrap(rootfs, PROBE_RECIPE, log);
        for (const [file, text] of Object.entries(PROBE_RECIPE.files)) {
            mkdirSync(path.dirname(path.join(rootfs, file)), { recursive: true });
            writeFileSync(path.join(rootfs, file), text);
        }
        chmodSync(path.join(rootfs, "usr/local/sbin/hvnetlab-hvm-probe"), 0o755);
        const wants = path.join(rootfs, "etc/systemd/system/multi-user.target.wants");
        mkdirSync(wants, { recursive: true });
        symlinkSync("/etc/systemd/system/hvnetlab-hvm-probe.service", path.join(wants, "hvnetlab-hvm-probe.service"));
        maskUnits(rootfs, QUIET_UNITS);
        tidyRootfs(rootfs);
        const xen = readdirSync(path.join(rootfs, "boot")).find((f) => /^xen-4\.20.*\.gz$/.test(f));
        if (!xen) throw new Error(`no Xen 4.20 in ${rootfs}/boot: ${readdirSync(path.join(rootfs, "boot")).join(", ")}`);
        takeBootFiles(rootfs, staging, "the probe's dom0");
        writeFileSync(
            path.join(staging, "xen.elf"),
            execFileSync("gzip", ["-dc", path.join(rootfs, "boot", xen)], { maxBuffer: 64 << 20 }),
        );
        execFileSync("truncate", ["-s", `${PROBE_RECIPE.diskMiB}M`, path.join(staging, "dom0.raw")]);
        execFileSync("mkfs.ext4", ["-q", "-L", "dom0", "-d", rootfs, path.join(staging, "dom0.raw")]);
    });
    return image;
}

/** Boots the probe on one CPU model; resolves with the probe's section of the console, or what the console last said. */
function probe(cpu: string, image: ReturnType<typeof ensureProbeImage>, log: (line: string) => void): Promise<string> {
    const consoleLog = path.join(os.tmpdir(), `hvnetlab-hvm-probe-${process.pid}.log`);
    rmSync(consoleLog, { force: true });
    const seedDir = path.join(os.tmpdir(), `hvnetlab-hvm-probe-seed-${process.pid}`);
    mkdirSync(seedDir, { recursive: true });
    writeFileSync(path.join(seedDir, "probe.sh"), PROBE_SCRIPT);
    const seed = `${seedDir}.raw`;
    rmSync(seed, { force: true });
    execFileSync("truncate", ["-s", "8M", seed]);
    execFileSync("mkfs.ext4", ["-q", "-d", seedDir, seed]);
    const qemu = spawn(
        "qemu-system-x86_64",
        [
            ...["-machine", "q35,accel=tcg", "-cpu", cpu, "-smp", "2", "-m", "2048", "-display", "none", "-monitor", "none"],
            ...["-serial", `file:${consoleLog}`, "-no-reboot", "-kernel", image.xen, "-append", PROBE_RECIPE.xenCmdline],
            ...["-initrd", `${image.kernel} ${PROBE_RECIPE.dom0Cmdline},${image.initrd}`],
            ...["-drive", `file=${image.disk},format=raw,if=virtio,snapshot=on`],
            ...["-drive", `file=${seed},format=raw,if=virtio,readonly=on`],
        ],
        { stdio: "ignore" },
    );
    const started = Date.now();
    return new Promise((resolve) => {
        const tick = setInterval(() => {
            const text = existsSync(consoleLog) ? readFileSync(consoleLog, "latin1") : "";
            const done = text.includes(END);
            const timedOut = Date.now() - started > BOOT_TIMEOUT_S * 1000;
            if (!done && !timedOut && qemu.exitCode === null) {
                if (Math.round((Date.now() - started) / 1000) % 60 < 5)
                    log(`${cpu}: ${Math.round((Date.now() - started) / 1000)} s: ${text.trim().split("\n").pop()?.slice(0, 120) ?? ""}`);
                return;
            }
            clearInterval(tick);
            qemu.kill("SIGKILL");
            const at = text.indexOf(BEGIN);
            const tail = text.trim().split("\n").slice(-15).join("\n");
            resolve(
                at >= 0
                    ? text.slice(at, text.indexOf(END) >= 0 ? text.indexOf(END) + END.length : undefined)
                    : `no probe output (${timedOut ? `timed out after ${BOOT_TIMEOUT_S} s` : `QEMU exited ${qemu.exitCode}`}); the console's last lines:\n${tail}`,
            );
            for (const f of [consoleLog, seed, seedDir]) rmSync(f, { recursive: true, force: true });
        }, 5000);
    });
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { cpu: { type: "string", multiple: true } }, strict: true });
    const log = (l: string) => process.stderr.write(`xen-hvm-probe: ${l}\n`);
    const image = ensureProbeImage(log);
    for (const cpu of values.cpu ?? DEFAULT_CPUS) {
        log(`booting Xen 4.20 and a Debian 13 dom0 on -cpu ${cpu}`);
        process.stdout.write(`\n## -cpu ${cpu}\n${await probe(cpu, image, log)}\n`);
    }
}

if (require.main === module)
    main().catch((e: Error) => {
        process.stderr.write(`xen-hvm-probe: ${e.message}\n`);
        process.exit(1);
    });
