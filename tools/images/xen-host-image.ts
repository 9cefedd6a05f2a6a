// The Xen host of the xen lab (npm run lab:xen): Debian 12's Xen 4.17 hypervisor and a Debian 12
// dom0 with what a real Xen host of the xen stack has: xen-utils (xl, xentop, xenstored),
// libvirtd with the libxl driver, qemu-system-xen (libxl's disk backend for qcow2 volumes),
// qemu-utils (libvirt's volumes with a backing store), OpenSSH, netperf, ethtool and bridge
// support. Built once per recipe with debootstrap and mkfs.ext4 -d (no loop device), kept in
//   ${HVNETLAB_CACHE:-~/.cache/hvnetlab}/xen-host/<hash of the recipe>/{dom0.raw,xen.elf,vmlinuz,initrd.img}
// The lab boots xen.elf under QEMU (TCG) with vmlinuz and initrd.img as dom0's kernel (a
// multiboot module) on a copy-on-write overlay of dom0.raw, so the cached image is never written.
// dom0's SSH keys are not in the image: each boot reads them from a small seed disk (/dev/vdb) the
// lab writes (hvnetlab-seed.service), so every lab has its own host key and client key.
// `ts-node tools/images/xen-host-image.ts` builds it by hand.
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "fs";
import { execFileSync } from "child_process";
import * as path from "path";
import { onPath } from "../engine";
import {
    BOOTABLE_PACKAGES,
    buildInto,
    debootstrap,
    maskUnits,
    QUIET_UNITS,
    recipeDir,
    run as step,
    takeBootFiles,
    tidyRootfs,
} from "./guest-image";

/** dom0's management address on the lab's management network (its bridge xenbr0 enslaves eth0). */
export const DOM0_ADDRESS = "10.219.0.10";

/** The seed script dom0 runs before sshd: the lab's keys from the seed disk. */
const SEED_SCRIPT = `#!/bin/sh
# The xen lab's keys for this boot, from the seed disk it attaches as /dev/vdb.
set -e
mkdir -p /run/hvnetlab-seed
mount -o ro /dev/vdb /run/hvnetlab-seed
install -d -m 700 /root/.ssh
install -m 600 /run/hvnetlab-seed/authorized_keys /root/.ssh/authorized_keys
install -m 600 /run/hvnetlab-seed/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
install -m 644 /run/hvnetlab-seed/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ed25519_key.pub
umount /run/hvnetlab-seed
`;

/** Everything that decides the image's content: change any of it and the image is rebuilt. */
export const XEN_HOST_RECIPE = {
    suite: "bookworm",
    mirror: "http://deb.debian.org/debian",
    components: ["main", "non-free"],
    // dbus and libpam-systemd: without them systemd-container and polkitd (libvirt's
    // dependencies) stay unconfigured in a minbase root filesystem.
    packages: [
        ...BOOTABLE_PACKAGES,
        "procps",
        "dbus",
        "libpam-systemd",
        "openssh-server",
        "netperf",
        "ethtool",
        "bridge-utils",
        "xen-hypervisor-4.17-amd64",
        "xen-utils-4.17",
        "libvirt-daemon-system",
        "libvirt-daemon-driver-xen",
        "qemu-system-xen",
        "qemu-utils",
    ],
    diskMiB: 4096,
    files: {
        "etc/hostname": "xenhost\n",
        "etc/fstab": "/dev/vda / ext4 defaults,errors=remount-ro 0 1\n",
        "etc/network/interfaces": [
            "auto lo",
            "iface lo inet loopback",
            "",
            "# The management NIC, in the bridge the guests' management NICs join.",
            "auto xenbr0",
            "iface xenbr0 inet static",
            `    address ${DOM0_ADDRESS}/24`,
            "    bridge_ports eth0",
            "    bridge_stp off",
            "    bridge_fd 0",
            "",
        ].join("\n"),
        "usr/local/sbin/hvnetlab-seed": SEED_SCRIPT,
        "etc/systemd/system/hvnetlab-seed.service": [
            "[Unit]",
            "Description=The xen lab's SSH keys from its seed disk",
            "Requires=dev-vdb.device",
            "After=dev-vdb.device",
            "Before=ssh.service",
            "",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            "ExecStart=/usr/local/sbin/hvnetlab-seed",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ].join("\n"),
        // libvirt's libxl driver needs xenstored: start libvirtd after Xen's daemons.
        "etc/systemd/system/libvirtd.service.d/after-xen.conf": "[Unit]\nAfter=xen.service\nWants=xen.service\n",
        "etc/ssh/sshd_config.d/hvnetlab.conf": "PasswordAuthentication no\nMaxSessions 64\nMaxStartups 64:30:128\n",
    } as Record<string, string>,
    enable: [["hvnetlab-seed.service", "multi-user.target.wants"]],
    masked: QUIET_UNITS,
    /** The hypervisor's command line: dom0 gets 1 GiB and one vCPU, as the study's dom0. */
    xenCmdline: "console=com1 dom0_mem=1024M,max:1024M dom0_max_vcpus=1",
    dom0Cmdline: "root=/dev/vda rw console=hvc0 net.ifnames=0",
} as const;

export interface XenHostImage {
    /** dom0's root file system (raw ext4); the lab boots an overlay of it. */
    readonly disk: string;
    /** Xen 4.17 (ELF, multiboot), from xen-hypervisor-4.17-amd64. */
    readonly xen: string;
    readonly kernel: string;
    readonly initrd: string;
    readonly xenCmdline: string;
    readonly dom0Cmdline: string;
}

export function xenHostImageDir(env: NodeJS.ProcessEnv = process.env): string {
    return recipeDir("xen-host", XEN_HOST_RECIPE, env);
}

function imageOf(dir: string): XenHostImage {
    return {
        disk: path.join(dir, "dom0.raw"),
        xen: path.join(dir, "xen.elf"),
        kernel: path.join(dir, "vmlinuz"),
        initrd: path.join(dir, "initrd.img"),
        xenCmdline: XEN_HOST_RECIPE.xenCmdline,
        dom0Cmdline: XEN_HOST_RECIPE.dom0Cmdline,
    };
}

/** The cached Xen host, built first if missing (as root: debootstrap needs it). */
export function ensureXenHostImage(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): XenHostImage {
    const dir = xenHostImageDir();
    const image = imageOf(dir);
    if ([image.disk, image.xen, image.kernel, image.initrd].every((f) => existsSync(f))) {
        log(`xen host image: cached in ${dir}`);
        return image;
    }
    for (const tool of ["debootstrap", "mkfs.ext4"]) {
        if (!onPath(tool, { PATH: `${process.env.PATH ?? ""}:/usr/sbin` }))
            throw new Error(
                `building the Xen host image needs ${tool}: run \`bash scripts/setup.sh\` (it installs debootstrap and e2fsprogs)`,
            );
    }
    const started = Date.now();
    log(`xen host image: building into ${dir} (debootstrap of Debian ${XEN_HOST_RECIPE.suite} with Xen 4.17 and libvirt; minutes)`);
    buildInto(dir, (staging, rootfs) => {
        const r = XEN_HOST_RECIPE;
        debootstrap(rootfs, r, (l) => log(`xen host ${l}`));
        for (const [file, text] of Object.entries(r.files)) {
            const to = path.join(rootfs, file);
            mkdirSync(path.dirname(to), { recursive: true });
            writeFileSync(to, text);
        }
        chmodSync(path.join(rootfs, "usr/local/sbin/hvnetlab-seed"), 0o755);
        maskUnits(rootfs, r.masked);
        for (const [unit, wants] of r.enable) {
            const dirOf = path.join(rootfs, "etc/systemd/system", wants);
            mkdirSync(dirOf, { recursive: true });
            symlinkSync(`/etc/systemd/system/${unit}`, path.join(dirOf, unit));
        }
        // Each boot gets the lab's host key from the seed disk, not the image's.
        tidyRootfs(rootfs);
        const xen = readdirSync(path.join(rootfs, "boot")).find((f) => /^xen-4\.17.*\.gz$/.test(f));
        if (!xen) throw new Error(`building the Xen host image: no Xen 4.17 in ${rootfs}/boot`);
        takeBootFiles(rootfs, staging, "the Xen host image");
        // QEMU's -kernel takes a multiboot ELF, not the gzip Debian ships.
        writeFileSync(
            path.join(staging, "xen.elf"),
            execFileSync("gzip", ["-dc", path.join(rootfs, "boot", xen)], { maxBuffer: 64 << 20 }),
        );
        const raw = path.join(staging, "dom0.raw");
        step("truncate", ["-s", `${r.diskMiB}M`, raw], log);
        step("mkfs.ext4", ["-q", "-L", "dom0", "-d", rootfs, raw], log);
    });
    log(`xen host image: built in ${Math.round((Date.now() - started) / 1000)} s into ${dir}`);
    return image;
}

if (require.main === module) {
    try {
        process.stdout.write(`${JSON.stringify(ensureXenHostImage(), null, 2)}\n`);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(1);
    }
}
