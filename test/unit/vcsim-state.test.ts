// lab:vcsim's check of the state: the password only encrypted, one uplink per vSwitch (its guest's
// pNIC), the wire MTU, and a management and a benchmark vmxnet3 NIC per VM.
import * as assert from "assert";
import { checkState } from "../../tools/labs/vcsim";

const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };
const vswitch = (i: number, adapters: string[], mtu = 9000) => ({
    urn: `urn:pulumi:vcsim::hvnetlab::vsphere:index/hostVirtualSwitch:HostVirtualSwitch::vs${i}`,
    type: "vsphere:index/hostVirtualSwitch:HostVirtualSwitch",
    inputs: { name: `hvs-vs${i}`, networkAdapters: adapters, activeNics: adapters, mtu },
});
const vm = (i: number) => ({
    urn: `urn:pulumi:vcsim::hvnetlab::vsphere:index/virtualMachine:VirtualMachine::g${i}`,
    type: "vsphere:index/virtualMachine:VirtualMachine",
    inputs: { name: `hvs-g${i}`, networkInterfaces: [{ adapterType: "vmxnet3" }, { adapterType: "vmxnet3" }] },
    outputs: { moid: `vm-${i}` },
});
const pg = (i: number) => ({ urn: `pg${i}`, type: "vsphere:index/hostPortGroup:HostPortGroup", inputs: { name: `hvs-pg${i}` } });
const exported = (resources: unknown[]) => JSON.stringify({ deployment: { resources } });
const good = () => [
    { urn: "p", type: "pulumi:providers:vsphere", inputs: { password: secret } },
    vswitch(1, ["vmnic1"]),
    vswitch(2, ["vmnic2"]),
    pg(1),
    pg(2),
    vm(1),
    vm(2),
];

describe("lab:vcsim's check of the state", () => {
    it("passes the planned resources with an encrypted password", () => {
        assert.deepStrictEqual(checkState(exported(good()), "pw-123", 2, 9000, ["vmnic1", "vmnic2"]), []);
    });

    it("matches each vSwitch to its guest by name, whatever the state's order, and finds swapped uplinks", () => {
        const r = good();
        [r[1], r[2]] = [r[2], r[1]];
        assert.deepStrictEqual(checkState(exported(r), "pw-123", 2, 9000, ["vmnic1", "vmnic2"]), []);
        r[1] = vswitch(2, ["vmnic1"]);
        r[2] = vswitch(1, ["vmnic2"]);
        assert.strictEqual(
            checkState(exported(r), "pw-123", 2, 9000, ["vmnic1", "vmnic2"]).filter((p) => /not only its guest's pNIC/.test(p)).length,
            2,
        );
    });

    it("finds a plain password, a shared uplink, a wrong MTU and a missing VM", () => {
        const r = good();
        r[0] = { urn: "p", type: "pulumi:providers:vsphere", inputs: { password: "pw-123" as never } };
        r[2] = vswitch(2, ["vmnic1", "vmnic2"]);
        r[1] = vswitch(1, ["vmnic1"], 1500);
        r.pop();
        const problems = checkState(exported(r), "pw-123", 2, 9000, ["vmnic1", "vmnic2"]);
        assert.ok(
            problems.some((p) => /plain text/.test(p)),
            problems.join("\n"),
        );
        assert.ok(problems.some((p) => /not stored as a secret/.test(p)));
        assert.ok(problems.some((p) => /hvs-vs2 has uplinks \["vmnic1","vmnic2"\]/.test(p)));
        assert.ok(problems.some((p) => /hvs-vs1 has MTU 1500/.test(p)));
        assert.ok(problems.some((p) => /expected 2 vSwitches, port groups and VMs/.test(p)));
    });
});
