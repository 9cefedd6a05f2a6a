// The comparability rules, on the comparable blocks that the real config parser and fingerprint
// make of the stack files in stacks/ (not hand-made blocks that share one fingerprint).
import * as assert from "assert";
import * as path from "path";
import { differences, roleOf } from "../../../analysis/comparability";
import type { Source } from "../../../analysis/compare";
import { checkComparable, fingerprintDifferences, labelCollisions, originName, sourceLabel } from "../../../analysis/compare";
import type { Comparable, ResultsDocument } from "../../../model";
import { parseLabConfig } from "../../../components";
import { fingerprint, fingerprintInputs } from "../../../components/fingerprint";
import { loadStackConfig } from "../../../tools/engine/stack-config";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const SECRETS = { "hvnetlab:sshPrivateKey": "k", "hvnetlab:vspherePassword": "p" };

/** A stack file's comparable block and fingerprint, through the program's own parser. */
function labOf(stack: string, overrides: Record<string, string> = {}): { comparable: Comparable; fingerprint: string } {
    const values: Record<string, string> = { ...loadStackConfig(ROOT, stack), ...SECRETS, ...overrides };
    const config = parseLabConfig((key) => values[`hvnetlab:${key}`]);
    return { comparable: fingerprintInputs(config), fingerprint: fingerprint(config) };
}

/** A source of one ok run per guest count, with the lab's real comparable block. */
function source(label: string, lab: { comparable: Comparable; fingerprint: string }, origin = `${label}.json`): Source {
    const runs = Array.from({ length: lab.comparable.matrix.guests }, (_, i) => ({ guests: i + 1 }));
    const results = { schemaVersion: 1, platform: label, fingerprint: lab.fingerprint, comparable: lab.comparable, runs };
    return { label, origin, results: results as unknown as ResultsDocument };
}

// The hardware stacks share one matrix and method by their stack files; the study compares them.
const MATCH = { "hvnetlab:guests": "4" };

describe("comparability rules", () => {
    it("compares native with every hypervisor on hardware, although their fingerprints differ", () => {
        const native = labOf("native", MATCH);
        assert.strictEqual(roleOf(native.comparable), "baseline");
        for (const stack of ["esx", "kvm", "xen"]) {
            const hv = labOf(stack, MATCH);
            assert.strictEqual(roleOf(hv.comparable), "virtualized");
            assert.notStrictEqual(hv.fingerprint, native.fingerprint, `${stack}: a guest shape makes another fingerprint`);
            assert.deepStrictEqual(differences(native.comparable, hv.comparable, "native", stack), [], stack);
        }
        const sources = ["native", "esx", "kvm", "xen"].map((s) => source(s, labOf(s, MATCH)));
        assert.deepStrictEqual(checkComparable(sources, false), []);
    });

    it("holds the hypervisors to one guest shape, also when native comes first", () => {
        const guest = JSON.parse(loadStackConfig(ROOT, "kvm")["hvnetlab:guest"]) as Record<string, unknown>;
        const bigger = labOf("kvm", { ...MATCH, "hvnetlab:guest": JSON.stringify({ ...guest, vcpus: 2, memoryMiB: 4096 }) });
        const sources = [source("native", labOf("native", MATCH)), source("esx", labOf("esx", MATCH)), source("kvm", bigger)];
        assert.throws(() => checkComparable(sources, false), /esx vs kvm: guest shape: esx \{.*\}, kvm \{.*"vcpus":2.*\}/);
        // native against the bigger kvm alone is fine: native has no guests.
        assert.deepStrictEqual(checkComparable([sources[0], sources[2]], false), []);
    });

    it("still refuses a real difference between native and a hypervisor, naming the part", () => {
        const native = source("native", labOf("native", MATCH));
        const mtu = source("kvm", labOf("kvm", { ...MATCH, "hvnetlab:mtu": "9000" }));
        assert.throws(() => checkComparable([native, mtu], false), /native vs kvm: MTU: native 1500, kvm 9000/);
        const matrix = source("esx", labOf("esx", { ...MATCH, "hvnetlab:tests": '["TCP_STREAM","TCP_RR"]' }));
        assert.throws(
            () => checkComparable([native, matrix], false),
            /matrix: tests: native \["TCP_STREAM"\], esx \["TCP_STREAM","TCP_RR"\]/,
        );
    });

    it("compares two NIC paths of one platform with each other and with native: another fingerprint, no difference held", () => {
        const native = labOf("native", MATCH);
        const virtio = labOf("kvm", MATCH);
        const e1000e = labOf("kvm", { ...MATCH, "hvnetlab:nic": JSON.stringify({ model: "e1000e", attach: "bridge" }) });
        assert.deepStrictEqual(virtio.comparable.nicPath, { model: "virtio", queues: 1, attach: "macvtap", pinned: false });
        assert.deepStrictEqual(e1000e.comparable.nicPath, { model: "e1000e", queues: 1, attach: "bridge", pinned: false });
        assert.notStrictEqual(e1000e.fingerprint, virtio.fingerprint, "the path is the lab's identity");
        assert.deepStrictEqual(differences(virtio.comparable, e1000e.comparable, "a", "b"), []);
        const sources = [source("native", native), source("kvm virtio macvtap", virtio), source("kvm e1000e bridge", e1000e)];
        assert.deepStrictEqual(checkComparable(sources, false), []);
        // The path does not excuse another difference.
        const mtu = labOf("kvm", { ...MATCH, "hvnetlab:mtu": "9000", "hvnetlab:nic": JSON.stringify({ queues: 1, vhost: "off" }) });
        assert.deepStrictEqual(differences(virtio.comparable, mtu.comparable, "a", "b"), ["MTU: a 1500, b 9000"]);
    });

    it("labels a source by its platform and NIC path, where its results record one", () => {
        const lab = labOf("kvm", {
            ...MATCH,
            "hvnetlab:guest": JSON.stringify({ ...JSON.parse(loadStackConfig(ROOT, "kvm")["hvnetlab:guest"]), vcpus: 2 }),
            "hvnetlab:nic": JSON.stringify({
                queues: 2,
                vhost: "on",
                pinning: [0, 1, 2, 3].map((i) => ({ vcpus: [`${2 * i}`, `${2 * i + 1}`] })),
            }),
        });
        assert.strictEqual(sourceLabel({ platform: "kvm", comparable: lab.comparable }), "kvm virtio mq2 macvtap vhost on pinned");
        assert.strictEqual(sourceLabel({ platform: "esx", comparable: labOf("esx", MATCH).comparable }), "esx vmxnet3 vswitch");
        assert.strictEqual(sourceLabel({ platform: "native", comparable: labOf("native", MATCH).comparable }), "native");
        const odd = { ...lab.comparable, nicPath: { model: 3 } } as unknown as Comparable;
        assert.strictEqual(sourceLabel({ platform: "kvm", comparable: odd }), "kvm", "a path another writer made up is left out");
    });

    it("keeps emulated labs apart from hardware, and comparable with each other", () => {
        const qemu = labOf("qemu");
        assert.match(qemu.comparable.emulation ?? "", /QEMU TCG/);
        const kvm = labOf("kvm", { "hvnetlab:guests": qemu.comparable.matrix.guests.toString() });
        const diffs = differences(kvm.comparable, qemu.comparable, "kvm", "qemu");
        assert.ok(
            diffs.some((d) => d === "testbed: kvm hardware, qemu emulated (QEMU TCG guests (libvirt domainType qemu))"),
            diffs.join("\n"),
        );
        // A native host stood in for by namespaces is emulated too, and then compares with the QEMU lab.
        const standIn = labOf("native", {
            "hvnetlab:emulation": "namespaces stand in for the host",
            "hvnetlab:guests": String(qemu.comparable.matrix.guests),
            "hvnetlab:durationSeconds": String(qemu.comparable.method.durationSeconds),
        });
        const left = differences(standIn.comparable, qemu.comparable, "native", "qemu");
        assert.ok(!left.some((d) => d.startsWith("testbed")), left.join("\n"));
        const real = labOf("native", {
            "hvnetlab:guests": String(qemu.comparable.matrix.guests),
            "hvnetlab:durationSeconds": String(qemu.comparable.method.durationSeconds),
        });
        assert.ok(
            differences(real.comparable, qemu.comparable, "native", "qemu").some((d) => d.startsWith("testbed")),
            "real native vs emulated kvm",
        );
    });

    it("refuses an emulation description that is not plain text", () => {
        assert.throws(() => labOf("native", { "hvnetlab:emulation": "$(reboot)" }), /hvnetlab:emulation.*not a short description/s);
    });

    it("reports a field that no rule names as 'other', so a newer block is never silently compared", () => {
        const a = labOf("kvm").comparable;
        const b = { ...a, futureKnob: 3 } as Comparable;
        assert.deepStrictEqual(differences(a, b, "a", "b"), ['other: a {}, b {"futureKnob":3} (made by another version of hvnetlab?)']);
        const sa = source("a", { comparable: a, fingerprint: "sha256:1" });
        const sb = source("b", { comparable: b, fingerprint: "sha256:2" });
        assert.strictEqual(fingerprintDifferences(sa, sb).length, 1);
    });
});

describe("compare: labels of two runs of one stack", () => {
    const lab = labOf("local");
    it("labels sources that share a platform by their file or stack name, and says so", () => {
        const before = source("local", lab, "out/before.outputs.json");
        const after = source("local", lab, "/tmp/after.json");
        const { sources, notes } = labelCollisions([before, after], [false, false]);
        assert.deepStrictEqual(
            sources.map((s) => s.label),
            ["before", "after"],
        );
        assert.deepStrictEqual(notes, [
            "note: out/before.outputs.json is labelled 'before' (more than one source is 'local')",
            "note: /tmp/after.json is labelled 'after' (more than one source is 'local')",
        ]);
        assert.strictEqual(originName("stack kvm"), "kvm");
        assert.strictEqual(originName("a/b/x.results.json"), "x");
    });
    it("keeps labels given with --label and unique ones, and asks for --label only where still ambiguous", () => {
        const kept = labelCollisions([source("local", lab, "a.json"), source("mine", lab, "b.json")], [false, true]);
        assert.deepStrictEqual(
            kept.sources.map((s) => s.label),
            ["local", "mine"],
        );
        assert.deepStrictEqual(kept.notes, []);
        assert.throws(
            () => labelCollisions([source("local", lab, "a/run.json"), source("local", lab, "b/run.json")], [false, false]),
            /two sources are labelled 'run' \(a\/run\.json, b\/run\.json\): give each its own with --label/,
        );
    });
});
