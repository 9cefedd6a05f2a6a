// @integration: the local stack built and measured for real through the offline runner.
// Needs root and netperf (CI installs both); skipped with a message otherwise.
import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { assertMeasuredLocalLab, leftovers, offline, whyNoLocalLab } from "../lab-checks";
import { tempDir } from "../tmp";

describe("@integration the local lab, for real", function () {
    this.timeout(300000);
    before(function () {
        const why = whyNoLocalLab();
        if (why) {
            console.log(`    (skipped: the local lab ${why})`);
            this.skip();
        }
    });

    it("measures guests 1..4 at the goodput limit, synchronized, and leaves nothing behind", async () => {
        const out = path.join(tempDir("local"), "outputs.json");
        const r = await offline([
            "--stack",
            "local",
            "--config",
            "guests=4",
            "--config",
            "durationSeconds=4",
            "--config",
            "labPrefix=hvnit",
            "--config",
            "subnet=10.78.0.0/24",
            "--out",
            out,
        ]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /experiment\s+peer\s+test/);
        const outputs = JSON.parse(readFileSync(out, "utf8"));
        assertMeasuredLocalLab(outputs, ["send:1", "send:2", "send:3", "send:4", "receive:1", "receive:2", "receive:3", "receive:4"]);
        assert.deepStrictEqual(leftovers("hvnit"), []);
    });

    it("fails with a clear error when netperf is not the wanted version, and tears down", async () => {
        const r = await offline([
            "--stack",
            "local",
            "--config",
            "guests=2",
            "--config",
            "labPrefix=hvnbad",
            "--config",
            "netperfVersion=9.9.9",
            "--out",
            path.join(tempDir("local-bad"), "outputs.json"),
        ]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /netperf 2\.7\.0 is installed but hvnetlab:netperfVersion is 9\.9\.9/);
        assert.match(r.stderr, /tearing down/);
        assert.deepStrictEqual(leftovers("hvnbad"), []);
    });

    it("creates nothing for an invalid config", async () => {
        const r = await offline(["--stack", "local", "--config", "guests=99", "--config", "labPrefix=hvninv"]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /hvnetlab:guests = "99" is out of range; use a whole number from 1 to 64/);
        assert.doesNotMatch(r.stderr, /\+ hvnetlab/);
        assert.deepStrictEqual(leftovers("hvninv"), []);
    });

    it("tears the lab down on Ctrl-C in the middle of a measurement", async () => {
        let sent = false;
        const r = await offline(
            [
                "--stack",
                "local",
                "--config",
                "guests=2",
                "--config",
                "durationSeconds=20",
                "--config",
                "labPrefix=hvnint",
                "--config",
                "subnet=10.79.0.0/24",
            ],
            (text, child) => {
                if (!sent && /\[1\/\d+\] send/.test(text)) {
                    sent = true;
                    setTimeout(() => child.kill("SIGINT"), 1500);
                }
            },
        );
        assert.ok(sent, r.stderr);
        assert.strictEqual(r.code, 130, r.stderr);
        assert.match(r.stderr, /SIGINT: stopping and tearing the lab down/);
        assert.deepStrictEqual(leftovers("hvnint"), []);
    });
});
