import * as assert from "assert";
import { execFileSync } from "child_process";
import { benchmarkScript } from "../components/benchmark";
import { netperfInstallScript, netserverScripts, netserverServiceScripts } from "../components/netperf";
import { authorizeKeyScript } from "../components/platforms/esx";
import { namespaceScripts, wireScripts } from "../components/platforms/local";
import { machinePreflightScript, nicAddressScripts, pnicBridgeScripts, pnicUpScripts } from "../components/platforms/remote";
import { die, q, SAFE, UnsafeValueError } from "../components/shell";

describe("values in shell commands", () => {
    it("quotes values that match their pattern", () => {
        assert.strictEqual(q("hvnetlab-g1", SAFE.name), "'hvnetlab-g1'");
        assert.strictEqual(q(12865, SAFE.uint), "'12865'");
    });

    it("refuses values that do not", () => {
        for (const bad of ["x; reboot", "$(id)", "a'b", "`id`", "", "a b", "-rf"]) {
            assert.throws(() => q(bad, SAFE.name), UnsafeValueError, bad);
        }
        assert.throws(() => q("10.0.0.1;id", SAFE.ipv4), UnsafeValueError);
        assert.throws(() => q("/tmp/x y", SAFE.path), UnsafeValueError);
        assert.throws(() => die('say "hi"'), UnsafeValueError);
    });

    it("builds scripts a POSIX shell parses, from validated values only", () => {
        const wire = { index: 0, guest: "g1", guestNic: "bench0", guestAddress: "10.77.0.2", peer: "peer", peerNic: "bench0", peerAddress: "10.77.0.1", speedMbps: 1000, mtu: 1500 };
        const scripts = [namespaceScripts("hvnetlab-g1"), wireScripts(wire, "hvnetlab-g1", "hvnetlab-peer"), netserverScripts("hvnetlab-peer", 12865, "2.7.0")];
        for (const s of scripts) {
            for (const text of [s.create, s.delete]) execFileSync("/bin/sh", ["-n", "-c", text]); // syntax check only
        }
        execFileSync("/bin/sh", ["-n", "-c", benchmarkScript()]);
        assert.throws(() => wireScripts({ ...wire, guestNic: "x;reboot" }, "a", "b"), UnsafeValueError);
        assert.throws(() => netserverScripts("hvnetlab-peer", 12865, "2.7.0; id"), UnsafeValueError);
    });

    it("builds the remote machines' scripts the same way", () => {
        const source = { url: "https://github.com/HewlettPackard/netperf/archive/refs/tags/netperf-2.7.0.tar.gz", sha256: "a".repeat(64) };
        const texts = [
            netperfInstallScript("peer", "2.7.0", source), netperfInstallScript("peer", "2.7.0", { ...source, sha256: "" }),
            ...Object.values(netserverServiceScripts("peer", "g1", 12865)),
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
