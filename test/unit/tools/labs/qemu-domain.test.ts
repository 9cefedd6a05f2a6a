// lab:qemu holds each domain, as libvirt keeps it (virsh dumpxml), to the NIC path its results are
// labelled with: the host's view of the path, beside the guest's (its driver and queue pairs).
import * as assert from "assert";
import type { NicPath } from "../../../../model";
import { domainPathProblems } from "../../../../tools/labs";

const virtio: NicPath = { model: "virtio", queues: 1, attach: "macvtap", pinned: false };

describe("lab:qemu: the host's view of the NIC path", () => {
    it("agrees where the domain has the path's model, queue pairs and pinning", () => {
        assert.deepStrictEqual(domainPathProblems("hvq-g1", { model: "virtio", vcpupins: 0 }, virtio), []);
        assert.deepStrictEqual(
            domainPathProblems("hvq-g1", { model: "virtio", queues: 2, vcpupins: 2 }, { ...virtio, queues: 2, pinned: true }),
            [],
        );
        assert.deepStrictEqual(domainPathProblems("hvq-g1", { vcpupins: 0 }, { ...virtio, model: "vf", attach: "hostdev" }), []);
    });

    it("names each part of the path the domain does not have", () => {
        assert.deepStrictEqual(
            domainPathProblems("hvq-g2", { model: "virtio", vcpupins: 0 }, { ...virtio, model: "e1000e", queues: 2, pinned: true }),
            [
                "hvq-g2's benchmark NIC is a virtio in libvirt, but the NIC path says e1000e",
                "hvq-g2's benchmark NIC has 1 queue pair(s) in libvirt, but the NIC path says 2",
                "hvq-g2 has 0 vCPU pin(s) in libvirt, but the NIC path says pinned",
            ],
        );
        assert.deepStrictEqual(domainPathProblems("hvq-g1", { vcpupins: 1 }, virtio), [
            "hvq-g1's benchmark NIC is no model in libvirt, but the NIC path says virtio",
            "hvq-g1 has 1 vCPU pin(s) in libvirt, but the NIC path says not pinned",
        ]);
    });
});
