// The NIC path's XSLT templates, on what they refuse to write into a domain's XML; what they do
// write is held to libvirt's schema in test/program/nic-path-domain.test.ts.
import * as assert from "assert";
import type { NicSpec } from "../../../../components/config";
import { defaultNicSpec } from "../../../../components/config";
import { nicPathTemplates, pciAddressElement, withTemplates } from "../../../../components/platforms/nic-xslt";

const MAC = "02:1a:2b:3c:4d:80";
const kvm = defaultNicSpec("kvm");
const with_ = (path: Partial<NicSpec["path"]>, rest: Partial<Omit<NicSpec, "path">> = {}): NicSpec => ({
    ...kvm,
    ...rest,
    path: { ...kvm.path, ...path },
});

describe("the NIC path's XSLT templates", () => {
    it("find the benchmark NIC by its MAC in any case, and set its model alone by default", () => {
        const t = nicPathTemplates(kvm, { benchmarkMac: MAC.toUpperCase(), index: 0 });
        assert.match(t, /translate\(mac\/@address, 'ABCDEF', 'abcdef'\) = '02:1a:2b:3c:4d:80'/);
        assert.match(t, /<model type="virtio"\/>/);
        assert.doesNotMatch(t, /<driver|<cputune/);
    });

    it("write a PCI address as libvirt's address element", () => {
        assert.strictEqual(
            pciAddressElement("0000:3b:02.1"),
            '<address type="pci" domain="0x0000" bus="0x3b" slot="0x02" function="0x1"/>',
        );
        assert.throws(() => pciAddressElement("3b:02.1"), /PCI address '3b:02\.1' is not valid/);
    });

    it("refuse what the config parser would have refused, and a guest without its entry", () => {
        assert.throws(
            () => nicPathTemplates(with_({ model: 'virtio"/><evil' }), { benchmarkMac: MAC, index: 0 }),
            /NIC model .* is not valid/,
        );
        assert.throws(() => nicPathTemplates(kvm, { benchmarkMac: "02:1a:2b:3c:4d", index: 0 }), /MAC address .* is not valid/);
        assert.throws(
            () => nicPathTemplates(with_({ attach: "hostdev" }, { devices: ["0000:3b:02.0"] }), { benchmarkMac: MAC, index: 1 }),
            /no PCI address for guest 2/,
        );
        assert.throws(
            () => nicPathTemplates(with_({ pinned: true }, { pinning: [{ vcpus: ["1;reboot"] }] }), { benchmarkMac: MAC, index: 0 }),
            /CPU list '1;reboot' is not valid/,
        );
        assert.throws(
            () => nicPathTemplates(with_({ pinned: true }, { pinning: [] }), { benchmarkMac: MAC, index: 0 }),
            /no entry for guest 1/,
        );
    });

    it("go before the stylesheet's end, which must be there", () => {
        assert.strictEqual(withTemplates("<xsl:stylesheet>a</xsl:stylesheet>", "T"), "<xsl:stylesheet>aT\n</xsl:stylesheet>");
        assert.throws(() => withTemplates("<x/>", "T"), /no <\/xsl:stylesheet>/);
    });
});
