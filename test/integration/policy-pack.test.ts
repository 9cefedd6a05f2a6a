// @integration: the policy pack under the real engine, `pulumi preview --policy-pack policy`: the
// local stack passes, and a program that breaks the rules is stopped with each rule named.
// Needs the built engine; skipped with a message otherwise.
import * as assert from "assert";
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import type { PulumiRun } from "../../tools/engine";
import { engineEnv, locateEngine, prepareWorkingProject, runPulumi, selectStack, workingProjectDir } from "../../tools/engine";
import { tempDir } from "../tmp";

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
        const workDir = tempDir("policy");
        prepareWorkingProject({ workDir, refresh: true });
        env = engineEnv({ workDir });
        await selectStack("local", { workDir, env });
        const r = await preview(workDir, "local");
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout + r.stderr, /Policies:[\s\S]*hvnetlab@v/);
    });

    for (const [breaks, expected] of [
        [
            "plan",
            [
                /one-benchmark-nic-per-guest[\s\S]*guest g1 has 2 benchmark NICs in the plan/,
                /guest g2 has 0 benchmark NICs in the plan/,
                /dedicated-pnics[\s\S]*NIC peer\/bench0 carries 2 wires/,
            ],
        ],
        ["key", [/keys-are-secrets[\s\S]*plain-key has environment\.HVNETLAB_SSH_PRIVATE_KEY in plain text/]],
    ] as const) {
        it(`stops a program that breaks the rules (${breaks}), naming each`, async () => {
            const workDir = tempDir("policy");
            const project = workingProjectDir(workDir);
            mkdirSync(project, { recursive: true });
            writeFileSync(
                path.join(project, "Pulumi.yaml"),
                `name: policybreaker\nruntime: nodejs\nmain: ${path.join(ROOT, "test", "fixtures", "policy-breaker")}\n`,
            );
            writeFileSync(path.join(project, `Pulumi.${breaks}.yaml`), `config:\n  policybreaker:breaks: ${breaks}\n`);
            env = engineEnv({ workDir });
            await selectStack(breaks, { workDir, env });
            const r = await preview(workDir, breaks);
            const out = r.stdout + r.stderr;
            assert.notStrictEqual(r.code, 0, out);
            for (const e of expected) assert.match(out, e);
        });
    }
});
