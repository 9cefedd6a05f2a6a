import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { XEN_XSLT_PATH } from "../../components/platforms/xen";

const DOMAIN = path.join(__dirname, "..", "fixtures", "libvirt-domain.xml");

describe("xen-domain.xslt on domain XML shaped like the libvirt provider's", () => {
    let out = "";
    before(() => {
        out = execFileSync("xsltproc", [XEN_XSLT_PATH, DOMAIN], { encoding: "utf8" });
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

    it("replaces spice with VNC on localhost and copies the rest unchanged", () => {
        assert.match(out, /<graphics type="vnc" port="-1" autoport="yes" listen="127\.0\.0\.1"\/>/);
        assert.match(out, /<domain type="xen">/);
        assert.match(out, /<name>hvnetlab-g1<\/name>/);
        assert.match(out, /<console type="pty">\s*<target type="serial" port="0"\/?>/);
        assert.match(out, /<memory unit="MiB">2048<\/memory>/);
    });
});
