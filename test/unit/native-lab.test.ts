// lab:native's stand-in for a bare-metal host: its wires' shaping and the check of its NICs' state.
import * as assert from "assert";
import { ETHERNET_OVERHEAD, goodputLimit, TBF_OVERHEAD } from "../../benchmarks/limits";
import { ethernetShaping, nicStateProblems } from "../../tools/labs/native";

describe("lab:native: the stand-in's wires", () => {
    it("tbf counts Ethernet's 38 bytes per frame: its 14-byte header plus overhead 24", () => {
        const args = ethernetShaping(1000);
        assert.deepStrictEqual(args.slice(0, 3), ["tbf", "rate", "1000mbit"]);
        const overhead = Number(args[args.indexOf("overhead") + 1]);
        assert.strictEqual(overhead, 24);
        assert.strictEqual(TBF_OVERHEAD + overhead, ETHERNET_OVERHEAD);
        // The limit the plan states for such a wire (ethernet basis) is the design's 941.5 Mb/s.
        assert.strictEqual(goodputLimit(1000, 1500, "ethernet", "TCP_STREAM", 16384).goodputMbps, 941.5);
    });

    it("a NIC differs from how it was found: MTU, up, or an address left", () => {
        assert.deepStrictEqual(nicStateProblems("nic0", { mtu: 9000, up: false, addresses: [] }, 9000), []);
        assert.deepStrictEqual(nicStateProblems("nic0", { mtu: 1500, up: true, addresses: ["10.218.0.2/30"] }, 9000), [
            "nic0 has MTU 1500, it was found with 9000",
            "nic0 is up, it was found down",
            "nic0 still holds 10.218.0.2/30",
        ]);
    });
});
