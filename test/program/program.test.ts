import * as assert from "assert";
import type { Plan, ResultsDocument } from "../../model";
import type { Registration } from "../mocks";
import { fakeBenchmarkRun, loadProgram, MockLab, promiseOf } from "../mocks";

const COMMAND = "command:local:Command";

/** The benchmark command answers with a results document for its plan; netserver with its version. */
function fakeCommandOutputs(r: Registration): Record<string, unknown> {
    if (r.name.endsWith("-benchmark-run")) return fakeBenchmarkRun(r);
    return { stdout: r.name.includes("netserver") ? "2.7.0" : "", stderr: "" };
}

async function run(config: Record<string, string>) {
    const mocks = new MockLab({ [COMMAND]: fakeCommandOutputs });
    await mocks.install();
    const program = loadProgram(config);
    const [lab, plan, results, summary] = await Promise.all([program.lab, program.plan, program.results, program.summary].map(promiseOf));
    return { mocks, program, lab, plan: plan as Plan, results: results as ResultsDocument, summary };
}

describe("the program under Pulumi's mock runtime", function () {
    it("gives every guest exactly one NIC, on a wire of its own", async () => {
        const { plan, mocks } = await run({ guests: "4" });
        assert.strictEqual(plan.wires.length, 4);
        const guests = plan.endpoints.filter((e) => e.role === "guest").map((e) => e.name);
        assert.deepStrictEqual(guests, ["g1", "g2", "g3", "g4"]);
        for (const g of guests) assert.strictEqual(plan.wires.filter((w) => w.guest === g).length, 1, `${g} has one wire`);
        const peerNics = plan.wires.map((w) => `${w.peer}/${w.peerNic}`);
        assert.strictEqual(new Set(peerNics).size, 4, "no peer NIC is shared");
        const addresses = plan.wires.flatMap((w) => [w.guestAddress, w.peerAddress]);
        assert.strictEqual(new Set(addresses).size, 8, "no address is shared");
        const wireCommands = mocks.ofType(COMMAND).filter((r) => /-wire-\d+$/.test(r.name));
        assert.strictEqual(wireCommands.length, 4);
        for (const w of plan.wires) {
            const cmd = wireCommands[w.index].inputs.create as string;
            assert.ok(
                cmd.includes(`'hvnetlab-${w.guest}'`) && cmd.includes(`'${w.peerNic}'`),
                "the wire command cables this guest to its own peer NIC",
            );
            assert.ok(cmd.includes("tbf rate '1000'mbit"), "shaped to the wire speed");
        }
    });

    it("gives each guest its own peer when peer=guest", async () => {
        const { plan } = await run({ guests: "3", peer: "guest" });
        assert.deepStrictEqual(
            plan.endpoints.filter((e) => e.role === "peer").map((e) => e.name),
            ["p1", "p2", "p3"],
        );
        assert.deepStrictEqual(
            plan.wires.map((w) => w.peer),
            ["p1", "p2", "p3"],
        );
    });

    it("parents every resource to its component", async () => {
        await run({ guests: "2" });
        type Settings = { getMonitor(): { getRegisteredResources(): Map<string, unknown> } };
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, where the mock monitor lives
        const settings = require("@pulumi/pulumi/runtime/settings") as Settings;
        const monitor = settings.getMonitor();
        // Under mocks a URN's type is "<parent type>$<type>".
        const types = [...monitor.getRegisteredResources().keys()].map((urn) => urn.split("::")[2]);
        const commands = types.filter((t) => t.endsWith("$command:local:Command"));
        assert.ok(commands.length >= 8);
        for (const t of commands) {
            assert.match(t, /^hvnetlab:(platforms:LocalLab|netperf:NetperfDeployment|benchmark:Benchmark)\$command:local:Command$/);
        }
        for (const child of ["hvnetlab:platforms:LocalLab", "hvnetlab:netperf:NetperfDeployment", "hvnetlab:benchmark:Benchmark"]) {
            assert.ok(types.includes(`hvnetlab:lab:Lab$${child}`), `${child} is a child of the Lab`);
        }
        assert.strictEqual(types.filter((t) => !t.includes("$")).length, 1, "only the Lab is at the top");
    });

    it("exports lab, plan, results and summary, shaped as documented", async () => {
        const { lab, plan, results, summary } = await run({ guests: "2", tests: "[TCP_STREAM, TCP_RR]" });
        const inv = lab as any;
        assert.strictEqual(inv.platform, "local");
        assert.match(inv.fingerprint, /^sha256:[0-9a-f]{16}$/);
        assert.strictEqual(inv.fingerprint, plan.fingerprint);
        assert.deepStrictEqual(inv.netperfVersions, { peer: "2.7.0", g1: "2.7.0", g2: "2.7.0" });
        assert.deepStrictEqual(inv.endpoints.find((e: any) => e.name === "g1").nics, [
            { name: "bench0", address: "10.77.0.2", wire: 0, speedMbps: 1000, mtu: 1500 },
        ]);
        assert.strictEqual(inv.endpoints.find((e: any) => e.name === "peer").nics.length, 2);
        assert.deepStrictEqual(plan.matrix.guestCounts, [1, 2]);
        assert.strictEqual(results.schemaVersion, 1);
        assert.strictEqual(results.runs.length, 2 * 2 * 2);
        const rows = summary as any[];
        assert.strictEqual(rows.length, results.runs.length);
        assert.deepStrictEqual(Object.keys(rows[0]).sort(), [
            "experiment",
            "goodputPct",
            "guests",
            "id",
            "lineRatePct",
            "messageBytes",
            "peer",
            "skewMs",
            "status",
            "test",
            "throughputMbps",
        ]);
    });

    it("runs the benchmark after every netserver, with the plan on stdin and re-run triggers", async () => {
        const { mocks, plan } = await run({ guests: "2", runId: "42" });
        const commands = mocks.ofType(COMMAND);
        const bench = commands.find((r) => r.name.endsWith("-benchmark-run"))!;
        const benchAt = commands.indexOf(bench);
        const netservers = commands.filter((r) => r.name.includes("-netserver-"));
        assert.strictEqual(netservers.length, 3);
        for (const n of netservers) assert.ok(commands.indexOf(n) < benchAt, `${n.name} registered before the benchmark`);
        assert.deepStrictEqual(JSON.parse(bench.inputs.stdin), plan);
        assert.deepStrictEqual(bench.inputs.triggers, [bench.inputs.stdin, "42"]);
        const changed = await run({ guests: "2", runId: "43" });
        const bench2 = changed.mocks.ofType(COMMAND).find((r) => r.name.endsWith("-benchmark-run"))!;
        assert.notDeepStrictEqual(bench2.inputs.triggers, bench.inputs.triggers);
    });

    it("keeps the fingerprint across platforms' names but not across shapes", async () => {
        const a = (await run({ guests: "2" })).plan.fingerprint;
        const b = (await run({ guests: "2", labPrefix: "other", subnet: "10.9.0.0/24" })).plan.fingerprint;
        const c = (await run({ guests: "2", mtu: "9000" })).plan.fingerprint;
        assert.strictEqual(a, b);
        assert.notStrictEqual(a, c);
    });

    it("creates nothing when the config is invalid", async () => {
        const mocks = new MockLab();
        await mocks.install();
        assert.throws(() => loadProgram({ guests: "0", mtu: "100" }), /hvnetlab:guests = "0".*\n.*hvnetlab:mtu = "100"/);
        assert.strictEqual(mocks.registrations.length, 0);
    });
});
