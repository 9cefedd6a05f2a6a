// @integration: a value built to run a command, in the stack config and in a plan: refused, and
// nothing runs. Needs root and netperf for the offline runner; skipped with a message otherwise.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { existsSync, rmSync } from "fs";
import * as path from "path";
import { PLAN, PLANS } from "../bad-inputs";
import { leftovers, whyNoLocalLab } from "../lab-checks";

describe("@integration a value built to run a command", function () {
    this.timeout(60000);
    const marker = "/tmp/hvnetlab-pwned";
    beforeEach(() => rmSync(marker, { force: true }));

    it("in the stack config: the offline runner refuses it and creates nothing", function () {
        if (whyNoLocalLab()) this.skip();
        const ts = path.join(__dirname, "..", "..", "node_modules", ".bin", "ts-node");
        const r = spawnSync(
            ts,
            [
                "--transpile-only",
                path.join(__dirname, "..", "..", "tools", "offline", "offline.ts"),
                "--config",
                `labPrefix=x; touch ${marker}`,
                "--config",
                `runId=$(touch ${marker})`,
            ],
            { encoding: "utf8" },
        );
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stderr, /hvnetlab:labPrefix = "x; touch \/tmp\/hvnetlab-pwned" cannot name namespaces and links/);
        assert.match(r.stderr, /hvnetlab:runId = "\$\(touch \/tmp\/hvnetlab-pwned\)" is not a plain identifier/);
        assert.ok(!existsSync(marker), "nothing ran");
        assert.deepStrictEqual(leftovers("x"), []);
    });

    it("in a plan given to hvnetlab measure: refused with exit 2, nothing runs", () => {
        const plan = PLANS[0][1](PLAN);
        const r = spawnSync("node", [path.join(__dirname, "..", "..", "bin", "hvnetlab.js"), "measure", "--plan", "-"], {
            input: JSON.stringify(plan),
            encoding: "utf8",
        });
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stderr, /endpoints\[1\]\.access needs a namespace name/);
        assert.ok(!existsSync(marker), "nothing ran");
    });
});
