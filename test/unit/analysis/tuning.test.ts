// The tuning tables: each NIC path of a platform by guest count, as % of native, with the host's
// CPUs per Gb/s and the bottleneck; in the report as its "NIC paths" section.
import * as assert from "assert";
import { reportMarkdown } from "../../../analysis/report";
import { hostCpusPerGbps, KB_PER_GIGABIT, pathsByPlatform, tuningTables } from "../../../analysis/tuning";
import type { Comparable, NicPath, RunResult } from "../../../model";
import { sourceOf } from "../../plans";

function run(guests: number, mbps: number, demand?: number, says?: string): RunResult {
    return {
        id: `send-native-TCP_STREAM-16384B-${guests}g`,
        experiment: "send",
        peer: "native",
        test: "TCP_STREAM",
        messageBytes: 16384,
        guests,
        status: "ok",
        aggregate: { throughputMbps: mbps, lineRatePct: mbps / 10, goodputPct: mbps / 9.415 },
        ...(demand !== undefined ? { cpu: { machines: [], processes: [], missing: [], hostDemandUsPerKB: demand } } : {}),
        ...(says ? { bottleneck: { kind: "cpu", says } } : {}),
    } as unknown as RunResult;
}

const comparable = (nicPath?: NicPath) => ({ nicPath }) as unknown as Comparable;
const path = (model: string, queues = 1): NicPath => ({ model, queues, attach: "macvtap", pinned: false });
const native = sourceOf("native", [run(1, 940), run(2, 1880)]);
const virtio = sourceOf("kvm", [run(1, 900, 8.192, "the wire"), run(2, 1500, 10, "host cpu1 at 99%")], {
    comparable: comparable(path("virtio")),
});
const e1000e = sourceOf("kvm", [run(1, 300, 30)], { comparable: comparable(path("e1000e")) });

describe("the tuning tables", () => {
    it("convert service demand to host CPUs per Gb/s: us/KB x KB per Gb / 10^6", () => {
        assert.strictEqual(KB_PER_GIGABIT, 122070.3125);
        assert.strictEqual(hostCpusPerGbps(run(1, 900, 8.192))!.toFixed(3), "1.000");
        assert.strictEqual(hostCpusPerGbps(run(1, 900)), undefined);
    });

    it("hold only platforms measured with two paths or more", () => {
        assert.deepStrictEqual([...pathsByPlatform([native, virtio, e1000e]).keys()], ["kvm"]);
        assert.strictEqual(pathsByPlatform([native, virtio]).size, 0);
        assert.strictEqual(pathsByPlatform([virtio, { ...virtio, label: "again" }]).size, 0, "the same path twice is not a tuning study");
        assert.deepStrictEqual(tuningTables([native, virtio]), []);
    });

    it("give each path by guest count as % of native, its host CPUs per Gb/s and what limited it", () => {
        const [t] = tuningTables([native, virtio, e1000e], native);
        assert.strictEqual(t.title, "kvm: NIC paths, send TCP_STREAM 16384 B (peer native)");
        assert.deepStrictEqual(t.headers, ["NIC path", "guests", "throughput (% of native)", "host CPUs per Gb/s", "what limited it"]);
        assert.deepStrictEqual(t.rows, [
            ["virtio macvtap", "1", "900.0 Mb/s (95.7% of native)", "1.00", "the wire"],
            ["e1000e macvtap", "1", "300.0 Mb/s (31.9% of native)", "3.66", "-"],
            ["virtio macvtap", "2", "1500.0 Mb/s (79.8% of native)", "1.22", "host cpu1 at 99%"],
            ["e1000e macvtap", "2", "not measured", "-", "-"],
        ]);
    });

    it("stand in the report as its NIC paths section, and only where there are paths to compare", () => {
        const opts = { mismatches: [], baseline: native, charts: [] };
        assert.match(
            reportMarkdown([native, virtio, e1000e], opts),
            /## NIC paths[\s\S]*\| e1000e macvtap \| 1 \| 300\.0 Mb\/s \(31\.9% of native\) \| 3\.66 \| - \|/,
        );
        assert.doesNotMatch(reportMarkdown([native, virtio], opts), /## NIC paths/);
    });
});
