// The host preflight of a NIC path, run for real with sh: the pinned CPUs against this machine's,
// vhost-net against this machine's /dev, and the VFs handed over against sysfs trees laid out as
// the kernel lays out an SR-IOV NIC's (Documentation/ABI/testing/sysfs-bus-pci: a VF's `physfn`
// link to its PF, `driver` and `iommu_group` links; /sys/kernel/iommu_groups/N/devices/ listing
// the group's members), here an Intel X710 port 0000:3b:00.0 (i40e) with VFs (iavf).
import * as assert from "assert";
import { spawnSync } from "child_process";
import { existsSync, mkdirSync, symlinkSync } from "fs";
import { cpus } from "os";
import * as path from "path";
import type { NicSpec } from "../../../../components/config";
import { parseNic } from "../../../../components/config";
import { nicHostPreflightScript } from "../../../../components/platforms/nic-preflight";
import { tempDir } from "../../../tmp";

const LABEL = "host h1.lab";

function spec(block: Record<string, unknown>, guests: number, vcpus = 1): NicSpec {
    const problems: string[] = [];
    const s = parseNic(block, { platform: "kvm", guests, vcpus }, (key, _v, what) => problems.push(`${key} ${what}`));
    assert.deepStrictEqual(problems, []);
    return s;
}

/** Runs the preflight lines with sh: its exit status and what it said. */
function run(text: string): { code: number | null; stderr: string } {
    const r = spawnSync("sh", ["-c", text], { encoding: "utf8" });
    return { code: r.status, stderr: r.stderr };
}

interface Device {
    readonly address: string;
    readonly driver?: string;
    /** The PF of a VF. */
    readonly physfn?: string;
    readonly group?: number;
}

/** A sysfs tree holding these PCI devices, their drivers and IOMMU groups; returns its root. */
function sysfs(devices: readonly Device[]): string {
    const root = tempDir("sysfs");
    const dev = (a: string) => path.join(root, "bus", "pci", "devices", a);
    for (const d of devices) {
        mkdirSync(dev(d.address), { recursive: true });
        if (d.driver) {
            mkdirSync(path.join(root, "bus", "pci", "drivers", d.driver), { recursive: true });
            symlinkSync(`../../../../bus/pci/drivers/${d.driver}`, path.join(dev(d.address), "driver"));
        }
        if (d.physfn) symlinkSync(`../${d.physfn}`, path.join(dev(d.address), "physfn"));
        if (d.group !== undefined) {
            const g = path.join(root, "kernel", "iommu_groups", String(d.group), "devices");
            mkdirSync(g, { recursive: true });
            symlinkSync(`../../../../kernel/iommu_groups/${d.group}`, path.join(dev(d.address), "iommu_group"));
            symlinkSync(`../../../../bus/pci/devices/${d.address}`, path.join(g, d.address));
        }
    }
    return root;
}

const PF: Device = { address: "0000:3b:00.0", driver: "i40e", group: 40 };
const vf = (fn: number, over: Partial<Device> = {}): Device => ({
    address: `0000:3b:02.${fn}`,
    driver: "iavf",
    physfn: PF.address,
    group: 61 + fn,
    ...over,
});
const HOSTDEV = (devices: string[]) => spec({ attach: "hostdev", devices }, devices.length);

describe("the host preflight of a NIC path", () => {
    it("labels a VF handed over by the VF's own driver, not an emulated model", () => {
        assert.deepStrictEqual(HOSTDEV(["0000:3b:02.0"]).path, { model: "vf", queues: 1, attach: "hostdev", pinned: false });
    });

    it("checks nothing for the platform's default path", () => {
        assert.strictEqual(nicHostPreflightScript(LABEL, spec({}, 2)), "");
    });

    it("passes VFs each alone in its IOMMU group, bound to iavf (libvirt's managed hostdev detaches it)", () => {
        const root = sysfs([PF, vf(0), vf(1)]);
        const r = run(nicHostPreflightScript(LABEL, HOSTDEV(["0000:3b:02.0", "0000:3b:02.1"]), root));
        assert.strictEqual(r.code, 0, r.stderr);
    });

    it("passes a VF whose group holds only vfio-pci devices and the PCIe port", () => {
        const root = sysfs([
            PF,
            vf(0),
            { address: "0000:3a:00.0", driver: "pcieport", group: 61 },
            vf(1, { driver: "vfio-pci", group: 61 }),
        ]);
        const r = run(nicHostPreflightScript(LABEL, HOSTDEV(["0000:3b:02.0"]), root));
        assert.strictEqual(r.code, 0, r.stderr);
    });

    const refusals: [string, Device[], string[], RegExp][] = [
        [
            "a device that is not there",
            [PF, vf(0)],
            ["0000:3b:02.7"],
            /nic\.devices\[0\] 0000:3b:02\.7 is not a PCI device on host h1\.lab: list the guests' VFs as lspci -D names them/,
        ],
        [
            "the PF itself, not a VF",
            [PF],
            [PF.address],
            /nic\.devices\[0\] 0000:3b:00\.0 on host h1\.lab is not an SR-IOV virtual function: create VFs/,
        ],
        [
            "a VF without an IOMMU group (the IOMMU off)",
            [PF, vf(0, { group: undefined })],
            ["0000:3b:02.0"],
            /is in no IOMMU group: turn the IOMMU on \(intel_iommu=on/,
        ],
        [
            "a VF sharing its group with a device the host uses",
            [PF, vf(0, { group: 40 })],
            ["0000:3b:02.0"],
            /0000:3b:02\.0 on host h1\.lab shares IOMMU group 40 with 0000:3b:00\.0, bound to i40e: VFIO would take that device from the host too/,
        ],
    ];
    for (const [what, devices, wanted, message] of refusals) {
        it(`refuses ${what}, in one line`, () => {
            const r = run(nicHostPreflightScript(LABEL, HOSTDEV(wanted), sysfs(devices)));
            assert.strictEqual(r.code, 1);
            assert.match(r.stderr, message);
            assert.strictEqual(r.stderr.trim().split("\n").length, 1, r.stderr);
        });
    }

    it("refuses a pinned CPU this machine does not have, naming the entry and the host's CPUs", () => {
        const n = cpus().length;
        const ok = run(nicHostPreflightScript(LABEL, spec({ pinning: [{ vcpus: [`${n - 1}`], io: "0" }] }, 1)));
        assert.strictEqual(ok.code, 0, ok.stderr);
        const bad = run(nicHostPreflightScript(LABEL, spec({ pinning: [{ vcpus: [`0-${n}`], io: "0" }] }, 1)));
        assert.strictEqual(bad.code, 1);
        assert.match(
            bad.stderr,
            new RegExp(`nic\\.pinning\\[0\\]\\.vcpus\\[0\\] names CPU ${n}, but host h1\\.lab has ${n} CPUs \\(0 to ${n - 1}\\)`),
        );
    });

    it("asks for /dev/vhost-net where vhost is on, and passes or refuses as this machine has it", () => {
        const r = run(nicHostPreflightScript(LABEL, spec({ vhost: "on" }, 1)));
        assert.strictEqual(r.code, existsSync("/dev/vhost-net") ? 0 : 1, r.stderr);
        if (r.code === 1) assert.match(r.stderr, /nic\.vhost is on, but host h1\.lab has no \/dev\/vhost-net: load the vhost_net module/);
    });
});
