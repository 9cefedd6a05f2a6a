// @integration: the policy pack under the real engine, `pulumi preview --policy-pack policy`: the
// local stack passes, and a program that breaks the rules is stopped with each rule named.
// Needs the built engine; skipped with a message otherwise.
import * as assert from "assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { PulumiRun } from "../../tools/engine";
import { engineEnv, locateEngine, prepareWorkingProject, runPulumi, selectStack, workingProjectDir } from "../../tools/engine";

const ROOT = path.resolve(__dirname, "..", "..");
const POLICY = path.join(ROOT, "policy");

describe("@integration the policy pack under the real engine", function () {
    this.timeout(300000);
    let env: NodeJS.ProcessEnv = {};
    const preview = (workDir: string, stack: string): Promise<PulumiRun> =>
        runPulumi(["preview", "--stack", stack, "--non-interactive", "--policy-pack", POLICY], {
            workDir,
            env: { ...env, PULUMI_BACKEND_URL: `file://${path.join(workDir, "state")}` },
        });

    before(function () {
        try {
            locateEngine();
        } catch (e) {
            if (process.env.CI) throw e;
            console.log(`    (skipped: ${(e as Error).message})`);
            return this.skip();
        }
    });

    it("passes the local stack", async () => {
        const workDir = mkdtempSync(path.join(tmpdir(), "hvnetlab-policy-"));
        prepareWorkingProject({ workDir, refresh: true });
        env = engineEnv({ workDir });
        await selectStack("local", { workDir, env });
        const r = await preview(workDir, "local");
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout + r.stderr, /Policies:[\s\S]*hvnetlab@v/);
    });

    it("stops a program that breaks the rules, naming each", async () => {
        const workDir = mkdtempSync(path.join(tmpdir(), "hvnetlab-policy-"));
        const project = workingProjectDir(workDir);
        mkdirSync(project, { recursive: true });
        writeFileSync(
            path.join(project, "Pulumi.yaml"),
            `name: policybreaker\nruntime: nodejs\nmain: ${path.join(ROOT, "test", "fixtures", "policy-breaker")}\n`,
        );
        writeFileSync(path.join(project, "Pulumi.dev.yaml"), "config: {}\n");
        env = engineEnv({ workDir });
        await selectStack("dev", { workDir, env });
        const r = await preview(workDir, "dev");
        const out = r.stdout + r.stderr;
        assert.notStrictEqual(r.code, 0, out);
        assert.match(out, /one-benchmark-nic-per-guest[\s\S]*guest g1 has 2 benchmark NICs in the plan/);
        assert.match(out, /guest g2 has 0 benchmark NICs in the plan/);
        assert.match(out, /dedicated-pnics[\s\S]*NIC peer\/bench0 carries 2 wires/);
        assert.match(out, /keys-are-secrets[\s\S]*plain-key has environment\.HVNETLAB_SSH_PRIVATE_KEY in plain text/);
    });
});
