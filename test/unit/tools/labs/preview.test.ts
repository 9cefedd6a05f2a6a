import * as assert from "assert";
import { plannedChanges, pnicChangeProblems, replaced } from "../../../../tools/labs";

const DOMAIN = "libvirt:index/domain:Domain";
const urn = (type: string, name: string) => `urn:pulumi:qemu::hvnetlab::hvnetlab:lab:Lab$hvnetlab:platforms:KvmLab$${type}::${name}`;

describe("reading a pulumi preview's plan", () => {
    it("keeps the steps that change something, with their type and name", () => {
        const doc = JSON.stringify({
            steps: [
                { op: "same", urn: urn(DOMAIN, "hvnetlab-kvm-domain-g1") },
                { op: "replace", urn: urn(DOMAIN, "hvnetlab-kvm-domain-g2") },
                { op: "create-replacement", urn: urn(DOMAIN, "hvnetlab-kvm-domain-g2") },
                { op: "delete-replaced", urn: urn(DOMAIN, "hvnetlab-kvm-domain-g2") },
                { op: "update", urn: urn("command:remote:Command", "hvnetlab-kvm-host-wire-2") },
                { op: "read", urn: urn("vsphere:index/getHost:getHost", "h") },
            ],
        });
        const steps = plannedChanges(doc);
        assert.deepStrictEqual(
            steps.map((s) => s.op),
            ["replace", "create-replacement", "delete-replaced", "update"],
        );
        assert.deepStrictEqual(replaced(steps, DOMAIN), ["hvnetlab-kvm-domain-g2"]);
        assert.deepStrictEqual(replaced(steps, "command:remote:Command"), [], "an update is not a replacement");
        assert.deepStrictEqual(plannedChanges(JSON.stringify({ steps: [{ op: "same", urn: urn(DOMAIN, "d") }] })), []);
    });

    it("says so where the output is not a preview document", () => {
        assert.throws(() => plannedChanges("error: no stack"), /printed no JSON/);
        assert.throws(() => plannedChanges("{}"), /no steps list/);
    });
});

describe("lab:qemu: what a pNIC change must replace, by the NIC path", () => {
    const step = (type: string, name: string, op = "replace") => ({ op, type, name, urn: urn(type, name) });
    const CMD = "command:remote:Command";
    it("on macvtap: guest 2's Domain alone", () => {
        assert.deepStrictEqual(pnicChangeProblems([step(DOMAIN, "hvnetlab-kvm-domain-g2")], "macvtap"), []);
        assert.deepStrictEqual(
            pnicChangeProblems([step(DOMAIN, "hvnetlab-kvm-domain-g1"), step(DOMAIN, "hvnetlab-kvm-domain-g2")], "passthrough"),
            ["changing guest 2's pNIC replaces the Domains [hvnetlab-kvm-domain-g1, hvnetlab-kvm-domain-g2], not guest 2's alone"],
        );
    });
    it("on a bridge: no Domain, guest 2's bridge command alone", () => {
        assert.deepStrictEqual(pnicChangeProblems([step(CMD, "hvnetlab-kvm-host-bridge-2")], "bridge"), []);
        assert.deepStrictEqual(
            pnicChangeProblems([step(DOMAIN, "hvnetlab-kvm-domain-g2"), step(CMD, "hvnetlab-kvm-host-bridge-2")], "bridge"),
            [
                "changing guest 2's pNIC on a bridge replaces the Domains [hvnetlab-kvm-domain-g2] and the bridges [hvnetlab-kvm-host-bridge-2], not guest 2's bridge alone",
            ],
        );
        assert.strictEqual(pnicChangeProblems([], "bridge").length, 1);
    });
});
