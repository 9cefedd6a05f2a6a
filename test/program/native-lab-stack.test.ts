// lab:native's stack (stacks/Pulumi.native-ns.yaml) under the mock runtime: it validates, and its
// plan is what the stand-in host and peer of tools/labs/native.ts provide.
import * as assert from "assert";
import type { Plan } from "../../model";
import { loadStackConfig } from "../../tools/engine/stack-config";
import { ROOT, runStack, TEST_HOST_KEYS } from "../stacks";

describe("lab:native's stack", function () {
    this.timeout(120000);

    it("is the native platform on the stand-in's addresses and NICs, with Ethernet's limit", async () => {
        const run = await runStack("native-ns");
        const plan = run.outputs.plan as Plan;
        assert.strictEqual(plan.limitBasis, "ethernet");
        assert.deepStrictEqual(
            plan.endpoints.map((e) => [e.name, e.access.kind === "ssh" ? e.access.host : ""]),
            [
                ["host", "10.217.0.1"],
                ["peer", "10.217.0.2"],
            ],
        );
        assert.deepStrictEqual(
            plan.wires.map((w) => [w.guestNic, w.peerNic, w.speedMbps, w.mtu]),
            [
                ["nic0", "wire0", 1000, 1500],
                ["nic1", "wire1", 1000, 1500],
            ],
        );
        assert.strictEqual(loadStackConfig(ROOT, "native-ns")["hvnetlab:sshKnownHostsFile"], "/var/lib/hvnetlab/native/known_hosts");
    });

    it("checks the host's and the peer's keys in the lab's known_hosts (sshHostKeyChecking yes)", async () => {
        // runStack stands in for the known_hosts file lab:native writes (the keys of both sshds).
        const run = await runStack("native-ns");
        assert.strictEqual(run.config["hvnetlab:sshHostKeyChecking"], "yes");
        const remote = run.mocks.registrations.filter((r) => r.type === "command:remote:Command");
        const keys = (address: string) =>
            new Set(remote.filter((r) => r.inputs.connection.host === address).map((r) => r.inputs.connection.hostKey));
        // The host's own commands (its NICs) and netperf on it; the peer's likewise.
        assert.deepStrictEqual(keys("10.217.0.1"), new Set([TEST_HOST_KEYS.host]));
        assert.deepStrictEqual(keys("10.217.0.2"), new Set([TEST_HOST_KEYS.peer]));
    });
});
