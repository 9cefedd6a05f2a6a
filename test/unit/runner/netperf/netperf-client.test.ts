import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { netperfArgs, NetperfOutputError, parseNetperfOutput, reachabilityArgs } from "../../../../runner/netperf/netperf-client";

const fixture = (name: string) => readFileSync(path.join(__dirname, "..", "..", "..", "fixtures", name), "utf8");

describe("netperf output parser (real output captured on this machine)", () => {
    it("reads TCP_STREAM interim samples and the final line", () => {
        const r = parseNetperfOutput(fixture("tcp_stream.out"));
        assert.strictEqual(r.samples.length, 6);
        assert.deepStrictEqual(r.samples[0], { value: 985.66, units: "10^6bits/s", intervalSeconds: 0.5, at: 1795595047.467 });
        assert.strictEqual(r.samples[5].intervalSeconds, 0.487);
        assert.strictEqual(r.throughput, 956.93);
        assert.strictEqual(r.units, "10^6bits/s");
        assert.strictEqual(r.localSendThroughput, 956.9);
        assert.strictEqual(r.remoteRecvThroughput, 956.93);
        assert.strictEqual(r.localCpuPct, 7.48);
        assert.strictEqual(r.elapsedSeconds, 3.01);
    });

    it("reads TCP_RR transactions per second", () => {
        const r = parseNetperfOutput(fixture("tcp_rr.out"));
        assert.strictEqual(r.units, "Trans/s");
        assert.strictEqual(r.samples.length, 4);
        assert.strictEqual(r.samples[2].value, 41428.34);
        assert.strictEqual(r.throughput, 36063.64);
    });

    it("reads UDP_STREAM with the receiver's figure as the throughput", () => {
        const r = parseNetperfOutput(fixture("udp_stream.out"));
        assert.strictEqual(r.throughput, 975.64);
        assert.strictEqual(r.localSendThroughput, 976.16);
        assert.strictEqual(r.samples.length, 4);
    });

    it("reads TCP_MAERTS", () => {
        const r = parseNetperfOutput(fixture("tcp_maerts.out"));
        assert.strictEqual(r.throughput, 957.02);
        assert.strictEqual(r.samples.length, 4);
    });

    it("treats -1 CPU figures as not measured", () => {
        const text = fixture("tcp_maerts.out").replace("7.40,7.40", "-1.00,-1.00");
        const r = parseNetperfOutput(text);
        assert.strictEqual(r.localCpuPct, undefined);
        assert.strictEqual(r.remoteCpuPct, undefined);
    });

    it("fails with netperf's own words when no netserver answers", () => {
        assert.throws(
            () => parseNetperfOutput(fixture("no_netserver.out")),
            (e: Error) => e instanceof NetperfOutputError && /netserver listening on 10\.250\.0\.9/.test(e.message),
        );
    });

    it("fails on a truncated result", () => {
        const text = fixture("tcp_stream.out").split("\n").slice(0, 8).join("\n");
        assert.throws(() => parseNetperfOutput(text), NetperfOutputError);
    });
});

describe("netperf command lines", () => {
    it("builds a demo-mode stream test with CPU and output selectors", () => {
        const args = netperfArgs({
            host: "10.77.0.1",
            port: 12865,
            test: "TCP_STREAM",
            durationSeconds: 10,
            intervalSeconds: 0.5,
            messageBytes: 16384,
            cpu: true,
        });
        assert.deepStrictEqual(args.slice(0, 12), [
            "-H",
            "10.77.0.1",
            "-p",
            "12865",
            "-t",
            "TCP_STREAM",
            "-l",
            "10",
            "-D",
            "-0.5",
            "-c",
            "-C",
        ]);
        assert.deepStrictEqual(args.slice(12, 15), ["--", "-m", "16384"]);
        assert.ok(args.join(" ").includes("-o THROUGHPUT,THROUGHPUT_UNITS,"));
    });

    it("arms a client: debug mode (netperf then catches SIGUSR1) and a wait before sending", () => {
        const args = netperfArgs({
            host: "10.77.0.1",
            port: 12865,
            test: "TCP_STREAM",
            durationSeconds: 10,
            intervalSeconds: 0.5,
            messageBytes: 16384,
            cpu: false,
            armedSeconds: 3,
        });
        assert.deepStrictEqual(args.slice(0, 13), [
            "-H",
            "10.77.0.1",
            "-p",
            "12865",
            "-t",
            "TCP_STREAM",
            "-l",
            "10",
            "-D",
            "-0.5",
            "-d",
            "-s",
            "3",
        ]);
        assert.throws(
            () =>
                netperfArgs({
                    host: "10.77.0.1",
                    port: 12865,
                    test: "TCP_STREAM",
                    durationSeconds: 10,
                    intervalSeconds: 0.5,
                    messageBytes: 16384,
                    cpu: false,
                    armedSeconds: 0.5,
                }),
            RangeError,
        );
    });

    it("sets the netserver's send size for TCP_MAERTS, where the netserver sends", () => {
        const args = netperfArgs({
            host: "10.77.0.1",
            port: 12865,
            test: "TCP_MAERTS",
            durationSeconds: 10,
            intervalSeconds: 0.5,
            messageBytes: 65536,
            cpu: false,
        });
        const sep = args.indexOf("--");
        assert.deepStrictEqual(args.slice(sep, sep + 3), ["--", "-m", ",65536"]);
    });

    it("uses request/response sizes for TCP_RR and leaves CPU out when not asked", () => {
        const args = netperfArgs({
            host: "10.77.0.1",
            port: 12865,
            test: "TCP_RR",
            durationSeconds: 5,
            intervalSeconds: 1,
            messageBytes: 64,
            cpu: false,
        });
        assert.ok(!args.includes("-c"));
        assert.deepStrictEqual(args.slice(args.indexOf("--") + 1, args.indexOf("--") + 3), ["-r", "64,64"]);
    });

    it("refuses values that are not what they claim to be", () => {
        const base = {
            host: "10.77.0.1",
            port: 12865,
            test: "TCP_STREAM" as const,
            durationSeconds: 10,
            intervalSeconds: 0.5,
            messageBytes: 16384,
            cpu: true,
        };
        assert.throws(() => netperfArgs({ ...base, host: "10.77.0.1; rm -rf /" }), RangeError);
        assert.throws(() => netperfArgs({ ...base, port: 70000 }), RangeError);
        assert.throws(() => netperfArgs({ ...base, durationSeconds: 1.5 }), RangeError);
        assert.throws(() => netperfArgs({ ...base, intervalSeconds: 0 }), RangeError);
        assert.throws(() => reachabilityArgs("example.com", 12865), RangeError);
    });
});
