// The xen stack's domains as the project's libvirt provider really writes them: each Domain the
// program registers, in both guest modes, through the built provider's `domain-xml` (the code
// that defines domains in Create, xml.xslt applied), held to libvirt's own schema.
import * as assert from "assert";
import { domainsOf as stackDomains, invalid, needsProviderAndSchema, written } from "../libvirt-domains";

describe("xen domains as the libvirt provider writes them", function () {
    this.timeout(120000);
    before(needsProviderAndSchema);
    const domainsOf = (overrides: Record<string, string>) => stackDomains("xen", overrides);
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
