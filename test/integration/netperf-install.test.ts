// The netperf install script of the remote stacks, run for real on a Debian root filesystem that
// lacks netperf and has only the main component (what a fresh cloud guest has): it must enable
// non-free, install Debian's netperf 2.7.0 through apt (and iproute2 and ethtool, which the lab
// needs beside it), and print the version; run again, it keeps them. The root filesystem comes
// from debootstrap once and is cached (tools/images/guest-image.ts).
import * as assert from "assert";
import { spawnSync } from "child_process";
import { copyFileSync, readFileSync, rmSync } from "fs";
import * as path from "path";
import { netperfInstallScript } from "../../components/netperf-deployment";
import { onPath } from "../../tools/engine";
import { ensureBareRootfs } from "../../tools/images";
import { tempDir } from "../tmp";

describe("netperf install on a Debian root filesystem without it (real apt, in a chroot)", function () {
    this.timeout(900000);
    let root = "";
    const mounts: string[] = [];

    before(function () {
        if (process.getuid?.() !== 0 || !onPath("debootstrap") || !onPath("chroot")) {
            console.log("      (skipped: needs root, debootstrap and chroot)");
            this.skip();
        }
        const tar = ensureBareRootfs((l) => console.log(`      ${l}`));
        root = tempDir("bare");
        assert.strictEqual(spawnSync("tar", ["-C", root, "-xf", tar]).status, 0);
        copyFileSync("/etc/resolv.conf", path.join(root, "etc/resolv.conf"));
        for (const [src, dst, args] of [
            ["proc", "proc", ["-t", "proc"]],
            ["/dev", "dev", ["--bind"]],
        ] as const) {
            const target = path.join(root, dst);
            assert.strictEqual(spawnSync("mount", [...args, src, target]).status, 0, `mount ${target}`);
            mounts.push(target);
        }
    });

    after(() => {
        for (const m of mounts.reverse()) spawnSync("umount", ["-l", m]);
        if (root) rmSync(root, { recursive: true, force: true });
    });

    const install = () =>
        spawnSync(
            "chroot",
            [
                root,
                "/bin/sh",
                "-c",
                netperfInstallScript("bare-rootfs", "2.7.0", { url: "https://example.invalid/netperf.tar.gz", sha256: "" }),
            ],
            {
                encoding: "utf8",
            },
        );

    const has = (tool: string) => spawnSync("chroot", [root, "sh", "-c", `command -v ${tool}`]).status === 0;

    it("enables non-free, installs Debian's netperf 2.7.0, ss and ethtool, and prints its version", () => {
        for (const tool of ["netperf", "ss", "ethtool"]) assert.ok(!has(tool), `the root filesystem starts without ${tool}`);
        const r = install();
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout.trim().split("\n").pop(), "2.7.0");
        assert.match(r.stderr, /enabled Debian's non-free component for netperf/);
        assert.match(readFileSync(path.join(root, "etc/apt/sources.list"), "utf8"), /^deb .* main non-free/m);
        assert.ok(has("ss") && has("ethtool"), "iproute2 and ethtool installed where they were missing");
        const v = spawnSync("chroot", [root, "netperf", "-V"], { encoding: "utf8" });
        assert.match(v.stdout, /Netperf version 2\.7\.0/);
    });

    it("keeps the installed netperf on a second run, without apt", () => {
        const r = install();
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout.trim(), "2.7.0");
        assert.doesNotMatch(r.stderr, /apt|non-free/);
    });
});
