// lab:native's stack (stacks/Pulumi.native-ns.yaml) under the mock runtime: it validates, and its
// plan is what the stand-in host and peer of tools/labs/native.ts provide.
import * as assert from "assert";
import type { Plan } from "../../benchmarks/types";
import { runStack } from "../stacks";

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
        assert.strictEqual(run.config["hvnetlab:sshKnownHostsFile"], "/var/lib/hvnetlab/native/known_hosts");
    });
});
