// The guest image of the qemu lab (npm run lab:qemu): a Debian 12 root filesystem made with
// debootstrap (main and non-free, with the kernel, systemd, OpenSSH, cloud-init and netperf),
// written into an ext4 image without a loop device (mkfs.ext4 -d) and converted to qcow2, plus
// the kernel and initrd for a direct kernel boot. Built once per recipe and kept in the cache:
//   ${HVNETLAB_CACHE:-~/.cache/hvnetlab}/guest-image/<hash of the recipe>/{disk.qcow2,vmlinuz,initrd.img}
// A second recipe's image replaces the first. `ts-node tools/images/guest-image.ts` builds it by hand.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { cacheRoot, onPath } from "../engine";

/** What a Debian root filesystem needs to boot from its own kernel and initrd, with ifupdown's network. */
export const BOOTABLE_PACKAGES = [
    "linux-image-amd64",
    "systemd-sysv",
    "udev",
    "kmod",
    "initramfs-tools",
    "ifupdown",
    "iproute2",
    "netbase",
];

/**
 * Units a lab machine (guest or Xen host) runs without, masked in its image: e2scrub_reap takes a
 * small machine's CPU while it boots (50 s in lab:xen's PV guests, 36 s in its dom0), and apt's
 * timers would wake during a measurement.
 */
export const QUIET_UNITS = ["e2scrub_reap.service", "e2scrub_all.timer", "apt-daily.timer", "apt-daily-upgrade.timer"] as const;

/** Masks systemd units in a root filesystem (a link to /dev/null in /etc/systemd/system, as `systemctl mask`). */
export function maskUnits(rootfs: string, units: readonly string[]): void {
    const dir = path.join(rootfs, "etc/systemd/system");
    mkdirSync(dir, { recursive: true });
    for (const unit of units) {
        rmSync(path.join(dir, unit), { force: true });
        symlinkSync("/dev/null", path.join(dir, unit));
    }
}

/** Everything that decides the image's content: change any of it and the image is rebuilt. */
export const GUEST_IMAGE_RECIPE = {
    suite: "bookworm",
    mirror: "http://deb.debian.org/debian",
    components: ["main", "non-free"],
    // python3-cffi-backend: debootstrap does not resolve the virtual package python3-cryptography needs.
    packages: [
        ...BOOTABLE_PACKAGES,
        "ethtool",
        "procps",
        "perl",
        "openssh-server",
        "sudo",
        "cloud-init",
        "python3-cffi-backend",
        "netperf",
    ],
    diskMiB: 2048,
    // qcow2 with compressed clusters: the stack uploads the image to the host's pool (800 MB
    // uncompressed took 102 s into lab:xen's emulated dom0); only the guests' overlays are written.
    compressed: true,
    // cloud-init looks only at the NoCloud ISO the lab attaches (probing clouds costs minutes under emulation).
    cloudCfg: "datasource_list: [NoCloud, None]\n",
    // By label: the root disk is vda on KVM and xvda on Xen.
    fstab: "LABEL=root / ext4 defaults,errors=remount-ro 0 1\n",
    // Kept as the image's cache key has it; the stacks' guest.cmdline holds no console (each
    // platform adds its own: ttyS0 on KVM and Xen HVM, hvc0 on Xen PV).
    cmdline: "root=LABEL=root rw console=ttyS0 console=hvc0",
    masked: QUIET_UNITS,
} as const;

export interface GuestImage {
    readonly disk: string;
    readonly kernel: string;
    readonly initrd: string;
    /** The kernel command line the image boots with. */
    readonly cmdline: string;
}

/** Where a recipe's build is kept: <cache>/<kind>/<hash of the recipe>. */
export function recipeDir(kind: string, recipe: object, env: NodeJS.ProcessEnv = process.env): string {
    const hash = createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 16);
    return path.join(cacheRoot(env), kind, hash);
}

export function guestImageDir(env: NodeJS.ProcessEnv = process.env): string {
    return recipeDir("guest-image", GUEST_IMAGE_RECIPE, env);
}

/**
 * Builds into a staging folder beside dir (build gets it, with an empty rootfs/ inside), then
 * removes the builds of other recipes and moves this one into place whole; on failure nothing
 * is left.
 */
export function buildInto(dir: string, build: (staging: string, rootfs: string) => void): void {
    const staging = `${dir}.building-${process.pid}`;
    const rootfs = path.join(staging, "rootfs");
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(rootfs, { recursive: true });
    try {
        build(staging, rootfs);
        rmSync(rootfs, { recursive: true, force: true });
        for (const old of readdirSync(path.dirname(dir)).filter((f) => f !== path.basename(staging)))
            rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true });
        renameSync(staging, dir);
    } catch (e) {
        rmSync(staging, { recursive: true, force: true });
        throw e;
    }
}

function imageOf(dir: string): GuestImage {
    return {
        disk: path.join(dir, "disk.qcow2"),
        kernel: path.join(dir, "vmlinuz"),
        initrd: path.join(dir, "initrd.img"),
        cmdline: GUEST_IMAGE_RECIPE.cmdline,
    };
}

export function run(cmd: string, args: readonly string[], log: (line: string) => void): void {
    log(`image: ${cmd} ${args.slice(0, 3).join(" ")}${args.length > 3 ? " ..." : ""}`);
    try {
        execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    } catch (e) {
        const err = e as { stderr?: Buffer; message: string };
        throw new Error(
            `building the guest image: ${cmd} failed: ${(err.stderr?.toString() || err.message).trim().split("\n").slice(-15).join("\n")}`,
        );
    }
}

/** The Debian packages of an image: a minbase debootstrap of these. */
export interface DebootstrapRecipe {
    readonly suite: string;
    readonly mirror: string;
    readonly components: readonly string[];
    readonly packages: readonly string[];
}

/** debootstrap (minbase) of the recipe into rootfs; $HVNETLAB_DEBIAN_MIRROR replaces its mirror. */
export function debootstrap(rootfs: string, r: DebootstrapRecipe, log: (line: string) => void): void {
    run(
        "debootstrap",
        [
            "--variant=minbase",
            `--components=${r.components.join(",")}`,
            `--include=${r.packages.join(",")}`,
            r.suite,
            rootfs,
            process.env.HVNETLAB_DEBIAN_MIRROR ?? r.mirror,
        ],
        log,
    );
}

/** Removes the root filesystem's SSH host keys (each machine gets its own) and apt's downloaded packages. */
export function tidyRootfs(rootfs: string): void {
    for (const f of readdirSync(path.join(rootfs, "etc/ssh")).filter((f) => f.startsWith("ssh_host_")))
        rmSync(path.join(rootfs, "etc/ssh", f));
    rmSync(path.join(rootfs, "var/cache/apt/archives"), { recursive: true, force: true });
    mkdirSync(path.join(rootfs, "var/cache/apt/archives/partial"), { recursive: true });
}

/**
 * Moves the kernel and initrd out of rootfs/boot into staging as vmlinuz and initrd.img, for a
 * direct kernel boot; throws naming `what` and /boot's files when one is missing.
 */
export function takeBootFiles(rootfs: string, staging: string, what: string): void {
    const boot = readdirSync(path.join(rootfs, "boot"));
    const kernel = boot.find((f) => f.startsWith("vmlinuz-"));
    const initrd = boot.find((f) => f.startsWith("initrd.img-"));
    if (!kernel || !initrd) throw new Error(`building ${what}: no kernel or initrd in ${rootfs}/boot (${boot.join(", ")})`);
    renameSync(path.join(rootfs, "boot", kernel), path.join(staging, "vmlinuz"));
    renameSync(path.join(rootfs, "boot", initrd), path.join(staging, "initrd.img"));
}

/** The cached image, built first if missing (as root: debootstrap needs it). */
export function ensureGuestImage(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): GuestImage {
    const dir = guestImageDir();
    const image = imageOf(dir);
    if (existsSync(image.disk) && existsSync(image.kernel) && existsSync(image.initrd)) {
        log(`image: cached in ${dir}`);
        return image;
    }
    for (const tool of ["debootstrap", "mkfs.ext4", "qemu-img"]) {
        if (!onPath(tool))
            throw new Error(
                `building the guest image needs ${tool}: run \`bash scripts/setup.sh\` (it installs debootstrap, e2fsprogs and qemu-utils)`,
            );
    }
    const started = Date.now();
    buildInto(dir, (staging, rootfs) => {
        const r = GUEST_IMAGE_RECIPE;
        debootstrap(rootfs, r, log);
        writeFileSync(path.join(rootfs, "etc/fstab"), r.fstab);
        writeFileSync(path.join(rootfs, "etc/cloud/cloud.cfg.d/90-hvnetlab.cfg"), r.cloudCfg);
        writeFileSync(path.join(rootfs, "etc/hostname"), "hvnetlab-guest\n");
        maskUnits(rootfs, r.masked);
        // Every guest gets its own host keys from cloud-init on first boot, not the image's.
        tidyRootfs(rootfs);
        takeBootFiles(rootfs, staging, "the guest image");
        const raw = path.join(staging, "disk.raw");
        run("truncate", ["-s", `${r.diskMiB}M`, raw], log);
        run("mkfs.ext4", ["-q", "-L", "root", "-d", rootfs, raw], log);
        run("qemu-img", ["convert", ...(r.compressed ? ["-c"] : []), "-O", "qcow2", raw, path.join(staging, "disk.qcow2")], log);
        rmSync(raw);
    });
    log(`image: built in ${Math.round((Date.now() - started) / 1000)} s into ${dir}`);
    return image;
}

/** A Debian root filesystem without netperf and with only the main component: what a fresh guest has. */
export const BARE_ROOTFS_RECIPE = {
    suite: "bookworm",
    mirror: "http://deb.debian.org/debian",
    variant: "minbase",
    components: ["main"],
} as const;

/**
 * The bare root filesystem as a cached tarball (built first if missing), on which the netperf
 * install script is run for real: ${HVNETLAB_CACHE:-~/.cache/hvnetlab}/bare-rootfs/<hash>/rootfs.tar.
 */
export function ensureBareRootfs(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string {
    const dir = recipeDir("bare-rootfs", BARE_ROOTFS_RECIPE);
    const tar = path.join(dir, "rootfs.tar");
    if (existsSync(tar)) return tar;
    buildInto(dir, (staging, rootfs) => {
        const r = BARE_ROOTFS_RECIPE;
        run(
            "debootstrap",
            [
                `--variant=${r.variant}`,
                `--components=${r.components.join(",")}`,
                r.suite,
                rootfs,
                process.env.HVNETLAB_DEBIAN_MIRROR ?? r.mirror,
            ],
            log,
        );
        run("tar", ["-C", rootfs, "-cf", path.join(staging, "rootfs.tar"), "."], log);
    });
    return tar;
}

if (require.main === module) {
    try {
        const image = ensureGuestImage();
        process.stdout.write(`${JSON.stringify(image, null, 2)}\n`);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(1);
    }
}
