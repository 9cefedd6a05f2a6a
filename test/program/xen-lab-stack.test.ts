// lab:xen's stack (stacks/Pulumi.xen-qemu.yaml) under the mock runtime: PV guests on dom0's
// bridges, reached over xen+ssh with the lab's key and known_hosts, and comparable with the other
// labs of `npm run study` (same wires, matrix, method and guest block; all emulated).
import * as assert from "assert";
import { differences } from "../../analysis/comparability";
import type { Comparable } from "../../model";
import { runStack } from "../stacks";

describe("lab:xen's stack", function () {
    this.timeout(180000);

    it("runs PV guests through xen+ssh on dom0, each benchmark NIC on the bridge of its own pNIC", async () => {
        const run = await runStack("xen-qemu");
        const domains = run.mocks.registrations.filter((r) => r.type === "libvirt:index/domain:Domain").map((r) => r.inputs);
        assert.strictEqual(domains.length, 2);
        domains.forEach((d, i) => {
            assert.strictEqual(d.type, "xen");
            assert.strictEqual(d.kernel, "/var/lib/libvirt/boot/hvnetlab-vmlinuz");
            const nics = d.networkInterfaces as { bridge?: string }[];
            assert.deepStrictEqual(
                nics.map((n) => n.bridge),
                ["xenbr0", `hvxbr${i + 1}`],
            );
            assert.match(String((d.xml as { xslt: string }).xslt), /<xsl:variable name="guestMode" select="'pv'"\/>/);
        });
        const provider = run.mocks.registrations.find((r) => r.type === "pulumi:providers:libvirt")!;
        assert.match(
            String(provider.inputs.uri),
            /^xen\+ssh:\/\/root@10\.219\.0\.10\/system\?keyfile=\/var\/lib\/hvnetlab\/xen\/id_ed25519&sshauth=privkey&knownhosts=\/var\/lib\/hvnetlab\/xen\/known_hosts$/,
        );
    });

    it("is comparable with every other lab of the study: the same wires, matrix, method and guest block, all emulated", async () => {
        const comparable = async (stack: string) => ((await runStack(stack)).outputs.plan as { comparable: Comparable }).comparable;
        const xen = await comparable("xen-qemu");
        assert.strictEqual(xen.xenGuestMode, "pv");
        assert.match(String(xen.emulation), /Xen 4\.17 .*QEMU TCG/);
        for (const other of ["qemu", "vcsim", "native-ns"]) {
            assert.deepStrictEqual(differences(xen, await comparable(other), "xen-qemu", other), [], `xen-qemu against ${other}`);
        }
    });
});
