// @engine: the local stack under the real Pulumi engine (the CLI, language host and command
// provider that scripts/setup.sh builds), each step a real `pulumi` process on a file backend in
// a temporary folder. Needs root, netperf and the built engine; skipped with a message where they
// are missing, except in CI, where a missing engine fails.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import type { ResultsDocument } from "../../model";
import type { PulumiRun } from "../../tools/engine";
import { runPulumi, selectStack, workingProjectDir } from "../../tools/engine";
import { assertMeasuredLocalLab, engineLabOrSkip, leftovers } from "../lab-checks";
import { tempDir } from "../tmp";

/** Sets keys (without the hvnetlab: prefix) in a working stack file, made from the local one if new. */
function setStackConfig(workDir: string, stack: string, values: Record<string, unknown>): void {
    const dir = path.join(workingProjectDir(workDir), "stacks");
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    const source = existsSync(file) ? file : path.join(dir, "Pulumi.local.yaml");
    const doc = yaml.load(readFileSync(source, "utf8")) as { config: Record<string, unknown>; encryptionsalt?: string };
    if (source !== file) delete doc.encryptionsalt;
    for (const [k, v] of Object.entries(values)) doc.config[`hvnetlab:${k}`] = v;
    writeFileSync(file, yaml.dump(doc));
}

interface Step {
    op: string;
    name: string;
    type: string;
}

/** The engine's steps from an event log, leaving out resources that stayed the same. */
function changedSteps(eventLog: string): Step[] {
    const steps: Step[] = [];
    for (const line of readFileSync(eventLog, "utf8").split("\n")) {
        if (!line.trim()) continue;
        const meta = (JSON.parse(line) as { resourcePreEvent?: { metadata: { op: string; urn: string; type: string } } }).resourcePreEvent
            ?.metadata;
        if (!meta || meta.op === "same") continue;
        steps.push({ op: meta.op, name: meta.urn.split("::").pop()!, type: meta.type });
    }
    return steps;
}

describe("@engine the local stack under the real Pulumi engine", function () {
    this.timeout(600000);
    let workDir = "";
    let env: NodeJS.ProcessEnv = {};
    const stacksMade: string[] = [];

    const pulumi = (args: string[], opts: { onOutput?: (t: string) => void; signal?: AbortSignal } = {}): Promise<PulumiRun> =>
        runPulumi(args, { workDir, env, ...opts });
    const outputs = async (stack: string): Promise<Record<string, unknown>> => {
        const r = await pulumi(["stack", "output", "--json", "--stack", stack]);
        assert.strictEqual(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const up = async (
        stack: string,
        opts: { onOutput?: (t: string) => void; signal?: AbortSignal } = {},
    ): Promise<{ run: PulumiRun; steps: Step[] }> => {
        const log = path.join(workDir, `events-${stack}-${Date.now()}.jsonl`);
        const run = await pulumi(["up", "--stack", stack, "--yes", "--non-interactive", "--suppress-outputs", "--event-log", log], opts);
        return { run, steps: existsSync(log) ? changedSteps(log) : [] };
    };
    const newStack = async (stack: string, values: Record<string, unknown>) => {
        setStackConfig(workDir, stack, values);
        await selectStack(stack, { workDir, env });
        stacksMade.push(stack);
    };
    const resourcesInState = async (stack: string): Promise<unknown[]> => {
        const r = await pulumi(["stack", "export", "--stack", stack]);
        assert.strictEqual(r.code, 0, r.stderr);
        return (JSON.parse(r.stdout) as { deployment: { resources?: unknown[] } }).deployment.resources ?? [];
    };

    before(function () {
        const lab = engineLabOrSkip(this, "engine");
        if (lab) ({ workDir, env } = lab);
    });

    after(async function () {
        if (!workDir) return;
        // A failed test may leave a locked stack or pending operations: clear both before destroying.
        for (const stack of stacksMade) {
            await pulumi(["cancel", "--stack", stack, "--yes", "--non-interactive"]);
            await pulumi(["refresh", "--stack", stack, "--yes", "--non-interactive", "--clear-pending-creates"]);
            await pulumi(["destroy", "--stack", stack, "--yes", "--non-interactive"]);
        }
        rmSync(workDir, { recursive: true, force: true });
    });

    describe("one lab through its life: up, no-op, new run id, scale out, destroy", () => {
        const stack = "local";
        const prefix = "hveng";
        let first: ResultsDocument;

        before(async () => {
            if (!workDir) return;
            await newStack(stack, {
                guests: 2,
                durationSeconds: 4,
                labPrefix: prefix,
                subnet: "10.82.0.0/24",
                resultsFile: path.join(workDir, "local.results.json"),
            });
        });

        it("pulumi up builds the lab and measures it at the goodput limit", async () => {
            const { run, steps } = await up(stack);
            assert.strictEqual(run.code, 0, run.stdout + run.stderr);
            assert.ok(steps.length >= 10 && steps.every((s) => s.op === "create"), `only creates: ${JSON.stringify(steps)}`);
            const out = await outputs(stack);
            assertMeasuredLocalLab(out, ["send:1", "send:2", "receive:1", "receive:2"]);
            first = out.results as ResultsDocument;
            const kept = JSON.parse(readFileSync(path.join(workDir, "local.results.json"), "utf8"));
            assert.deepStrictEqual(kept, first, "the results file beside the stack holds the same results");
        });

        it("a second up with nothing changed changes nothing and does not measure again", async () => {
            const preview = await pulumi(["preview", "--stack", stack, "--expect-no-changes", "--non-interactive"]);
            assert.strictEqual(preview.code, 0, preview.stdout + preview.stderr);
            const { run, steps } = await up(stack);
            assert.strictEqual(run.code, 0, run.stderr);
            assert.deepStrictEqual(steps, []);
            assert.deepStrictEqual((await outputs(stack)).results, first, "the benchmark did not run again");
        });

        it("a new hvnetlab:runId re-runs the benchmark and nothing else", async () => {
            setStackConfig(workDir, stack, { runId: "second" });
            const { run, steps } = await up(stack);
            assert.strictEqual(run.code, 0, run.stderr);
            const names = [...new Set(steps.map((s) => s.name))];
            assert.deepStrictEqual(names, [`hvnetlab-benchmark-run`], JSON.stringify(steps));
            assert.ok(
                steps.some((s) => s.op === "create-replacement"),
                JSON.stringify(steps),
            );
            const results = (await outputs(stack)).results as ResultsDocument;
            assert.notStrictEqual(results.startedAt, first.startedAt, "measured again");
        });

        it("scaling out to 3 guests adds the third guest, its wire and netserver, and re-runs the benchmark", async () => {
            setStackConfig(workDir, stack, { guests: 3 });
            const { run, steps } = await up(stack);
            assert.strictEqual(run.code, 0, run.stderr);
            const created = steps
                .filter((s) => s.op === "create")
                .map((s) => s.name)
                .sort();
            assert.ok(
                created.some((n) => n.endsWith("-ns-g3")) &&
                    created.some((n) => /wire-?3$/.test(n)) &&
                    created.some((n) => n.endsWith("-netserver-g3")),
                JSON.stringify(steps),
            );
            const others = steps.filter((s) => s.op !== "create" && s.name !== "hvnetlab-benchmark-run");
            assert.deepStrictEqual(others, [], "nothing else is updated or replaced");
            assert.ok(steps.some((s) => s.name === "hvnetlab-benchmark-run" && s.op === "create-replacement"));
            const out = await outputs(stack);
            assertMeasuredLocalLab(out, ["send:1", "send:2", "send:3", "receive:1", "receive:2", "receive:3"]);
        });

        it("pulumi destroy leaves no namespace, link, qdisc or netserver, and an empty state", async () => {
            const r = await pulumi(["destroy", "--stack", stack, "--yes", "--non-interactive"]);
            assert.strictEqual(r.code, 0, r.stderr);
            assert.deepStrictEqual(leftovers(prefix), []);
            assert.deepStrictEqual(await resourcesInState(stack), []);
        });
    });

    it("a failed up says why, and destroy afterwards removes what it created", async () => {
        await newStack("bad", { guests: 2, labPrefix: "hvebad", subnet: "10.83.0.0/24", netperfVersion: "9.9.9" });
        const { run } = await up("bad");
        assert.notStrictEqual(run.code, 0);
        assert.match(run.stdout + run.stderr, /netperf 2\.7\.0 is installed but hvnetlab:netperfVersion is 9\.9\.9/);
        assert.ok((await resourcesInState("bad")).length > 0, "something was created before the failure");
        const d = await pulumi(["destroy", "--stack", "bad", "--yes", "--non-interactive"]);
        assert.strictEqual(d.code, 0, d.stderr);
        assert.deepStrictEqual(leftovers("hvebad"), []);
        assert.deepStrictEqual(await resourcesInState("bad"), []);
    });

    it("an invalid stack file fails in preview with the config error, before anything is created", async () => {
        await newStack("invalid", { guests: 99, labPrefix: "hveinv" });
        const r = await pulumi(["preview", "--stack", "invalid", "--non-interactive"]);
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stdout + r.stderr, /hvnetlab:guests = "99" is out of range; use a whole number from 1 to 64/);
        assert.deepStrictEqual(await resourcesInState("invalid"), []);
        assert.deepStrictEqual(leftovers("hveinv"), []);
    });

    it("an SSH key set without --secret is refused in preview, before anything is created", async () => {
        await selectStack("kvm", { workDir, env });
        stacksMade.push("kvm");
        const set = await pulumi(["config", "set", "--stack", "kvm", "hvnetlab:sshPrivateKey", "not-a-secret-key"]);
        assert.strictEqual(set.code, 0, set.stderr);
        const r = await pulumi(["preview", "--stack", "kvm", "--non-interactive"]);
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stdout + r.stderr, /hvnetlab:sshPrivateKey is stored in plain text in the stack file/);
        assert.deepStrictEqual(await resourcesInState("kvm"), []);
    });

    it("a missing plugin fails at once, naming it, without a download", async function () {
        // Only where setup built every plugin: with an official plugin the engine may fetch plugins.
        if (env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION !== "true") {
            console.log("      (skipped: setup chose an official plugin, so the engine fetches a missing one)");
            return this.skip();
        }
        await newStack("noplugin", { guests: 1, labPrefix: "hvenop" });
        // A PULUMI_HOME into which the built command plugin was never installed.
        const emptyHome = tempDir("home");
        try {
            const r = await runPulumi(["preview", "--stack", "noplugin", "--non-interactive"], {
                workDir,
                env: { ...env, PULUMI_HOME: emptyHome },
            });
            assert.notStrictEqual(r.code, 0);
            assert.match(r.stdout + r.stderr, /resource plugin command|pulumi-resource-command/i);
            assert.doesNotMatch(r.stdout + r.stderr, /[Dd]ownloading/);
        } finally {
            rmSync(emptyHome, { recursive: true, force: true });
        }
    });

    /** Starts `pulumi up` of a 20 s lab and calls interrupt(child pid) 3 s into the measurement. */
    const interruptedUp = async (stack: string, prefix: string, subnet: string, interrupt: (pid: number) => void) => {
        await newStack(stack, { guests: 2, durationSeconds: 20, labPrefix: prefix, subnet, experiments: ["send"] });
        let measuring = false;
        let seen = "";
        const log = path.join(workDir, `events-${stack}.jsonl`);
        const child = spawn(
            "pulumi",
            ["--cwd", workingProjectDir(workDir), "up", "--stack", stack, "--yes", "--non-interactive", "--event-log", log],
            { env },
        );
        const onData = (d: Buffer) => {
            seen += d;
            if (!measuring && /hvnetlab-benchmark-run\s+creating/.test(seen)) {
                measuring = true;
                setTimeout(() => interrupt(child.pid!), 3000);
            }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
        assert.ok(measuring, seen);
        return { code, output: seen };
    };
    const pendingOperations = async (stack: string): Promise<unknown[]> => {
        const r = await pulumi(["stack", "export", "--stack", stack]);
        return (JSON.parse(r.stdout) as { deployment: { pending_operations?: unknown[] } }).deployment.pending_operations ?? [];
    };

    it("Ctrl-C while measuring: the update stops the benchmark, and destroy leaves nothing", async () => {
        const { code, output } = await interruptedUp("int", "hveint", "10.84.0.0/24", (pid) => process.kill(pid, "SIGINT"));
        assert.notStrictEqual(code, 0);
        assert.match(output, /run aborted|cancel/i);
        assert.deepStrictEqual(await pendingOperations("int"), [], "a graceful stop leaves no pending operation");
        const d = await pulumi(["destroy", "--stack", "int", "--yes", "--non-interactive"]);
        assert.strictEqual(d.code, 0, d.stdout + d.stderr);
        assert.deepStrictEqual(leftovers("hveint"), []);
        assert.deepStrictEqual(await resourcesInState("int"), []);
    });

    it("pulumi killed while measuring: its plugins stop the benchmark; cancel, refresh --clear-pending-creates, destroy leave nothing", async () => {
        await interruptedUp("kill", "hvekill", "10.85.0.0/24", (pid) => process.kill(pid, "SIGKILL"));
        // The killed engine's own providers: they stop the benchmark's process group (SIGTERM, then
        // SIGKILL after the command provider's 10 s grace) and must be gone within that grace.
        const running = (args: string[]) => spawnSync("pgrep", ["-a", ...args], { encoding: "utf8" }).stdout.trim();
        const killedProviders = running(["-f", "pulumi-resource-command"])
            .split("\n")
            .filter(Boolean)
            .map((l) => Number(l.split(" ")[0]));
        assert.ok((await pendingOperations("kill")).length > 0, "a killed update leaves pending operations");
        const refused = await pulumi(["destroy", "--stack", "kill", "--yes", "--non-interactive"]);
        assert.notStrictEqual(refused.code, 0);
        assert.match(refused.stdout + refused.stderr, /locked .*pulumi cancel/s);
        const cancel = await pulumi(["cancel", "--stack", "kill", "--yes", "--non-interactive"]);
        assert.strictEqual(cancel.code, 0, cancel.stdout + cancel.stderr);
        const refresh = await pulumi(["refresh", "--stack", "kill", "--yes", "--non-interactive", "--clear-pending-creates"]);
        assert.strictEqual(refresh.code, 0, refresh.stdout + refresh.stderr);
        const d = await pulumi(["destroy", "--stack", "kill", "--yes", "--non-interactive"]);
        assert.strictEqual(d.code, 0, d.stdout + d.stderr);
        assert.deepStrictEqual(leftovers("hvekill"), []);
        assert.deepStrictEqual(await resourcesInState("kill"), []);
        const alive = (pid: number) => {
            try {
                process.kill(pid, 0);
                return true;
            } catch {
                return false;
            }
        };
        for (let waited = 0; waited < 15000 && killedProviders.some(alive); waited += 500) await new Promise((r) => setTimeout(r, 500));
        const orphans = [
            ...killedProviders.filter(alive).map((pid) => `provider ${pid} of the killed engine`),
            running(["-f", "hvnetlab.js measure"]),
            running(["-x", "netperf"]),
        ].filter(Boolean);
        assert.deepStrictEqual(orphans, [], "no provider, runner or netperf outlives the killed engine");
    });
});
