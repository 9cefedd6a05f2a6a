// How long netperf clients are held armed, against netperf 2.7.0's netserver timer (PAD_TIME).
import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import {
    clientStart,
    MAX_ARMED_LEAD_MS,
    MAX_ARMED_SECONDS,
    NETPERF_PAD_SECONDS,
    RELEASE_MARGIN_MS,
} from "../../../../runner/netperf/armed-hold";
import { runPlan } from "../../../../runner/run-plan";
import { factsFor, testPlan } from "../../../plans";
import type { ProcessResult, RunOptions, Transport } from "../../../../runner/transport/transport";
import type { ClockReading, NetperfTest, Plan } from "../../../../model";
import { ConfigError, parseLabConfig } from "../../../../components";

const fixture = (name: string) => readFileSync(path.join(__dirname, "..", "..", "..", "fixtures", name), "utf8");

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
        for (const test of ["TCP_STREAM", "UDP_STREAM", "TCP_RR", "TCP_MAERTS"] as const) {
            const start = clientStart(test, 10, true);
            assert.ok(start.release, `${test} is armed`);
            assert.strictEqual(start.armedSeconds, NETPERF_PAD_SECONDS - 1, `${test}: -s ${start.armedSeconds}`);
            // The gate releases at most maxWaitMs after the first client armed: the -s wait still has its margin.
            assert.ok(start.maxWaitMs + RELEASE_MARGIN_MS <= start.armedSeconds * 1000, `${test}: waits at most ${start.maxWaitMs} ms`);
        }
        assert.deepStrictEqual(clientStart("TCP_STREAM", 10, true), {
            release: true,
            armedSeconds: MAX_ARMED_SECONDS,
            netperfSeconds: 10,
            maxWaitMs: MAX_ARMED_LEAD_MS,
        });
    });

    it("launches a client at the start instead of arming it where its transport cannot release it", () => {
        assert.deepStrictEqual(clientStart("TCP_STREAM", 10, false), { release: false, netperfSeconds: 10 });
        assert.deepStrictEqual(clientStart("TCP_MAERTS", 10, false), { release: false, netperfSeconds: 10 });
    });

    it("asks a TCP_MAERTS netserver, which gets no pad, for the duration plus a second, and bounds its wait by that second", () => {
        const start = clientStart("TCP_MAERTS", 10, true);
        assert.ok(start.release);
        // The netserver sends for -l s from setup; a client released w ms after it armed streams -l - w s.
        for (let waitMs = 0; waitMs <= start.maxWaitMs; waitMs += 10) {
            const afterStart = start.netperfSeconds - waitMs / 1000;
            assert.ok(
                afterStart >= 10 && afterStart <= 11,
                `${waitMs} ms: -l ${start.netperfSeconds} sends ${afterStart} s after the start`,
            );
        }
        assert.deepStrictEqual(start, { release: true, armedSeconds: MAX_ARMED_SECONDS, netperfSeconds: 11, maxWaitMs: 1000 });
    });

    it("gives each client its -s and -l through the runner", async () => {
        const t = new ReleasingTransport();
        await runPlan(plan(["TCP_STREAM", "TCP_MAERTS"], 500), { transport: t });
        assert.deepStrictEqual(
            t.clients.map((c) => [c.test, c.release, waitOf(c.argv), lengthOf(c.argv)]),
            [
                ["TCP_STREAM", true, 3, 3],
                ["TCP_MAERTS", true, 3, 4],
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
