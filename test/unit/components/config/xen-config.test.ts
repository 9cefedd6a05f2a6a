// hvnetlab:xen.guestMode: explicit, in the fingerprint, compared only between xen labs.
import * as assert from "assert";
import * as path from "path";
import { differences } from "../../../../analysis/comparability";
import { parseLabConfig } from "../../../../components";
import { fingerprintInputs } from "../../../../components/fingerprint";
import { loadStackConfig } from "../../../../tools/engine/stack-config";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");

function parse(stack: string, overrides: Record<string, string> = {}) {
    const values: Record<string, string> = { ...loadStackConfig(ROOT, stack), "hvnetlab:sshPrivateKey": "k", ...overrides };
    return parseLabConfig((k) => values[`hvnetlab:${k}`]);
}
const withKernel = () => {
    const guest = JSON.parse(loadStackConfig(ROOT, "xen")["hvnetlab:guest"]) as Record<string, unknown>;
    return JSON.stringify({ ...guest, kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img", cmdline: "root=/dev/xvda" });
};

describe("xen guest mode", () => {
    it("is hvm unless the xen block says pv, and is part of the xen lab's comparable block", () => {
        const hvm = parse("xen");
        assert.strictEqual(hvm.platform === "xen" && hvm.xenGuestMode, "hvm");
        assert.strictEqual(fingerprintInputs(hvm).xenGuestMode, "hvm");
        const pv = parse("xen", { "hvnetlab:xen": "guestMode: pv", "hvnetlab:guest": withKernel() });
        assert.strictEqual(fingerprintInputs(pv).xenGuestMode, "pv");
    });

    it("is compared between xen labs only: HVM against PV is refused, a xen lab against kvm is not", () => {
        const hvm = fingerprintInputs(parse("xen", { "hvnetlab:guest": withKernel() }));
        const pv = fingerprintInputs(parse("xen", { "hvnetlab:xen": "guestMode: pv", "hvnetlab:guest": withKernel() }));
        assert.deepStrictEqual(differences(hvm, pv, "hvm", "pv"), ["Xen guest mode: hvm hvm, pv pv"]);
        const kvm = fingerprintInputs(parse("kvm", { "hvnetlab:guest": withKernel() }));
        assert.deepStrictEqual(differences(kvm, pv, "kvm", "xen"), []);
    });

    it("refuses pv without a kernel (pygrub is not supported), a mode that is neither, a stray key, and the block on kvm", () => {
        assert.throws(
            () => parse("xen", { "hvnetlab:xen": "guestMode: pv" }),
            /hvnetlab:xen\.guestMode = "pv" needs guest\.kernel and guest\.initrd.*pygrub/s,
        );
        assert.throws(() => parse("xen", { "hvnetlab:xen": "guestMode: pvh" }), /hvnetlab:xen\.guestMode.*is not valid; use hvm .* or pv/s);
        assert.throws(
            () => parse("xen", { "hvnetlab:xen": "guestMode: hvm\nbootloader: pygrub" }),
            /hvnetlab:xen.*unknown setting\(s\) bootloader/s,
        );
        assert.throws(() => parse("kvm", { "hvnetlab:xen": "guestMode: hvm" }), /hvnetlab:xen .*applies to the xen platform only/s);
    });
});
