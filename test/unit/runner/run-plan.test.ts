import * as assert from "assert";
import { spawnSync } from "child_process";
import { readdirSync, readFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { checkWires, ClockOffsetError, ReachabilityError, WireMismatchError } from "../../../runner/preflight";
import { netperfDeadlineMs } from "../../../runner/measure-cell";
import { netperfFailure } from "../../../runner/netperf/diagnosis";
import { runPlan } from "../../../runner/run-plan";
import type { ProcessResult, RunOptions, Transport } from "../../../runner/transport/transport";
import type { ClockReading, Plan, PlanEndpoint } from "../../../model";
import { factsFor, testPlan } from "../../plans";

const stream = readFileSync(path.join(__dirname, "..", "..", "fixtures", "tcp_stream.out"), "utf8");
const noServer = readFileSync(path.join(__dirname, "..", "..", "fixtures", "no_netserver.out"), "utf8");

/** Replays captured netperf output; `failing(endpoint, argv)` picks the runs that fail. */

class ReplayTransport implements Transport {
    readonly calls: { endpoint: string; argv: readonly string[]; startAtMs?: number }[] = [];
    constructor(
        private readonly failing: (endpoint: string, argv: readonly string[]) => boolean,
        private readonly offsets: Record<string, number> = {},
    ) {}
    async clock(endpoint: PlanEndpoint): Promise<ClockReading> {
        return { offsetMs: this.offsets[endpoint.name] ?? 0, rttMs: 0.4 };
    }
    async run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        if (argv[3] === "hvnetlab-facts") return { code: 0, signal: null, stdout: factsFor(argv), stderr: "", startedAtMs: Date.now() };
        this.calls.push({ endpoint: endpoint.name, argv, startAtMs: options.startAtMs });
        const fail = this.failing(endpoint.name, argv);
        return { code: fail ? 255 : 0, signal: null, stdout: fail ? "" : stream, stderr: fail ? noServer : "", startedAtMs: Date.now() };
    }
}

const plan: Plan = testPlan(2, { guestCounts: [1, 2] }, { cpu: true });

describe("benchmark runner", () => {
    it("checks reachability first, then starts each cell's streams at one common time", async () => {
        const t = new ReplayTransport(() => false);
        const events: string[] = [];
        const doc = await runPlan(plan, { transport: t, onProgress: (e) => events.push(e.kind) });
        assert.deepStrictEqual(events, ["endpoints", "check", "start", "done", "start", "done"]);
        assert.deepStrictEqual(
            t.calls.slice(0, 2).map((c) => c.argv.slice(0, 7)),
            [
                ["netperf", "-H", "10.77.0.1", "-p", "12865", "-t", "TCP_RR"],
                ["netperf", "-H", "10.77.0.5", "-p", "12865", "-t", "TCP_RR"],
            ],
        );
        const cell2 = t.calls.slice(3);
        assert.strictEqual(cell2.length, 2);
        assert.strictEqual(cell2[0].startAtMs, cell2[1].startAtMs);
        assert.deepStrictEqual(
            doc.runs.map((r) => [r.id, r.status]),
            [
                ["send-native-TCP_STREAM-16384B-1g", "ok"],
                ["send-native-TCP_STREAM-16384B-2g", "ok"],
            ],
        );
        assert.strictEqual(doc.fingerprint, "sha256:x");
        assert.strictEqual(doc.notes.length, 1, "the CPU caveat is stated");
        assert.deepStrictEqual(Object.keys(doc.endpoints).sort(), ["g1", "g2", "peer"]);
        assert.deepStrictEqual(doc.endpoints.g1.facts.nics, [
            { address: "10.77.0.2", name: "bench0", driver: "virtio_net", speedMbps: 1000, mtu: 1500 },
        ]);
        assert.strictEqual(doc.endpoints.g1.facts.cpuModel, "Test CPU @ 2.0GHz");
        assert.strictEqual(doc.maxClockOffsetMs, 5);
    });

    it("refuses to measure when a clock is further off than the bound, naming the endpoint", async () => {
        const t = new ReplayTransport(() => false, { g2: -7.5 });
        await assert.rejects(
            runPlan(plan, { transport: t }),
            (e: Error) => e instanceof ClockOffsetError && /g2 \(-7\.5 ms\)/.test(e.message) && /maxClockOffsetMs \(5 ms\)/.test(e.message),
        );
        assert.strictEqual(t.calls.length, 0, "nothing measured");
    });

    it("moves each client's samples onto the runner's clock by its offset", async () => {
        const straight = await runPlan(plan, { transport: new ReplayTransport(() => false) });
        const shifted = await runPlan(plan, { transport: new ReplayTransport(() => false, { g1: 4 }) });
        const first = (d: typeof straight) => d.runs[0].streams[0].samples[0][0];
        assert.ok(Math.abs(first(straight) - first(shifted) - 0.004) < 1e-6, "g1's samples moved 4 ms earlier");
        assert.strictEqual(shifted.endpoints.g1.clock.offsetMs, 4);
    });

    it("refuses to measure when a netserver does not answer, naming the wire", async () => {
        const t = new ReplayTransport((e, argv) => e === "g2" && argv.includes("TCP_RR"));
        await assert.rejects(
            runPlan(plan, { transport: t }),
            (e: Error) => e instanceof ReachabilityError && /g2 -> netserver on peer at 10\.77\.0\.5:12865/.test(e.message),
        );
        assert.strictEqual(t.calls.length, 2, "no benchmark started");
    });

    it("reports a stream that fails mid-run and completes the other runs", async () => {
        const t = new ReplayTransport((e, argv) => e === "g2" && argv.includes("TCP_STREAM"));
        const doc = await runPlan(plan, { transport: t });
        assert.deepStrictEqual(
            doc.runs.map((r) => r.status),
            ["ok", "partial"],
        );
        const bad = doc.runs[1].streams.find((s) => s.endpoint === "g2")!;
        assert.match(bad.error!, /netperf exited 255: establish control/);
        assert.ok(doc.runs[1].aggregate.throughputMbps > 900);
    });

    it("rejects an invalid plan with the fields named", async () => {
        const bad = { ...plan, netserverPort: 0, wires: [{ ...plan.wires[0], mtu: 100 }] };
        await assert.rejects(
            runPlan(bad, { transport: new ReplayTransport(() => false) }),
            /netserverPort must be a port number[\s\S]*wires\[0\]\.mtu/,
        );
    });
});

describe("the wires, checked against the plan before measuring", () => {
    const wire = (i: number, mtu = 1500) => ({
        index: i,
        guest: `g${i + 1}`,
        guestNic: "bench0",
        guestAddress: `10.77.0.${4 * i + 2}`,
        peer: "peer",
        peerNic: `eth${i + 1}`,
        peerAddress: `10.77.0.${4 * i + 1}`,
        speedMbps: 1000,
        mtu,
    });
    const endpoints: PlanEndpoint[] = ["g1", "peer"].map(
        (name) => ({ name, role: name === "peer" ? "peer" : "guest", access: { kind: "netns", namespace: name } }) as PlanEndpoint,
    );
    const report = (virt: string, nics: { address: string; name: string; mtu?: number; speedMbps?: number }[]) => ({
        facts: { kernel: "k", cpuModel: "c", virtualization: virt, hypervisor: "", nics: nics.map((n) => ({ driver: "d", ...n })) },
        clock: { offsetMs: 0, rttMs: 0 },
    });

    it("stops on a NIC whose MTU is not the wire's, naming the endpoint, the NIC and both values", () => {
        const plan = { endpoints, wires: [wire(0, 9000)], limitBasis: "ethernet" as const };
        const reports = {
            g1: report("vmware", [{ address: "10.77.0.2", name: "ens224", mtu: 1500, speedMbps: 10000 }]),
            peer: report("none", [{ address: "10.77.0.1", name: "eth1", mtu: 9000, speedMbps: 1000 }]),
        };
        assert.throws(
            () => checkWires(plan, reports),
            (e: Error) =>
                e instanceof WireMismatchError &&
                /g1: ens224 \(10\.77\.0\.2\) has MTU 1500, the plan says 9000/.test(e.message) &&
                !/peer/.test(e.message.split("\n")[1]),
        );
    });

    it("checks link speed on bare metal with an Ethernet limit only", () => {
        const plan = { endpoints, wires: [wire(0)], limitBasis: "ethernet" as const };
        const reports = {
            g1: report("kvm", [{ address: "10.77.0.2", name: "eth1", mtu: 1500, speedMbps: 10000 }]),
            peer: report("none", [{ address: "10.77.0.1", name: "eth1", mtu: 1500, speedMbps: 100 }]),
        };
        assert.throws(() => checkWires(plan, reports), /peer: eth1 \(10\.77\.0\.1\) links at 100 Mb\/s, the plan says 1000/);
        assert.doesNotThrow(() => checkWires({ ...plan, limitBasis: "tbf" }, reports), "the local lab shapes veths below their speed");
    });

    it("stops when no NIC holds a wire address", () => {
        const plan = { endpoints, wires: [wire(0)], limitBasis: "tbf" as const };
        const reports = {
            g1: report("none", [{ address: "10.77.0.2", name: "missing" }]),
            peer: report("none", [{ address: "10.77.0.1", name: "p", mtu: 1500 }]),
        };
        assert.throws(() => checkWires(plan, reports), /g1: no NIC holds the wire address 10\.77\.0\.2/);
    });
});

describe("hvnetlab measure, given an SSH key and a bad plan", () => {
    it("refuses the plan without ever writing the key to disk", () => {
        const keyDirs = () =>
            readdirSync(tmpdir())
                .filter((f) => f.startsWith("hvkey-"))
                .sort();
        const before = keyDirs();
        const r = spawnSync(process.execPath, [path.join(__dirname, "..", "..", "..", "bin", "hvnetlab.js"), "bench", "--plan", "-"], {
            input: "null",
            encoding: "utf8",
            env: {
                ...process.env,
                HVNETLAB_SSH_PRIVATE_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-real\n-----END OPENSSH PRIVATE KEY-----",
            },
        });
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stderr, /^hvnetlab: the plan must be a JSON object$/m);
        assert.deepStrictEqual(keyDirs(), before, "no key directory left behind");
    });
});

describe("the runner keeps what it measured", () => {
    it("hands the results so far to onResults after every run, the rest marked not measured yet", async () => {
        const seen: string[][] = [];
        const doc = await runPlan(plan, {
            transport: new ReplayTransport(() => false),
            onResults: (d) => seen.push(d.runs.map((r) => r.status + (r.error ? `:${r.error}` : ""))),
        });
        assert.deepStrictEqual(seen, [
            ["ok", "failed:not run: 1 of 2 runs measured so far"],
            ["ok", "ok"],
        ]);
        assert.strictEqual(doc.incomplete, undefined);
    });

    it("stopped after the first run: returns it, marks the others not run, and says why", async () => {
        const abort = new AbortController();
        const doc = await runPlan(plan, {
            transport: new ReplayTransport(() => false),
            signal: abort.signal,
            onProgress: (e) => {
                if (e.kind === "done") abort.abort("stopped by SIGTERM");
            },
        });
        assert.strictEqual(doc.incomplete, "stopped by SIGTERM: 1 of 2 runs measured");
        assert.deepStrictEqual(
            doc.runs.map((r) => [r.guests, r.status]),
            [
                [1, "ok"],
                [2, "failed"],
            ],
        );
        assert.match(doc.runs[1].error!, /^not run: stopped by SIGTERM/);
        assert.strictEqual(doc.runs[1].aggregate.throughputMbps, 0);
    });

    it("measures each cell hvnetlab:repeats times and keeps every repeat", async () => {
        const t = new ReplayTransport(() => false);
        const doc = await runPlan({ ...plan, repeats: 3 }, { transport: t });
        assert.strictEqual(t.calls.filter((c) => c.argv.includes("-D")).length, 3 * (1 + 2), "3 repeats of 1 and of 2 streams");
        for (const r of doc.runs) {
            assert.strictEqual(r.repeats?.length, 3);
            assert.strictEqual(r.stats?.n, 3);
            assert.strictEqual(r.stats?.cvPct, 0, "identical repeats");
        }
    });

    it("gives each netperf a deadline of its lead, its duration and half again (at least 10 s)", () => {
        assert.strictEqual(netperfDeadlineMs({ startLeadMs: 500, durationSeconds: 4 }), 500 + 14000);
        assert.strictEqual(netperfDeadlineMs({ startLeadMs: 0, durationSeconds: 60 }), 90000);
    });
});

describe("netperf's failure, in one line", () => {
    it("takes stderr where netperf wrote there, else the failure among an armed netperf's debug lines", () => {
        assert.strictEqual(
            netperfFailure("", "establish control: are you sure there is a netserver listening on 10.0.0.1 at port 12865?\nmore"),
            "establish control: are you sure there is a netserver listening on 10.0.0.1 at port 12865?",
        );
        const debug =
            "resolve_host called with host '10.99.0.1' port '(null)' family AF_UNSPEC\nCould not install signal catcher for sig 32, errno 22\n" +
            "establish control: are you sure there is a netserver listening on 10.99.0.1 at port 12999?\nestablish_control could not establish the control connection from 0.0.0.0\n";
        assert.strictEqual(
            netperfFailure(debug, ""),
            "establish control: are you sure there is a netserver listening on 10.99.0.1 at port 12999?",
        );
        assert.strictEqual(netperfFailure("a\nlast words\n", ""), "last words");
        assert.strictEqual(netperfFailure("", ""), "no output");
    });
});
