// The CI pipelines the project ships for its users: actionlint finds nothing in them, and every
// job that builds a lab always tears it down.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { ConfigError, parseLabConfig } from "../../components";
import { engineBinDir } from "../../tools/engine";
import { loadStackConfig } from "../../tools/engine/stack-config";
import { tempDir } from "../tmp";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");

interface Step {
    uses?: string;
    run?: string;
    env?: Record<string, string>;
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
        const dir = tempDir("wf");
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

    it("measures one stack at a time, unless the user declares that the stacks share no machine", () => {
        const doc = yaml.load(readFileSync(path.join(WORKFLOWS, "hypervisors.yml"), "utf8")) as {
            on: { workflow_dispatch: { inputs: Record<string, { type?: string; default?: unknown }> }; schedule?: unknown };
            jobs: Record<string, Job & { strategy?: { matrix: { stack: string[] }; "max-parallel"?: number | string } }>;
        };
        const strategy = doc.jobs.measure.strategy!;
        const stacks = strategy.matrix.stack.length;
        assert.ok(stacks > 1, "a matrix of stacks");
        // max-parallel as GitHub evaluates it: a number, or `${{ inputs.X && A || B }}` (on a
        // schedule the inputs context is empty; by hand each input has its value or its default).
        const maxParallel = (inputs: Record<string, unknown>): number | undefined => {
            const v = strategy["max-parallel"];
            if (v === undefined || typeof v === "number") return v;
            const m = /^\$\{\{\s*inputs\.(\w+)\s*&&\s*(\d+)\s*\|\|\s*(\d+)\s*\}\}$/.exec(v);
            assert.ok(m, `max-parallel '${v}' is a number or inputs.X && A || B`);
            return Number(inputs[m[1]] ? m[2] : m[3]);
        };
        const defaults = Object.fromEntries(Object.entries(doc.on.workflow_dispatch.inputs).map(([k, i]) => [k, i.default]));
        assert.ok(doc.on.schedule, "a scheduled run");
        assert.strictEqual(maxParallel({}), 1, "a scheduled run measures one stack at a time");
        assert.strictEqual(maxParallel(defaults), 1, "a run by hand measures one stack at a time by default");
        const declared = doc.on.workflow_dispatch.inputs.stacks_share_no_machine;
        assert.ok(declared, "a workflow_dispatch input stacks_share_no_machine");
        assert.strictEqual(declared.type, "boolean");
        assert.strictEqual(declared.default, false, "stacks are taken to share a machine unless the user says otherwise");
        assert.strictEqual(maxParallel({ ...defaults, stacks_share_no_machine: true }), stacks, "declared independent: all at once");
    });

    it("hands every stack the secrets its config needs, as Pulumi secrets through stdin", function () {
        this.timeout(30000);
        const job = workflows().find((w) => w.file === "hypervisors.yml")!.jobs.measure as Job & {
            strategy: { matrix: { stack: string[] } };
        };
        const steps = job.steps;
        const setStep = steps.findIndex((s) => s.run?.includes("config set --secret"));
        const up = steps.findIndex((s) => s.with?.command === "up");
        assert.ok(setStep >= 0 && setStep < up, "a step sets the secrets before pulumi up");
        const script = steps[setStep].run!;
        const value = { HVNETLAB_SSH_PRIVATE_KEY: "-----BEGIN KEY-----\nsecret-key\n-----END KEY-----", VSPHERE_PASSWORD: "pa$$ word" };
        for (const stack of job.strategy.matrix.stack) {
            // Which secret keys the stack's config refuses to go without.
            const base = loadStackConfig(ROOT, stack);
            const needed = (values: Record<string, string>): string[] => {
                try {
                    parseLabConfig((k) => values[`hvnetlab:${k}`]);
                    return [];
                } catch (e) {
                    if (!(e instanceof ConfigError)) throw e;
                    return e.problems.flatMap((p) => /hvnetlab:(sshPrivateKey|vspherePassword)\b/.exec(p)?.[1] ?? []);
                }
            };
            // The step, run with a pulumi that records what it is asked to set.
            const dir = tempDir("wf-secrets");
            const log = path.join(dir, "calls");
            writeFileSync(
                path.join(dir, "pulumi"),
                `#!/bin/bash\nprintf 'ARGS %s\\n' "$*" >> ${JSON.stringify(log)}\nif [ "$1 $2" = "config set" ]; then printf 'STDIN ' >> ${JSON.stringify(log)}; base64 -w0 >> ${JSON.stringify(log)}; echo >> ${JSON.stringify(log)}; fi\n`,
                { mode: 0o755 },
            );
            const r = spawnSync("bash", ["-e", "-c", script], {
                env: { PATH: `${dir}:${process.env.PATH}`, STACK: stack, PULUMI_BACKEND_URL: "file:///tmp/x", ...value },
                encoding: "utf8",
            });
            assert.strictEqual(r.status, 0, `${stack}: ${r.stdout}${r.stderr}`);
            const calls = existsSync(log) ? readFileSync(log, "utf8") : "";
            const set: Record<string, string> = {};
            for (const m of calls.matchAll(/ARGS config set --secret --stack (\S+) hvnetlab:(\w+)\nSTDIN (\S*)\n/g)) {
                assert.strictEqual(m[1], stack);
                set[`hvnetlab:${m[2]}`] = Buffer.from(m[3], "base64").toString();
            }
            assert.ok(!/ARGS config set (?!--secret)/.test(calls), `${stack}: every config set is --secret`);
            assert.ok(!calls.includes("secret-key") && !calls.includes("pa$$"), `${stack}: no secret on a command line`);
            const before = needed(base);
            assert.deepStrictEqual(needed({ ...base, ...set }), [], `${stack}: still missing after the step (needed ${before.join(", ")})`);
            for (const [k, v] of Object.entries(set))
                assert.strictEqual(v, k.endsWith("sshPrivateKey") ? value.HVNETLAB_SSH_PRIVATE_KEY : value.VSPHERE_PASSWORD);
            if (stack !== "local") assert.ok(before.includes("sshPrivateKey"), `${stack} needs the SSH key: the check above is real`);
            // Without the repository secret, the step stops with a line naming it.
            if (before.length > 0) {
                const missing = spawnSync("bash", ["-e", "-c", script], {
                    env: { PATH: `${dir}:${process.env.PATH}`, STACK: stack, PULUMI_BACKEND_URL: "file:///tmp/x" },
                    encoding: "utf8",
                });
                assert.notStrictEqual(missing.status, 0, stack);
                assert.match(missing.stdout, /::error::the \w+ stack needs the (HVNETLAB_SSH_PRIVATE_KEY|VSPHERE_PASSWORD) secret/);
            }
        }
    });
});
