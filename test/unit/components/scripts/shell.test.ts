import * as assert from "assert";
import { execFileSync } from "child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { benchmarkScript } from "../../../../components/benchmark";
import { netperfInstallScript, netserverScripts, netserverServiceScripts } from "../../../../components/netperf-deployment";
import { authorizeKeyScript } from "../../../../components/platforms/esx";
import { namespaceScripts, wireScripts } from "../../../../components/platforms/local";
import { machinePreflightScript, nicAddressScripts, pnicBridgeScripts, pnicUpScripts } from "../../../../components/platforms/remote";
import { exitWithError, shellQuote, SAFE, UnsafeValueError } from "../../../../components/scripts/shell";
import { tempDir } from "../../../tmp";

describe("values in shell commands", () => {
    it("quotes values that match their pattern", () => {
        assert.strictEqual(shellQuote("hvnetlab-g1", SAFE.name), "'hvnetlab-g1'");
        assert.strictEqual(shellQuote(12865, SAFE.uint), "'12865'");
    });

    it("refuses values that do not", () => {
        for (const bad of ["x; reboot", "$(id)", "a'b", "`id`", "", "a b", "-rf"]) {
            assert.throws(() => shellQuote(bad, SAFE.name), UnsafeValueError, bad);
        }
        assert.throws(() => shellQuote("10.0.0.1;id", SAFE.ipv4), UnsafeValueError);
        assert.throws(() => shellQuote("/tmp/x y", SAFE.path), UnsafeValueError);
        assert.throws(() => exitWithError('say "hi"'), UnsafeValueError);
    });

    it("builds scripts a POSIX shell parses, from validated values only", () => {
        const wire = {
            index: 0,
            guest: "g1",
            guestNic: "bench0",
            guestAddress: "10.77.0.2",
            peer: "peer",
            peerNic: "bench0",
            peerAddress: "10.77.0.1",
            speedMbps: 1000,
            mtu: 1500,
        };
        const scripts = [
            namespaceScripts("hvnetlab-g1"),
            wireScripts(wire, "hvnetlab-g1", "hvnetlab-peer"),
            netserverScripts("hvnetlab-peer", 12865, "2.7.0"),
        ];
        for (const s of scripts) {
            for (const text of [s.create, s.delete]) execFileSync("/bin/sh", ["-n", "-c", text]); // syntax check only
        }
        execFileSync("/bin/sh", ["-n", "-c", benchmarkScript("/work/out/local.results.json", "failed")]);
        assert.throws(() => benchmarkScript("/tmp/r.json; touch /tmp/pwned", "failed"), UnsafeValueError);
        assert.throws(() => wireScripts({ ...wire, guestNic: "x;reboot" }, "a", "b"), UnsafeValueError);
        assert.throws(() => netserverScripts("hvnetlab-peer", 12865, "2.7.0; id"), UnsafeValueError);
    });

    it("builds the remote machines' scripts the same way", () => {
        const source = { url: "https://github.com/HewlettPackard/netperf/archive/refs/tags/netperf-2.7.0.tar.gz", sha256: "a".repeat(64) };
        const texts = [
            netperfInstallScript("peer", "2.7.0", source),
            netperfInstallScript("peer", "2.7.0", { ...source, sha256: "" }),
            ...Object.values(netserverServiceScripts("peer", "hvnetlab", "g1", 12865)),
            machinePreflightScript("host h1", "host", ["enp3s0f0", "enp3s0f1"]),
            ...Object.values(nicAddressScripts("peer", "enp3s0f0", "10.77.0.1", 9000)),
            ...Object.values(pnicBridgeScripts("host", "enp3s0f0", "hvnetlabbr1", 1500)),
            ...Object.values(pnicUpScripts("host", "enp3s0f0", 1500)),
            authorizeKeyScript("bench", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA bench@lab"),
        ];
        for (const text of texts) execFileSync("/bin/sh", ["-n", "-c", text]);
        assert.throws(() => nicAddressScripts("peer", "eth0$(id)", "10.77.0.1", 1500), UnsafeValueError);
        assert.throws(() => netperfInstallScript("peer", "2.7.0", { ...source, url: "https://x/'; reboot" }), UnsafeValueError);
        assert.throws(() => authorizeKeyScript("bench", "ssh-ed25519 AAAA' >/etc/passwd"), UnsafeValueError);
        assert.throws(() => pnicBridgeScripts("host", "eth1", "br;id", 1500), UnsafeValueError);
    });
});

describe("netserver units", () => {
    it("carry the lab's prefix, so labs on one machine never stop each other's netserver", () => {
        const a = netserverServiceScripts("peer", "laba", "g1", 12865);
        const b = netserverServiceScripts("peer", "labb", "g1", 12865);
        assert.match(a.create, /laba-netserver-g1-12865\.service/);
        assert.match(b.delete, /labb-netserver-g1-12865\.service/);
        assert.doesNotMatch(b.delete, /laba-/);
    });
});

describe("@integration dedicated NICs are put back as they were on destroy", function () {
    this.timeout(30000);
    before(function () {
        if (process.getuid?.() !== 0) {
            console.log("    (skipped: needs root for ip netns)");
            this.skip();
        }
    });
    const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8" });
    const cases: [string, (nic: string) => { create: string; delete: string }][] = [
        ["kvm's pNIC brought up for macvtap", (nic) => pnicUpScripts("host", nic, 9000)],
        ["a peer NIC given a wire address", (nic) => nicAddressScripts("peer", nic, "10.99.0.1", 9000)],
        ["xen's pNIC enslaved to a bridge", (nic) => pnicBridgeScripts("host", nic, `${nic}br`, 9000)],
    ];
    cases.forEach(([what, scripts], i) => {
        it(what, () => {
            const ns = `hvtnic${i}`;
            const nic = `hvtd${i}`;
            ip("netns", "add", ns);
            try {
                ip("-n", ns, "link", "add", nic, "type", "veth", "peer", "name", `${nic}p`);
                ip("-n", ns, "link", "set", nic, "mtu", "1400");
                const inNs = (s: string) => execFileSync("ip", ["netns", "exec", ns, "sh", "-c", s], { encoding: "utf8" });
                const state = () => ip("-n", ns, "-o", "link", "show", "dev", nic);
                inNs(scripts(nic).create);
                assert.match(state(), /mtu 9000/);
                assert.match(state(), /[<,]UP[,>]/);
                if (i < 2) inNs(scripts(nic).create); // a second create (an update) keeps the original state
                inNs(scripts(nic).delete);
                assert.match(state(), /mtu 1400/, "the MTU from before the lab");
                assert.doesNotMatch(state(), /[<,]UP[,>]/, "down, as it was");
                assert.doesNotMatch(state(), /master/);
                assert.ok(!existsSync(`/run/hvnetlab-nic-${nic}.prev`), "the recorded state is forgotten");
            } finally {
                ip("netns", "del", ns);
            }
        });
    });

    // Stand-in machines share this machine's /run: a lab interrupted in one namespace leaves the state
    // of its NIC there, and the next lab's NIC of the same name in another namespace must not take it.
    it("a state recorded for another NIC of that name (another namespace) is stale: replaced, never applied", () => {
        const nic = "hvtdstale";
        const stale = `/run/hvnetlab-nic-${nic}.prev`;
        const made: string[] = [];
        const machine = (ns: string, mtu: number) => {
            ip("netns", "add", ns);
            made.push(ns);
            ip("-n", ns, "link", "add", nic, "type", "veth", "peer", "name", `${nic}p`);
            ip("-n", ns, "link", "set", nic, "mtu", String(mtu));
            return (s: string) => execFileSync("ip", ["netns", "exec", ns, "sh", "-c", s], { encoding: "utf8" });
        };
        try {
            const first = machine("hvtstaleA", 1400);
            first(nicAddressScripts("peer", nic, "10.99.0.5", 9000).create); // interrupted: never deleted
            assert.match(readFileSync(stale, "utf8"), /^1400 down net:\[\d+\]\/\d+\/[0-9a-f:]+\n$/);
            const second = machine("hvtstaleB", 1300);
            const state = () => ip("-n", "hvtstaleB", "-o", "link", "show", "dev", nic);
            second(pnicUpScripts("host", nic, 9000).create);
            assert.match(readFileSync(stale, "utf8"), /^1300 down /, "the second NIC's own state replaced the stale one");
            second(pnicUpScripts("host", nic, 9000).delete);
            assert.match(state(), /mtu 1300/);
            assert.doesNotMatch(state(), /[<,]UP[,>]/);
            // The other way round: a file recorded for NIC A is not applied to NIC B on delete, and is forgotten.
            first(pnicUpScripts("host", nic, 9000).create);
            second(pnicUpScripts("host", nic, 9000).delete);
            assert.match(state(), /mtu 1300/, "B keeps its MTU: the state was A's");
            assert.ok(!existsSync(stale));
        } finally {
            for (const ns of made) ip("netns", "del", ns);
        }
    });
});

describe("netperf install on a fresh Debian guest (apt, cloud-init and sources faked)", () => {
    // A guest from a cloud image: no netperf, non-free not enabled, cloud-init still running apt.
    function fakeGuest(): { dir: string; bin: string; sources: string; log: string } {
        const dir = tempDir("guest");
        const bin = path.join(dir, "bin");
        mkdirSync(bin);
        const log = path.join(dir, "log");
        const sources = path.join(dir, "debian.sources");
        writeFileSync(sources, "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main non-free-firmware\n");
        const exe = (name: string, body: string) => writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        exe("netperf", "exit 0");
        exe("cloud-init", `sleep 0.3; echo "cloud-init $*" >> ${log}`);
        exe("apt-cache", `grep -Eq ' non-free( |$)' ${sources} && echo '  Candidate: 2.7.0-0.1' || echo '  Candidate: (none)'`);
        exe(
            "apt-get",
            `echo "apt-get $*" >> ${log}; case "$*" in *install*netperf*) printf '#!/bin/sh\\necho "Netperf version 2.7.0"\\n' > ${path.join(bin, "netperf")} ;; esac`,
        );
        return { dir, bin, sources, log };
    }

    it("waits for cloud-init, enables non-free (not mistaking non-free-firmware for it), installs the package", function () {
        if (process.getuid?.() !== 0) return this.skip();
        const g = fakeGuest();
        const s = netperfInstallScript(
            "g1 (10.0.0.2)",
            "2.7.0",
            { url: "https://example.invalid/netperf-2.7.0.tar.gz", sha256: "" },
            { deb822: g.sources, classic: path.join(g.dir, "none.list") },
        );
        // A user's PATH, without the sbin folders: ethtool (/usr/sbin) is there all the same, so not installed.
        const out = execFileSync("sh", ["-c", s], { encoding: "utf8", env: { ...process.env, PATH: `${g.bin}:/usr/bin:/bin` } });
        assert.strictEqual(out.trim(), "2.7.0");
        assert.match(readFileSync(g.sources, "utf8"), /^Components: main non-free-firmware non-free$/m);
        const steps = readFileSync(g.log, "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split(" ").slice(0, 2).join(" "));
        assert.deepStrictEqual(
            steps,
            ["cloud-init status", "apt-get update", "apt-get -o"],
            "cloud-init first, then the lists, then the install",
        );
    });

    it("builds from source with -fcommon (netperf 2.7.0 does not link with GCC 10+ without it)", () => {
        const s = netperfInstallScript("g1", "2.7.0", { url: "https://example.invalid/netperf-2.7.0.tar.gz", sha256: "a".repeat(64) });
        assert.match(s, /\.\/configure --enable-demo --prefix=\/usr\/local CFLAGS="-O2 -fcommon"/);
        assert.match(s, /apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends build-essential curl/);
    });
});
