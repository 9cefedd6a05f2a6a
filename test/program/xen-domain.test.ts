// The xen stack's domains as the project's libvirt provider really writes them: each Domain the
// program registers, in both guest modes, through the built provider's `domain-xml` (the code
// that defines domains in Create, xml.xslt applied), held to libvirt's own schema.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { existsSync, writeFileSync } from "fs";
import * as path from "path";
import { builtPath, engineBinDir, onPath } from "../../tools/engine";
import { runStack } from "../stacks";
import { tempDir } from "../tmp";

const PROVIDER = builtPath(engineBinDir(), "pulumi-resource-libvirt");

/** The domain XML the provider defines for these inputs. */
function written(inputs: Record<string, unknown>): string {
    const r = spawnSync(PROVIDER, ["domain-xml"], { input: JSON.stringify(inputs), encoding: "utf8" });
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout;
}

/** virt-xml-validate's verdict on a domain XML: "" when it validates. */
function invalid(xml: string): string {
    const f = path.join(tempDir("xml"), "domain.xml");
    writeFileSync(f, xml);
    const r = spawnSync("virt-xml-validate", [f, "domain"], { encoding: "utf8" });
    return r.status === 0 ? "" : `${r.stdout}${r.stderr}`;
}

describe("xen domains as the libvirt provider writes them", function () {
    this.timeout(120000);
    before(function () {
        const missing = [
            ...(existsSync(PROVIDER) ? [] : [`${PROVIDER} (scripts/setup.sh builds it)`]),
            ...(onPath("virt-xml-validate") ? [] : ["virt-xml-validate (Debian: libvirt-clients and libxml2-utils)"]),
            ...(onPath("xsltproc") ? [] : ["xsltproc"]),
        ];
        if (missing.length === 0) return;
        if (process.env.CI) assert.fail(`missing: ${missing.join(", ")}`);
        console.log(`    (skipped: missing ${missing.join(", ")})`);
        this.skip();
    });

    /**
     * The stack's Domain inputs, with each volume id as libvirt gives it (the volume's key, its
     * path: pool path / volume name), where the mocks gave a placeholder id.
     */
    const domainsOf = async (overrides: Record<string, string>) => {
        const run = await runStack("xen", overrides);
        const regs = run.mocks.registrations;
        const pool = regs.find((r) => r.type === "libvirt:index/pool:Pool")!.inputs.target.path as string;
        const pathOf = new Map(
            regs
                .filter((r) => r.type === "libvirt:index/volume:Volume" || r.type === "libvirt:index/cloudInitDisk:CloudInitDisk")
                .map((r) => [`${r.name}-id`, `${pool}/${r.inputs.name as string}`]),
        );
        const key = (id: string) => {
            assert.ok(pathOf.has(id), `volume id ${id} is one of the stack's volumes`);
            return pathOf.get(id)!;
        };
        return regs
            .filter((r) => r.type === "libvirt:index/domain:Domain")
            .map((r) => ({
                ...r.inputs,
                disks: (r.inputs.disks as { volumeId: string }[]).map((d) => ({ ...d, volumeId: key(d.volumeId) })),
                cloudinit: key(r.inputs.cloudinit as string),
            }));
    };
    const kernel = {
        "hvnetlab:guest": JSON.stringify({
            vcpus: 1,
            memoryMiB: 2048,
            diskGiB: 16,
            image: "/var/lib/hvnetlab/guest.qcow2",
            kernel: "/var/lib/xen/boot/vmlinuz",
            initrd: "/var/lib/xen/boot/initrd.img",
            cmdline: "root=/dev/xvda ro",
            user: "bench",
            sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHvnetlabPlaceholderReplaceWithYourOwnKey0 bench@hvnetlab",
        }),
    };

    it("hvm (the default): an HVM guest on xenfv with Xen disks and netfront NICs, valid for libvirt", async () => {
        const domains = await domainsOf({});
        assert.ok(domains.length >= 2);
        for (const d of domains) {
            const xml = written(d);
            assert.strictEqual(invalid(xml), "", xml);
            assert.match(xml, /<domain type="xen">/);
            assert.match(xml, /<type arch="x86_64" machine="xenfv">hvm<\/type>/);
            assert.strictEqual((d as Record<string, unknown>).machine, "xenfv");
            assert.doesNotMatch(xml, /<graphics|<channel/, "no spice and no qemu guest-agent channel on libxl");
            assert.match(xml, /<target dev="xvda" bus="xen"\/>/);
            assert.match(xml, /<target dev="hdd" bus="ide"\/>/, "the cloud-init CD-ROM stays emulated IDE");
            assert.strictEqual(xml.match(/<model type="netfront"\/>/g)?.length, 2);
            assert.doesNotMatch(xml, /virtio/);
        }
    });

    it("pv: a PV guest on xenpv booted from its kernel, no ACPI, Xen's console and disks, valid for libvirt", async () => {
        const domains = await domainsOf({ ...kernel, "hvnetlab:xen": JSON.stringify({ guestMode: "pv" }) });
        for (const d of domains) {
            const xml = written(d);
            assert.strictEqual(invalid(xml), "", xml);
            assert.match(xml, /<type arch="x86_64" machine="xenpv">xen<\/type>/);
            assert.match(xml, /<kernel>\/var\/lib\/xen\/boot\/vmlinuz<\/kernel>/);
            // Sorted as the official provider sorts it; Xen's console is the only one.
            assert.match(xml, /<cmdline>console=hvc0 ro root=\/dev\/xvda<\/cmdline>/);
            assert.strictEqual(
                (d as Record<string, unknown>).machine,
                "xenfv",
                "the hvm lookup the official provider makes first needs xenfv",
            );
            assert.doesNotMatch(xml, /<graphics/);
            assert.doesNotMatch(xml, /<features>|<acpi|<apic/);
            assert.match(xml, /<console type="pty">\s*<target type="xen" port="0"\/>/);
            assert.match(xml, /<target dev="xvdd" bus="xen"\/>/, "the cloud-init CD-ROM on Xen's bus");
            assert.doesNotMatch(xml, /bus="ide"|virtio/);
        }
    });

    it("the check: libvirt's schema does refuse a broken domain", () => {
        assert.notStrictEqual(invalid('<domain type="xen"><name>x</name><os><type>nonsense</type></os><devices/></domain>'), "");
    });
});
