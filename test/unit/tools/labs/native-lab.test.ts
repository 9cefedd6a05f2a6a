// lab:native's stand-in for a bare-metal host: its wires' shaping and the check of its NICs' state.
import * as assert from "assert";
import { ETHERNET_OVERHEAD, goodputLimit, TBF_OVERHEAD } from "../../../../model";
import { ethernetShaping, nicStateProblems } from "../../../../tools/labs";

describe("lab:native: the stand-in's wires", () => {
    it("tbf's rate makes a full-size frame cost MTU + 38 bytes: the Ethernet goodput limit", () => {
        const args = ethernetShaping(1000, 1500);
        assert.deepStrictEqual(args, ["tbf", "rate", "984395kbit", "burst", "256kb", "latency", "50ms"]);
        // tbf counts a frame as MTU + 14 bytes; TCP carries MTU - 52 of them.
        const tbfGoodput = (kbit: number, mtu: number) => ((kbit / 1000) * (mtu - 52)) / (mtu + TBF_OVERHEAD);
        for (const [speed, mtu] of [
            [1000, 1500],
            [1000, 9000],
            [10000, 1500],
            [10000, 9000],
        ]) {
            const kbit = Number(/^(\d+)kbit$/.exec(ethernetShaping(speed, mtu)[2])?.[1]);
            const ethernet = goodputLimit(speed, mtu, "ethernet", "TCP_STREAM", 16384).goodputMbps;
            assert.ok(
                Math.abs(tbfGoodput(kbit, mtu) - ethernet) < 0.05,
                `${speed} Mb/s, MTU ${mtu}: ${tbfGoodput(kbit, mtu)} vs ${ethernet}`,
            );
        }
        assert.strictEqual(goodputLimit(1000, 1500, "ethernet", "TCP_STREAM", 16384).goodputMbps, 941.5);
        assert.strictEqual(ETHERNET_OVERHEAD - TBF_OVERHEAD, 24);
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
