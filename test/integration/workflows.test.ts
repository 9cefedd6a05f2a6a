// The CI pipelines the project ships for its users: actionlint finds nothing in them, and every
// job that builds a lab always tears it down.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as yaml from "js-yaml";
import * as path from "path";
import { engineBinDir } from "../../tools/engine";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");

interface Step {
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    name?: string;
}
interface Job {
    steps: Step[];
    if?: string;
    needs?: string | string[];
}

const workflows = () =>
    readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => ({
            file: f,
            jobs: (yaml.load(readFileSync(path.join(WORKFLOWS, f), "utf8")) as { jobs: Record<string, Job> }).jobs,
        }));

describe("workflows", () => {
    it("pass actionlint", function () {
        this.timeout(60000);
        const actionlint = path.join(engineBinDir(), "actionlint");
        if (!existsSync(actionlint)) {
            if (process.env.CI) assert.fail(`no actionlint at ${actionlint}: scripts/setup.sh builds it`);
            console.log("    (skipped: actionlint is not built; run scripts/setup.sh)");
            return this.skip();
        }
        const r = spawnSync(actionlint, ["-no-color"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        // And it does find mistakes: here, a matrix key in a job without a matrix.
        const dir = mkdtempSync(path.join(tmpdir(), "hvnetlab-wf-"));
        const bad = path.join(dir, "bad.yml");
        writeFileSync(bad, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.stack }}\n");
        const caught = spawnSync(actionlint, ["-no-color", bad], { cwd: ROOT, encoding: "utf8" });
        assert.notStrictEqual(caught.status, 0);
        assert.match(caught.stdout, /matrix/);
    });

    it("always destroy what pulumi up built, after it, in the same job", () => {
        let ups = 0;
        for (const { file, jobs } of workflows()) {
            for (const [name, job] of Object.entries(jobs)) {
                const steps = job.steps ?? [];
                const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
                if (up < 0) continue;
                ups++;
                const destroy = steps.findIndex((s, i) => i > up && s.uses?.startsWith("pulumi/actions@") && s.with?.command === "destroy");
                assert.ok(destroy > up, `${file} ${name}: no destroy after up`);
                assert.match(steps[destroy].if ?? "", /always\(\)/, `${file} ${name}: destroy must run if: always()`);
                assert.strictEqual(
                    steps[destroy].with?.["stack-name"],
                    steps[up].with?.["stack-name"],
                    `${file} ${name}: destroy the stack that was brought up`,
                );
            }
        }
        assert.ok(ups > 0, "some workflow runs pulumi up");
    });

    it("compare after every measurement, even a failed one, and gate against committed baselines", () => {
        const { jobs } = workflows().find((w) => w.file === "hypervisors.yml")!;
        assert.strictEqual(jobs.compare.needs, "measure");
        assert.match(jobs.compare.if ?? "", /always\(\)/);
        const gate = jobs.compare.steps.find((s) => s.run?.includes("compare --baseline"));
        assert.ok(gate, "a gate step");
        assert.ok(
            readdirSync(path.join(ROOT, "baselines")).some((f) => f.endsWith(".json")),
            "a committed baseline",
        );
    });
});
