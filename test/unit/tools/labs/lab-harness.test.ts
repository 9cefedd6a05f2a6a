// The lab harness's pure parts: its arguments, what counts as left behind by a stack, the runs'
// check.
import * as assert from "assert";
import type { ResultsDocument } from "../../../../model";
import type { Made, Observed } from "../../../../tools/labs";
import { LabError, labHelp, leftoversOf, parseLabArgs, runProblems, usage } from "../../../../tools/labs";

const guests = { guests: { help: "N", pattern: /^[1-9]$/, default: "2" } };

describe("lab harness: arguments", () => {
    it("defaults: neither --keep nor --down, each option its default", () => {
        assert.deepStrictEqual(parseLabArgs("native", [], guests), {
            keep: false,
            down: false,
            options: { guests: "2" },
            config: {},
            help: false,
        });
    });

    it("takes --keep, --down and the lab's own options", () => {
        assert.deepStrictEqual(parseLabArgs("native", ["--keep", "--guests", "4"], guests), {
            keep: true,
            down: false,
            options: { guests: "4" },
            config: {},
            help: false,
        });
        assert.strictEqual(parseLabArgs("qemu", ["--down"]).down, true);
    });

    it("refuses an unknown option by name, with the usage", () => {
        assert.throws(
            () => parseLabArgs("qemu", ["--guests", "3"]),
            (e: Error) => e instanceof LabError && /'--guests'/.test(e.message) && /usage: npm run lab:qemu/.test(e.message),
        );
        assert.throws(() => parseLabArgs("qemu", ["keep"]), LabError);
    });

    it("refuses --keep with --down, and a value outside the option's pattern", () => {
        assert.throws(() => parseLabArgs("native", ["--keep", "--down"], guests), /--keep and --down exclude each other/);
        assert.throws(() => parseLabArgs("native", ["--guests", "0"], guests), /--guests 0 is not N/);
    });

    it("takes --config key=value, repeated, the namespace hvnetlab: where none is given", () => {
        const nic = '{"model":"e1000e","attach":"bridge"}';
        assert.deepStrictEqual(
            parseLabArgs("qemu", ["--config", `nic=${nic}`, "--config", "hvnetlab:durationSeconds=5", "--keep"]).config,
            {
                "hvnetlab:nic": nic,
                "hvnetlab:durationSeconds": "5",
            },
        );
        assert.deepStrictEqual(parseLabArgs("qemu", ["--config", "runId=a=b"]).config, { "hvnetlab:runId": "a=b" });
    });

    it("refuses a --config that is not key=value, and --config with --down", () => {
        for (const bad of ["nic", "=x", "nic model=x", "$(id)=1"])
            assert.throws(() => parseLabArgs("qemu", ["--config", bad]), /--config takes key=value .*usage: npm run lab:qemu/);
        assert.throws(
            () => parseLabArgs("qemu", ["--down", "--config", "guests=1"]),
            /--config applies to a lab being set up, not to --down/,
        );
    });

    it("--help runs nothing: the help names every option with its default, and the exit codes", () => {
        assert.strictEqual(parseLabArgs("native", ["--help"], guests).help, true);
        assert.strictEqual(parseLabArgs("native", ["--keep", "--help", "--guests", "0"], guests).help, true, "help before any check");
        assert.match(
            labHelp("native", { guests: { ...guests.guests, about: "dedicated NICs" } }),
            /--guests N {2}dedicated NICs \(default 2\)/,
        );
        assert.match(labHelp("qemu"), /a key may be a\s+path into a block, e\.g\. guest\.vcpus=2/);
        const text = labHelp("native", guests);
        for (const want of [
            /^usage: npm run lab:native/,
            /--guests N {2}\(default 2\)/,
            /--config key=value/,
            /--keep/,
            /--down/,
            /Exit codes: 0 passed, 1 failed/,
        ])
            assert.match(text, want);
    });

    it("the usage names every option", () => {
        assert.strictEqual(
            usage("native", guests),
            "usage: npm run lab:native [-- [--guests N] [--config key=value ...] [--keep] | -- --down | -- --help]",
        );
    });
});

describe("lab harness: what a stack left behind", () => {
    const made: Made[] = [
        { kind: "link", name: "hvn-mgmt" },
        { kind: "netns", name: "hvn-peer" },
        { kind: "link", name: "hvn-pm", peer: "mgmt0", peerNs: "hvn-peer" },
        { kind: "link", name: "nic0", ns: "hvn-host", peer: "wire0", peerNs: "hvn-peer" },
        { kind: "process", pid: 100, comm: "sshd", what: "sshd of peer", ns: "hvn-peer" },
    ];
    const observed = (over: Partial<Observed> = {}): Observed => ({
        namespaces: {
            "hvn-peer": {
                processes: [{ pid: 100, comm: "sshd", ppid: 1 }],
                links: ["lo", "mgmt0", "wire0"],
            },
        },
        rootLinks: ["lo", "eth0", "hvn-mgmt", "hvn-pm"],
        netservers: [],
        ...over,
    });

    it("nothing, when only what the setup made is there", () => {
        assert.deepStrictEqual(leftoversOf(made, observed(), "hvn-"), []);
    });

    it("a netserver in a lab namespace, and stops it by its pid", () => {
        const ns = observed().namespaces["hvn-peer"];
        const left = leftoversOf(
            made,
            observed({
                namespaces: { "hvn-peer": { ...ns, processes: [...ns.processes, { pid: 230, comm: "netserver", ppid: 1 }] } },
                netservers: [{ pid: 230, comm: "netserver", ppid: 1 }],
            }),
            "hvn-",
        );
        assert.deepStrictEqual(left, [
            { what: "process 230 (netserver) in namespace hvn-peer", process: { pid: 230, comm: "netserver", ppid: 1 } },
        ]);
    });

    it("an sshd's own sessions are the setup's; a shell under them is not", () => {
        const ns = observed().namespaces["hvn-peer"];
        const left = leftoversOf(
            made,
            observed({
                namespaces: {
                    "hvn-peer": {
                        ...ns,
                        processes: [...ns.processes, { pid: 101, comm: "sshd-session", ppid: 100 }, { pid: 102, comm: "bash", ppid: 101 }],
                    },
                },
            }),
            "hvn-",
        );
        assert.deepStrictEqual(
            left.map((l) => l.what),
            ["process 102 (bash) in namespace hvn-peer"],
        );
    });

    it("links the setup did not make: in a lab namespace, and with the lab's prefix here", () => {
        const ns = observed().namespaces["hvn-peer"];
        const left = leftoversOf(
            made,
            observed({ namespaces: { "hvn-peer": { ...ns, links: [...ns.links, "br0"] } }, rootLinks: ["hvn-mgmt", "hvn-br1", "eth0"] }),
            "hvn-",
        );
        assert.deepStrictEqual(
            left.map((l) => l.what),
            ["link br0 in namespace hvn-peer", "link hvn-br1"],
        );
    });

    it("a netserver started since the lab began elsewhere", () => {
        const left = leftoversOf(made, observed({ netservers: [{ pid: 777, comm: "netserver", ppid: 1 }] }), "hvn-");
        assert.deepStrictEqual(
            left.map((l) => l.what),
            ["netserver process 777"],
        );
    });
});

describe("lab harness: the runs' check", () => {
    const doc = (statuses: string[]) =>
        ({ runs: statuses.map((status, i) => ({ id: `r${i}`, status, error: "why" })) }) as unknown as ResultsDocument;
    it("passes only when there are runs and every one is ok", () => {
        assert.deepStrictEqual(runProblems(doc(["ok", "ok"])), []);
        assert.deepStrictEqual(runProblems(doc(["ok", "partial"])), ["run r1 is partial: why"]);
        assert.deepStrictEqual(runProblems(doc([])), ["the results hold no run"]);
        assert.deepStrictEqual(runProblems(undefined), ["the stack exported no results"]);
    });
});
