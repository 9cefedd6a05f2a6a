// The Xen host's preflight (components/platforms/xen.ts), run for real by sh against stand-ins for
// xl and virsh on PATH: `xl info` output as Xen 4.17 prints it (recorded in lab:xen's dom0 under
// QEMU with -cpu EPYC; without SVM, Xen leaves hvm and hap out of virt_caps), and virsh answering or not.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { chmodSync, mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { xenHostPreflightScript } from "../../../../components/platforms/xen";
import { tempDir } from "../../../tmp";

const XL_INFO = (caps: string) =>
    [
        "host                   : xenhost",
        "release                : 6.1.0-50-amd64",
        "nr_cpus                : 2",
        `virt_caps              : ${caps}`,
        "total_memory           : 3071",
        "xen_version            : 4.17.5",
    ].join("\n");

describe("the Xen host's preflight", () => {
    let dir: string;
    let runs = 0;
    before(() => {
        dir = tempDir("xenpre");
    });

    /** Runs the preflight with stand-ins: xl printing `caps` (no xl when undefined), virsh answering or failing. */
    function preflight(
        mode: "hvm" | "pv",
        host: { caps?: string; virsh: boolean; files?: string[] },
        bootFiles: { key: string; path: string }[] = [],
    ) {
        const bin = path.join(dir, `bin-${++runs}`);
        mkdirSync(bin);
        const tool = (name: string, body: string) => {
            writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
            chmodSync(path.join(bin, name), 0o755);
        };
        if (host.caps !== undefined) tool("xl", `[ "$1" = info ] && cat <<'EOF'\n${XL_INFO(host.caps)}\nEOF`);
        tool(
            "virsh",
            host.virsh
                ? `echo xen:///system`
                : `echo "error: failed to connect to the hypervisor" >&2; echo "error: no connection driver available for xen:///system" >&2; exit 1`,
        );
        for (const f of host.files ?? []) {
            mkdirSync(path.dirname(f), { recursive: true });
            writeFileSync(f, "");
        }
        const r = spawnSync("sh", ["-c", xenHostPreflightScript("host 10.0.0.1", mode, bootFiles)], {
            env: { PATH: `${bin}:/usr/bin:/bin` },
            encoding: "utf8",
        });
        return { code: r.status, stderr: r.stderr.trim() };
    }

    it("passes a host whose Xen runs the mode and whose libvirtd serves xen:///system", () => {
        assert.deepStrictEqual(preflight("hvm", { caps: "pv hvm hap shadow gnttab-v1 gnttab-v2", virsh: true }), { code: 0, stderr: "" });
        assert.deepStrictEqual(preflight("pv", { caps: "pv hvm hap shadow gnttab-v1 gnttab-v2", virsh: true }), { code: 0, stderr: "" });
        assert.deepStrictEqual(preflight("pv", { caps: "pv shadow gnttab-v1 gnttab-v2", virsh: true }), { code: 0, stderr: "" });
    });

    it("refuses HVM on a Xen without hardware virtualization, naming the mode and virt_caps", () => {
        const r = preflight("hvm", { caps: "pv shadow gnttab-v1 gnttab-v2", virsh: true });
        assert.strictEqual(r.code, 1);
        assert.strictEqual(
            r.stderr,
            "hvnetlab: hvnetlab:xen.guestMode hvm needs hardware virtualization, but Xen on host 10.0.0.1 reports virt_caps: pv shadow gnttab-v1 gnttab-v2 (xl info): enable VT-x or AMD-V, or use guestMode pv",
        );
    });

    it("refuses a dom0 whose libvirtd has no libxl driver, with virsh's own words", () => {
        const r = preflight("pv", { caps: "pv hvm", virsh: false });
        assert.strictEqual(r.code, 1);
        assert.match(
            r.stderr,
            /^hvnetlab: libvirtd on host 10\.0\.0\.1 does not serve xen:\/\/\/system, so its libxl driver is missing or not running \(.*no connection driver available for xen:\/\/\/system\): install libvirt-daemon-driver-xen and restart libvirtd$/s,
        );
    });

    it("refuses a host that is not a Xen dom0 (no xl)", () => {
        const r = preflight("pv", { virsh: true });
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /^hvnetlab: xl not found on host 10\.0\.0\.1: it is not a Xen dom0/);
    });

    it("refuses a guest kernel or initrd missing on the host, naming the key and the path", () => {
        const kernel = path.join(dir, "boot", "vmlinuz");
        const initrd = path.join(dir, "boot", "initrd.img");
        const files = [
            { key: "guest.kernel", path: kernel },
            { key: "guest.initrd", path: initrd },
        ];
        const r = preflight("pv", { caps: "pv", virsh: true, files: [kernel] }, files);
        assert.strictEqual(r.code, 1);
        assert.strictEqual(
            r.stderr,
            `hvnetlab: guest.initrd ${initrd} is missing on host 10.0.0.1: copy it there, or fix hvnetlab:guest.initrd`,
        );
        assert.strictEqual(preflight("pv", { caps: "pv", virsh: true, files: [kernel, initrd] }, files).code, 0);
    });
});
