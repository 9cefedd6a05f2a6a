// What the dedicated NICs were set to: ethtool -k/-l/-g parsed from output recorded on this
// machine (veth, tap, virtio-net), the facts script's lines, a real run of the facts script on
// this machine's NIC with and without ethtool, and the comparison's warnings.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { existsSync, readFileSync, symlinkSync } from "fs";
import * as path from "path";
import { nicWarnings, parseSource } from "../../../../analysis/compare";
import { runCompare } from "../../../../cli/compare-commands";
import { reportMarkdown } from "../../../../analysis/report";
import { factsArgs, parseFacts } from "../../../../runner/netperf/endpoint-facts";
import type { NicChannels, NicRings, Unavailable } from "../../../../model";
import { isAvailable } from "../../../../model";
import { nicSettingWarnings } from "../../../../analysis/nic-differences";
import { parseChannels, parseOffloads, parseRings } from "../../../../runner/netperf/ethtool";
import type { HostFacts, NicFacts, ResultsDocument } from "../../../../model";
import { tempDir } from "../../../tmp";

const fixture = (name: string) => readFileSync(path.join(__dirname, "..", "..", "..", "fixtures", "ethtool", `${name}.txt`), "utf8");

/** What the facts script prints for one NIC: its nic= line, then every ethtool line prefixed with the query, n and status. */
function scriptLines(n: number, nicLine: string, dev: string, codes: Record<"k" | "l" | "g", number> = { k: 0, l: 0, g: 0 }): string {
    const out = [`nic=${nicLine}`];
    for (const q of ["k", "l", "g"] as const) {
        for (const line of fixture(`${dev}-${q}`).replace(/\n$/, "").split("\n")) out.push(`ethtool-${q}=${n}|${codes[q]}|${line}`);
    }
    return out.join("\n");
}

const HEAD = "kernel=6.18\ncpu=AMD EPYC\nvirt=none\nhypervisor=\nguestType=";

describe("NIC settings: ethtool output recorded on this machine", () => {
    it("reads a veth's offloads as ethtool -k prints them, with its notes", () => {
        assert.deepStrictEqual(parseOffloads(fixture("veth-k")), {
            tso: "on",
            gso: "on",
            gro: "off",
            lro: "off [fixed]",
            rxChecksumming: "on",
            txChecksumming: "on",
        });
    });

    it("reads a tap's: TSO off although requested, checksumming off", () => {
        const o = parseOffloads(fixture("tap-k"));
        assert.strictEqual(o.tso, "off");
        assert.strictEqual(o.txChecksumming, "off");
        assert.strictEqual(o.rxChecksumming, "off [fixed]");
        assert.strictEqual(o.gro, "on");
    });

    it("reads channels: a veth's separate rx/tx queues, a tap's combined ones, n/a left out", () => {
        assert.deepStrictEqual(parseChannels(fixture("veth-l")), { current: { rx: 1, tx: 1 }, max: { rx: 2, tx: 2 } });
        assert.deepStrictEqual(parseChannels(fixture("tap-l")), { current: { combined: 0 }, max: { combined: 1 } });
        assert.deepStrictEqual(parseChannels(fixture("eth0-l")), { current: { combined: 1 }, max: { combined: 1 } });
    });

    it("reads a virtio-net NIC's rings; refuses output without its two sections", () => {
        assert.deepStrictEqual(parseRings(fixture("eth0-g")), { current: { rx: 256, tx: 256 }, max: { rx: 256, tx: 256 } });
        assert.strictEqual(parseRings(fixture("veth-g")), undefined);
    });
});

describe("NIC settings in the facts", () => {
    it("gives each NIC its offloads, channels and rings, and says a veth has no rings, never a number", () => {
        const facts = parseFacts(
            [
                HEAD,
                scriptLines(1, "10.0.0.1|bench0|veth||1500", "veth", { k: 0, l: 0, g: 1 }),
                scriptLines(2, "10.0.0.5|eth0|virtio_net||1500", "eth0"),
            ].join("\n"),
        );
        const [veth, virtio] = facts.nics;
        assert.strictEqual((veth.offloads as Record<string, string>).tso, "on");
        assert.deepStrictEqual(veth.channels, { current: { rx: 1, tx: 1 }, max: { rx: 2, tx: 2 } });
        assert.ok(!isAvailable(veth.rings));
        assert.match(
            (veth.rings as Unavailable).unavailable,
            /^bench0 \(veth\) does not support ethtool -g: netlink error: Operation not supported$/,
        );
        assert.deepStrictEqual(virtio.rings, { current: { rx: 256, tx: 256 }, max: { rx: 256, tx: 256 } });
        assert.strictEqual((virtio.offloads as Record<string, string>).rxChecksumming, "on [fixed]");
    });

    it("says ethtool is missing for every query where it is not installed", () => {
        const facts = parseFacts(`${HEAD}\nnic=10.0.0.1|bench0|unknown||1500\nethtool-missing=1`);
        for (const v of [facts.nics[0].offloads, facts.nics[0].channels, facts.nics[0].rings]) {
            assert.match((v as Unavailable).unavailable, /^ethtool is not installed on this machine/);
        }
    });

    it("keeps a NIC without settings when the facts came from a script that read none (an older document)", () => {
        const facts = parseFacts(`${HEAD}\nnic=10.0.0.1|bench0|veth|10000|1500`);
        assert.deepStrictEqual(Object.keys(facts.nics[0]).sort(), ["address", "driver", "mtu", "name", "speedMbps"]);
    });

    it("the facts script, run for real on this machine's NIC, reads its settings; without ethtool on the PATH it says so", function () {
        const nic = execFileSync("sh", ["-c", "ip -o -4 route show default | awk '{ print $5; exit }'"], { encoding: "utf8" }).trim();
        if (!nic) {
            console.log("      (skipped: this machine has no default route, so no NIC to read)");
            this.skip();
        }
        const args = factsArgs([`nic:${nic}`]);
        const withTool = parseFacts(execFileSync(args[0], args.slice(1), { encoding: "utf8" })).nics[0];
        assert.strictEqual(withTool.name, nic);
        assert.ok(isAvailable(withTool.offloads), JSON.stringify(withTool.offloads));
        assert.match(Object.values(withTool.offloads).join(" "), /^(on|off)\b/);
        for (const v of [withTool.channels, withTool.rings]) {
            // Each either read or refused by the NIC; never an ethtool that is missing.
            if (!isAvailable<NicChannels | NicRings>(v)) assert.match(v!.unavailable, /does not support|failed/);
        }
        // A PATH holding everything the script uses but ethtool and the sbin folders, as a user's
        // PATH over SSH: Debian's ethtool (/usr/sbin/ethtool) is still found there.
        const bin = tempDir("noethtool");
        const where = (tool: string) =>
            ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map((d) => path.join(d, tool)).find((p) => existsSync(p));
        for (const tool of ["sh", "ip", "awk", "sed", "cat", "head", "uname", "basename", "readlink", "printf"]) {
            const at = where(tool);
            if (at) symlinkSync(at, path.join(bin, tool));
        }
        const userPath = parseFacts(execFileSync(path.join(bin, "sh"), args.slice(1), { encoding: "utf8", env: { PATH: bin } })).nics[0];
        assert.deepStrictEqual(userPath.offloads, withTool.offloads, "ethtool found in /usr/sbin though the PATH lacks it");
        // And where ethtool is nowhere (the sbin folders hidden in a mount namespace of its own), it says so.
        if (process.getuid?.() !== 0) {
            console.log("      (the case of no ethtool at all skipped: it needs root to hide /usr/sbin)");
            return;
        }
        const mount = where("mount") ?? "mount";
        const hide = `${mount} -t tmpfs none /usr/sbin && ${mount} -t tmpfs none /usr/local/sbin && exec "$@"`;
        const hidden = [where("unshare") ?? "unshare", "--mount", path.join(bin, "sh"), "-c", hide, "hide"];
        const without = parseFacts(
            execFileSync(hidden[0], [...hidden.slice(1), path.join(bin, "sh"), ...args.slice(1)], { encoding: "utf8", env: { PATH: bin } }),
        ).nics[0];
        assert.strictEqual(without.name, nic);
        for (const v of [without.offloads, without.channels, without.rings]) {
            assert.match((v as Unavailable).unavailable, /ethtool is not installed/);
        }
    });
});

function nic(name: string, driver: string, settings: Partial<NicFacts>): NicFacts {
    return { address: "10.0.0.1", name, driver, ...settings };
}

function facts(nics: NicFacts[]): { facts: HostFacts; clock: { offsetMs: number; rttMs: number } } {
    return { facts: { kernel: "6.1", cpuModel: "x", virtualization: "kvm", hypervisor: "", nics }, clock: { offsetMs: 0, rttMs: 1 } };
}

const VETH = parseOffloads(fixture("veth-k"));
const TAP = parseOffloads(fixture("tap-k"));

describe("compare warns where the NICs' settings differ", () => {
    const a = {
        label: "local",
        endpoints: {
            g1: facts([
                nic("bench0", "veth", { offloads: VETH, channels: parseChannels(fixture("veth-l")), rings: { unavailable: "no" } }),
            ]),
            peer: facts([nic("bench0", "veth", { offloads: VETH })]),
        },
    };
    const b = {
        label: "kvm",
        endpoints: {
            g1: facts([
                nic("eth1", "tun", { offloads: TAP, channels: parseChannels(fixture("tap-l")), rings: parseRings(fixture("eth0-g")) }),
            ]),
            peer: facts([nic("bench0", "veth", { offloads: VETH })]),
        },
    };

    it("names the NIC on both sides and the setting, for each difference; settings one side could not read are not compared", () => {
        const w = nicSettingWarnings(a, b);
        assert.deepStrictEqual(w, [
            "warning: NIC settings differ: g1 #1 tso: local bench0 (veth) on, kvm eth1 (tun) off",
            "warning: NIC settings differ: g1 #1 gro: local bench0 (veth) off, kvm eth1 (tun) on",
            "warning: NIC settings differ: g1 #1 rxChecksumming: local bench0 (veth) on, kvm eth1 (tun) off",
            "warning: NIC settings differ: g1 #1 txChecksumming: local bench0 (veth) on, kvm eth1 (tun) off",
            "warning: NIC settings differ: g1 #1 channels: local bench0 (veth) rx 1 tx 1, kvm eth1 (tun) combined 0",
        ]);
    });

    it("compares on/off only: ethtool's [fixed] note is no difference", () => {
        const fixed = { ...a, endpoints: { peer: facts([nic("bench0", "veth", { offloads: { ...VETH, tso: "on [fixed]" } })]) } };
        assert.deepStrictEqual(nicSettingWarnings(fixed, a), []);
    });

    it("pairs a native lab's machine's NICs with the guests' in wire order", () => {
        const native = {
            label: "native",
            endpoints: { host: facts([nic("enp1", "igb", { offloads: TAP }), nic("enp2", "igb", { offloads: VETH })]) },
        };
        const kvm = {
            label: "kvm",
            endpoints: {
                g1: facts([nic("eth1", "virtio_net", { offloads: TAP })]),
                g2: facts([nic("eth1", "virtio_net", { offloads: TAP })]),
            },
        };
        const w = nicSettingWarnings(native, kvm);
        assert.ok(w.length > 0 && w.every((x) => x.startsWith("warning: NIC settings differ: g2 #1 ")), w.join("\n"));
        assert.ok(w.includes("warning: NIC settings differ: g2 #1 tso: native enp2 (igb) on, kvm eth1 (virtio_net) off"));
    });

    it("hvnetlab compare prints the warnings with the tables, and in --json; report.md lists them and each NIC's settings", () => {
        const doc = (label: string, endpoints: Record<string, ReturnType<typeof facts>>): ResultsDocument => ({
            schemaVersion: 1,
            platform: label,
            fingerprint: "f",
            startedAt: "",
            finishedAt: "",
            notes: [],
            endpoints,
            maxClockOffsetMs: 50,
            runs: [
                {
                    id: "send-native-TCP_STREAM-16384B-1g",
                    experiment: "send",
                    peer: "native",
                    test: "TCP_STREAM",
                    messageBytes: 16384,
                    guests: 1,
                    status: "ok",
                    skewMs: 0,
                    window: { start: 0, end: 8, seconds: 8 },
                    limits: { lineRateMbps: 1000, goodputMbps: 941.5, basis: "x" },
                    aggregate: { throughputMbps: 940, lineRatePct: 94, goodputPct: 99.8 },
                    streams: [],
                },
            ],
        });
        const files: Record<string, string> = {
            local: JSON.stringify(doc("local", a.endpoints)),
            kvm: JSON.stringify(doc("kvm", b.endpoints)),
        };
        let text = "";
        runCompare(
            {
                sources: [
                    { kind: "stack", value: "local" },
                    { kind: "stack", value: "kvm" },
                ],
                allowMismatch: false,
                json: false,
                tolerance: "5%",
            },
            (t) => (text += t),
            (stack) => files[stack],
        );
        assert.match(text, /^warning: NIC settings differ: g1 #1 tso: local bench0 \(veth\) on, kvm eth1 \(tun\) off$/m);
        let json = "";
        runCompare(
            {
                sources: [
                    { kind: "stack", value: "local" },
                    { kind: "stack", value: "kvm" },
                ],
                allowMismatch: false,
                json: true,
                tolerance: "5%",
            },
            (t) => (json += t),
            (stack) => files[stack],
        );
        assert.strictEqual((JSON.parse(json) as { warnings: string[] }).warnings.length, 5);
        const md = reportMarkdown([parseSource(files.local, "local.json"), parseSource(files.kvm, "kvm.json")], {
            mismatches: [],
            charts: [],
        });
        assert.match(md, /## NIC settings that differ\n\n.*\n\n- g1 #1 tso: local bench0 \(veth\) on, kvm eth1 \(tun\) off\n/);
        assert.match(
            md,
            /- g1: .*; bench0 veth \(tso on, gso on, gro off, lro off, rxChecksumming on, txChecksumming on, channels rx 1 tx 1\)/,
        );
        const same = parseSource(files.local, "local.json", "before");
        assert.deepStrictEqual(nicWarnings([same, { ...same, label: "after" }]), [], "the same NICs: no warning");
    });
});
