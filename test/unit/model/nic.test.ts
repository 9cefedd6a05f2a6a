// The NIC path in words, and read back from the guests' facts.
import * as assert from "assert";
import type { NicChannels, NicPath, Unavailable } from "../../../model";
import { nicPathNotes, nicPathWords } from "../../../model";

const virtio: NicPath = { model: "virtio", queues: 1, attach: "macvtap", pinned: false };
const wires = [
    { guest: "g1", guestNic: "bench0" },
    { guest: "g2", guestNic: "bench0" },
];
const facts = (d1: string, d2: string) => ({
    g1: { nics: [{ name: "bench0", driver: d1 }] },
    g2: { nics: [{ name: "bench0", driver: d2 }] },
});

describe("the NIC path", () => {
    it("reads in a few words: queues above 1, vhost where set, pinned where pinned", () => {
        assert.strictEqual(nicPathWords(virtio), "virtio macvtap");
        assert.strictEqual(nicPathWords({ ...virtio, queues: 2, vhost: "off", pinned: true }), "virtio mq2 macvtap vhost off pinned");
    });

    it("is read back from the drivers the guests bound, and a guest on another path is noted by name", () => {
        assert.deepStrictEqual(nicPathNotes(virtio, wires, facts("virtio_net", "virtio_net")), []);
        assert.deepStrictEqual(nicPathNotes({ ...virtio, model: "e1000e" }, wires, facts("e1000e", "virtio_net")), [
            "g2's bench0 is driven by virtio_net, but the NIC path says e1000e (e1000e): the guest is not on the path its lab is labelled with",
        ]);
        assert.deepStrictEqual(nicPathNotes({ ...virtio, model: "rtl8139" }, wires, facts("8139cp", "8139too")), []);
        assert.deepStrictEqual(nicPathNotes({ ...virtio, model: "netfront", attach: "bridge" }, wires, facts("vif", "vif")), []);
    });

    it("reads virtio's queue pairs back from ethtool -l, and notes a guest that runs another count", () => {
        const withChannels = (combined: number, other: NicChannels | Unavailable = { current: { combined }, max: { combined: 2 } }) => ({
            g1: { nics: [{ name: "bench0", driver: "virtio_net", channels: { current: { combined }, max: { combined: 2 } } }] },
            g2: { nics: [{ name: "bench0", driver: "virtio_net", channels: other }] },
        });
        const mq2 = { ...virtio, queues: 2 };
        assert.deepStrictEqual(nicPathNotes(mq2, wires, withChannels(2)), []);
        assert.deepStrictEqual(nicPathNotes(mq2, wires, withChannels(2, { current: { combined: 1 }, max: { combined: 1 } })), [
            "g2's bench0 runs 1 queue pair (ethtool -l), but the NIC path says 2: the guest is not on the path its lab is labelled with",
        ]);
        assert.deepStrictEqual(nicPathNotes(virtio, wires, withChannels(1, { current: { rx: 2, tx: 2 }, max: { rx: 2, tx: 2 } })), [
            "g2's bench0 runs 2 queue pairs (ethtool -l), but the NIC path says 1: the guest is not on the path its lab is labelled with",
        ]);
        // Channels ethtool could not read say nothing; nor do other models' (netfront picks its own queues).
        assert.deepStrictEqual(nicPathNotes(mq2, wires, withChannels(2, { unavailable: "ethtool is not installed" })), []);
        const vif = { g1: { nics: [{ name: "bench0", driver: "vif", channels: { current: { combined: 2 }, max: { combined: 2 } } }] } };
        assert.deepStrictEqual(nicPathNotes({ ...virtio, model: "netfront", attach: "bridge" }, wires, vif), []);
    });

    it("says nothing without a path, a known model or the guest's facts", () => {
        assert.deepStrictEqual(nicPathNotes(undefined, wires, facts("e1000", "e1000")), []);
        assert.deepStrictEqual(nicPathNotes({ ...virtio, model: "vrdma" }, wires, facts("e1000", "e1000")), []);
        assert.deepStrictEqual(nicPathNotes({ ...virtio, model: "e1000" }, wires, {}), []);
    });
});
