import * as assert from "assert";
import { plannedChanges, replaced } from "../../../../tools/labs";

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
