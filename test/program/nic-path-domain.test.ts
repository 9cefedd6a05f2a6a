// The virtual NIC path (hvnetlab:nic) in the domains the kvm and xen stacks register, as the
// project's libvirt provider writes them with xml.xslt applied, held to libvirt's own schema:
// each model, queues, vhost, attachment and pinning the platforms offer.
import * as assert from "assert";
import { domainsOf, invalid, needsProviderAndSchema, written } from "../libvirt-domains";
import { runStack } from "../stacks";

const GUEST_2VCPU = {
    vcpus: 2,
    memoryMiB: 1024,
    diskGiB: 8,
    image: "/var/lib/hvnetlab/guest.qcow2",
    user: "bench",
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHvnetlabPlaceholderReplaceWithYourOwnKey0 bench@hvnetlab",
};
const nic = (block: Record<string, unknown>) => ({ "hvnetlab:nic": JSON.stringify(block) });
const twoGuests = { "hvnetlab:guests": "2", "hvnetlab:guest": JSON.stringify(GUEST_2VCPU) };

/** The benchmark interface of a domain's XML (the second <interface>). */
function benchmarkInterface(xml: string): string {
    const all = xml.match(/<interface[\s\S]*?<\/interface>/g) ?? [];
    assert.strictEqual(all.length, 2, xml);
    return all[1];
}

/** Every domain of the stack with these overrides, written and validated. */
async function validDomains(stack: string, overrides: Record<string, string>): Promise<string[]> {
    const xmls = (await domainsOf(stack, overrides)).map(written);
    for (const xml of xmls) assert.strictEqual(invalid(xml), "", xml);
    return xmls;
}

describe("the NIC path in the domains as the libvirt provider writes them", function () {
    this.timeout(120000);
    before(needsProviderAndSchema);

    it("kvm by default: virtio on macvtap, nothing pinned, libvirt's vhost default", async () => {
        for (const xml of await validDomains("kvm", {})) {
            const bench = benchmarkInterface(xml);
            assert.match(bench, /<interface type="direct">/);
            assert.match(bench, /<source dev="enp[0-9a-z]+" mode="bridge"\/>/);
            assert.match(bench, /<model type="virtio"\/>/);
            assert.doesNotMatch(bench, /<driver/);
            assert.doesNotMatch(xml, /<cputune/);
        }
    });

    it("kvm: each model on the benchmark NIC alone, the management NIC left virtio", async () => {
        for (const model of ["e1000e", "e1000", "rtl8139"]) {
            for (const xml of await validDomains("kvm", nic({ model }))) {
                assert.match(benchmarkInterface(xml), new RegExp(`<model type="${model}"/>`));
                assert.match(xml.match(/<interface[\s\S]*?<\/interface>/)![0], /<model type="virtio"\/>/);
            }
        }
    });

    it("kvm: virtio with 2 queue pairs on vhost-net, or QEMU's own backend", async () => {
        for (const xml of await validDomains("kvm", { ...twoGuests, ...nic({ queues: 2, vhost: "on" }) }))
            assert.match(benchmarkInterface(xml), /<driver name="vhost" queues="2"\/>/);
        for (const xml of await validDomains("kvm", nic({ vhost: "off" }))) assert.match(benchmarkInterface(xml), /<driver name="qemu"\/>/);
    });

    it("kvm: a bridge of its own per pNIC, made by the host, or macvtap passthrough", async () => {
        const run = await runStack("kvm", nic({ attach: "bridge" }));
        const bridges = run.mocks.registrations.filter((r) => /-host-bridge-\d$/.test(r.name));
        assert.strictEqual(bridges.length, 4, "one bridge script per pNIC");
        for (const xml of await validDomains("kvm", nic({ attach: "bridge" })))
            assert.match(benchmarkInterface(xml), /<source bridge="hvnetlabbr\d"\/>/);
        for (const xml of await validDomains("kvm", nic({ attach: "passthrough" })))
            assert.match(benchmarkInterface(xml), /<source dev="enp[0-9a-z]+" mode="passthrough"\/>/);
    });

    it("kvm: hostdev hands each guest its VF by PCI address, with the guest's MAC", async () => {
        const devices = ["0000:3b:02.0", "0000:3b:02.1"];
        const xmls = await validDomains("kvm", { ...twoGuests, ...nic({ attach: "hostdev", devices }) });
        xmls.forEach((xml, i) => {
            const bench = benchmarkInterface(xml);
            assert.match(bench, /<interface type="hostdev" managed="yes">/);
            assert.match(bench, new RegExp(`<address type="pci" domain="0x0000" bus="0x3b" slot="0x02" function="0x${i}"/>`));
            assert.match(bench, /<mac address="02:[0-9a-f:]+"\/>/);
        });
    });

    it("kvm: each vCPU pinned, and QEMU's emulator threads", async () => {
        const pinning = [
            { vcpus: ["2", "3"], io: "0" },
            { vcpus: ["4", "5"], io: "1" },
        ];
        const xmls = await validDomains("kvm", { ...twoGuests, ...nic({ pinning }) });
        assert.match(
            xmls[0],
            /<cputune>\s*<vcpupin vcpu="0" cpuset="2"\/>\s*<vcpupin vcpu="1" cpuset="3"\/>\s*<emulatorpin cpuset="0"\/>\s*<\/cputune>/,
        );
        assert.match(xmls[1], /<vcpupin vcpu="1" cpuset="5"\/>\s*<emulatorpin cpuset="1"\/>/);
    });

    it("xen: netfront by default, an emulated e1000 for an HVM guest, vCPUs pinned", async () => {
        for (const xml of await validDomains("xen", {})) assert.match(benchmarkInterface(xml), /<model type="netfront"\/>/);
        const pinning = [{ vcpus: ["1"] }, { vcpus: ["2"] }];
        const xmls = await validDomains("xen", { "hvnetlab:guests": "2", ...nic({ model: "e1000", pinning }) });
        for (const xml of xmls) {
            assert.match(benchmarkInterface(xml), /<model type="e1000"\/>/);
            assert.match(xml.match(/<interface[\s\S]*?<\/interface>/)![0], /<model type="netfront"\/>/);
        }
        assert.match(xmls[1], /<cputune>\s*<vcpupin vcpu="0" cpuset="2"\/>\s*<\/cputune>/);
    });
});
