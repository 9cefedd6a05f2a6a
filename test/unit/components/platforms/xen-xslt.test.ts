// xen-domain.xslt and kvm-domain.xslt on a domain shaped like the official @pulumi/libvirt
// provider's (a qemu agent channel, a virtio RNG, spice graphics: terraform-provider-libvirt
// v0.8.1, libvirt/domain_def.go newDomainDef; the project's provider writes the same defaults).
// test/program/xen-domain.test.ts holds the XML the project's provider really writes, in both
// guest modes, to libvirt's schema.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { KVM_XSLT_PATH } from "../../../../components/platforms/kvm";
import { xenDomainXslt } from "../../../../components/platforms/xen";
import { tempDir } from "../../../tmp";

const DOMAIN = path.join(__dirname, "..", "..", "..", "fixtures", "libvirt-domain.xml");

/** The fixture through the stylesheet of one guest mode. */
function transform(mode: "hvm" | "pv"): string {
    const sheet = path.join(tempDir("xslt"), "xen.xslt");
    writeFileSync(sheet, xenDomainXslt(mode));
    return execFileSync("xsltproc", [sheet, DOMAIN], { encoding: "utf8" });
}

describe("xen-domain.xslt on domain XML shaped like the official libvirt provider's", () => {
    let out = "";
    before(() => {
        out = transform("hvm");
    });

    it("removes the qemu guest-agent channel and the virtio RNG, which libxl rejects", () => {
        assert.doesNotMatch(out, /<channel/);
        assert.doesNotMatch(out, /org\.qemu\.guest_agent/);
        assert.doesNotMatch(out, /<rng/);
    });

    it("puts the disk on Xen's bus as xvda and leaves the cloud-init cdrom alone", () => {
        assert.match(out, /<target dev="xvda" bus="xen"\/>/);
        assert.doesNotMatch(out, /dev="vda"|bus="virtio"/);
        assert.match(out, /<target dev="hdd" bus="ide"\/?>/);
    });

    it("gives both NICs the netfront model and keeps their MACs and bridges", () => {
        assert.strictEqual(out.match(/<model type="netfront"\/>/g)?.length, 2);
        assert.doesNotMatch(out, /type="virtio"/);
        assert.match(out, /<mac address="52:54:00:4c:01:00"\/?>\s*<source bridge="hvnetlabbr1"\/?>/);
        assert.match(out, /<source bridge="br0"\/?>/);
    });

    it("removes the graphics and copies the rest unchanged", () => {
        assert.doesNotMatch(out, /<graphics/);
        assert.match(out, /<domain type="xen">/);
        assert.match(out, /<name>hvnetlab-g1<\/name>/);
        assert.match(out, /<console type="pty">\s*<target type="serial" port="0"\/?>/);
        assert.match(out, /<memory unit="MiB">2048<\/memory>/);
    });

    it("hvm (the default) sets an HVM guest on xenfv, keeping ACPI and the serial console", () => {
        assert.match(out, /<type[^>]* machine="xenfv"[^>]*>hvm<\/type>/);
        assert.match(out, /<acpi\/?>/);
    });

    it("pv sets a PV guest on xenpv: no ACPI/APIC, Xen's console, the CD-ROM on Xen's bus", () => {
        const pv = transform("pv");
        assert.match(pv, /<type[^>]* machine="xenpv"[^>]*>xen<\/type>/);
        assert.doesNotMatch(pv, /<features|<acpi|<apic/);
        assert.match(pv, /<console type="pty">\s*<target type="xen" port="0"\/>/);
        assert.match(pv, /<target dev="xvdd" bus="xen"\/>/);
        assert.doesNotMatch(pv, /bus="ide"/);
    });

    it("refuses a mode that is neither, and a stylesheet without the mode's line", () => {
        assert.throws(() => xenDomainXslt("pvh" as never), /hvm or pv, got 'pvh'/);
        assert.throws(() => xenDomainXslt("pv", "<xsl:stylesheet/>"), /lacks the line/);
    });
});

describe("kvm-domain.xslt on the official provider's domain XML", () => {
    it("removes the spice graphics, which a QEMU without spice refuses, and keeps every other device", () => {
        const out = execFileSync("xsltproc", [KVM_XSLT_PATH, DOMAIN], { encoding: "utf8" });
        assert.match(readFileSync(DOMAIN, "utf8"), /<graphics type="spice"/, "the fixture has the default graphics");
        assert.doesNotMatch(out, /<graphics/);
        assert.match(out, /org\.qemu\.guest_agent\.0/);
        assert.match(out, /<rng model="virtio"/);
        assert.match(out, /<model type="virtio"\/>/);
    });
});
