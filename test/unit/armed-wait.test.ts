// How long netperf clients are held armed, against netperf 2.7.0's netserver timer (PAD_TIME).
import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { clientStart, MAX_ARMED_LEAD_MS, MAX_ARMED_SECONDS, NETPERF_PAD_SECONDS, RELEASE_MARGIN_MS } from "../../benchmarks/armed-wait";
import { runPlan } from "../../benchmarks/runner";
import { factsFor, testPlan } from "../plans";
import type { ProcessResult, RunOptions, Transport } from "../../benchmarks/transport";
import type { ClockReading, NetperfTest, Plan } from "../../benchmarks/types";
import { ConfigError, parseLabConfig } from "../../components/config";

const fixture = (name: string) => readFileSync(path.join(__dirname, "..", "fixtures", name), "utf8");

/** A transport that can release armed clients, replays netperf output and records how each client was started. */
class ReleasingTransport implements Transport {
    readonly clients: { test: string; argv: readonly string[]; release: boolean }[] = [];
    canRelease(): boolean {
        return true;
    }
    async clock(): Promise<ClockReading> {
        return { offsetMs: 0, rttMs: 0.1 };
    }
    async run(_e: unknown, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        const done = (stdout: string): ProcessResult => ({ code: 0, signal: null, stdout, stderr: "", startedAtMs: Date.now() });
        if (argv[3] === "hvnetlab-facts") return done(factsFor(argv, "none", "veth"));
        const test = argv[argv.indexOf("-t") + 1];
        if (test === "TCP_RR" && argv.includes("1,1")) return done(fixture("tcp_rr.out")); // the reachability check
        this.clients.push({ test, argv, release: options.release ?? false });
        return done(fixture(test === "TCP_MAERTS" ? "tcp_maerts.out" : "tcp_stream.out"));
    }
}

const plan = (tests: NetperfTest[], startLeadMs: number): Plan => testPlan(1, { tests }, { startLeadMs });

const waitOf = (argv: readonly string[]) => (argv.includes("-s") ? Number(argv[argv.indexOf("-s") + 1]) : undefined);
const lengthOf = (argv: readonly string[]) => Number(argv[argv.indexOf("-l") + 1]);

describe("armed netperf clients and the netserver's PAD_TIME", () => {
    it("keeps every armed wait at least a second inside netperf 2.7.0's 4 s PAD_TIME, with room for a late release", () => {
        assert.strictEqual(NETPERF_PAD_SECONDS, 4);
        for (let lead = 0; lead <= MAX_ARMED_LEAD_MS; lead += 10) {
            const start = clientStart("TCP_STREAM", lead, 10, true);
            assert.ok(start.release, `a ${lead} ms lead is armed`);
            assert.ok(start.armedSeconds <= NETPERF_PAD_SECONDS - 1, `${lead} ms: -s ${start.armedSeconds}`);
            assert.ok(start.armedSeconds * 1000 >= lead + RELEASE_MARGIN_MS, `${lead} ms: -s ${start.armedSeconds} leaves a margin`);
            assert.strictEqual(start.netperfSeconds, 10, "a receiving netserver's pad covers the wait: -l is the duration");
        }
        // Formerly ceil(lead)+2: the default 500 ms lead armed clients for 3 s, 2500 ms for 5 s (past the pad).
        assert.deepStrictEqual(clientStart("TCP_STREAM", 500, 10, true), { release: true, armedSeconds: 2, netperfSeconds: 10 });
        assert.deepStrictEqual(clientStart("UDP_STREAM", 2500, 10, true), {
            release: true,
            armedSeconds: MAX_ARMED_SECONDS,
            netperfSeconds: 10,
        });
    });

    it("launches a client at the start instead of arming it when the lead is longer than the pad allows", () => {
        assert.deepStrictEqual(clientStart("TCP_STREAM", MAX_ARMED_LEAD_MS + 1, 10, true), { release: false, netperfSeconds: 10 });
        assert.deepStrictEqual(clientStart("TCP_MAERTS", 60000, 10, true), { release: false, netperfSeconds: 10 });
        assert.deepStrictEqual(clientStart("TCP_MAERTS", 500, 10, false), { release: false, netperfSeconds: 10 });
    });

    it("asks a TCP_MAERTS netserver, which gets no pad, for the duration plus the lead in whole seconds", () => {
        for (let lead = 0; lead <= MAX_ARMED_LEAD_MS; lead += 10) {
            const start = clientStart("TCP_MAERTS", lead, 10, true);
            assert.ok(start.release);
            // The netserver sends for -l s from setup, about lead ms before the start: at least the duration after it, less than 1 s more.
            const afterStart = start.netperfSeconds - lead / 1000;
            assert.ok(afterStart >= 10 && afterStart < 11, `${lead} ms: -l ${start.netperfSeconds} sends ${afterStart} s after the start`);
        }
        assert.deepStrictEqual(clientStart("TCP_MAERTS", 500, 10, true), { release: true, armedSeconds: 2, netperfSeconds: 11 });
    });

    it("gives each client its -s and -l through the runner", async () => {
        const t = new ReleasingTransport();
        await runPlan(plan(["TCP_STREAM", "TCP_MAERTS"], 500), { transport: t });
        assert.deepStrictEqual(
            t.clients.map((c) => [c.test, c.release, waitOf(c.argv), lengthOf(c.argv)]),
            [
                ["TCP_STREAM", true, 2, 3],
                ["TCP_MAERTS", true, 2, 4],
            ],
        );
    });

    for (const lead of ["5000", "12000", "60000"]) {
        it(`refuses hvnetlab:startLeadMs ${lead}, naming the key and the limit`, () =>
            assert.throws(
                () => parseLabConfig((k) => (k === "startLeadMs" ? lead : undefined)),
                (e: Error) =>
                    e instanceof ConfigError &&
                    e.problems.some(
                        (p) =>
                            p.startsWith(`hvnetlab:startLeadMs = "${lead}"`) && /PAD_TIME \(4 s\)/.test(p) && /from 50 to 2500 ms/.test(p),
                    ),
            ));
    }

    it("accepts the largest lead a client can be held for", () =>
        assert.strictEqual(parseLabConfig((k) => (k === "startLeadMs" ? String(MAX_ARMED_LEAD_MS) : undefined)).startLeadMs, 2500));
});
