// @engine A quieter `pulumi up`: under the real engine (the CLI and the command provider that
// scripts/setup.sh builds), the benchmark's progress lines reach the progress display and its
// results document does not; the results are still the stack's output. Needs root, netperf and the
// built engine; skipped with a message where they are missing, except in CI, where a missing
// engine fails.
import * as assert from "assert";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import type { PulumiRun } from "../../tools/engine";
import { runPulumi, selectStack, workingProjectDir } from "../../tools/engine";
import { engineLabOrSkip, leftovers } from "../lab-checks";

interface Diagnostic {
    readonly urn?: string;
    readonly message: string;
    readonly ephemeral?: boolean;
}

/** The engine's log messages (diagnostic events) from an event log. */
function diagnostics(eventLog: string): Diagnostic[] {
    return readFileSync(eventLog, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => (JSON.parse(l) as { diagnosticEvent?: Diagnostic }).diagnosticEvent)
        .filter((d): d is Diagnostic => d !== undefined);
}

describe("@engine pulumi up shows the benchmark's progress, not its results document", function () {
    this.timeout(600000);
    const stack = "quiet";
    const prefix = "hvquiet";
    let workDir = "";
    let env: NodeJS.ProcessEnv = {};
    const pulumi = (args: string[]): Promise<PulumiRun> => runPulumi(args, { workDir, env });

    before(async function () {
        const lab = engineLabOrSkip(this, "quiet");
        if (!lab) return;
        ({ workDir, env } = lab);
        const dir = path.join(workingProjectDir(workDir), "stacks");
        const doc = yaml.load(readFileSync(path.join(dir, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
        Object.assign(doc.config, {
            "hvnetlab:guests": 1,
            "hvnetlab:durationSeconds": 3,
            "hvnetlab:experiments": ["send"],
            "hvnetlab:labPrefix": prefix,
            "hvnetlab:subnet": "10.84.0.0/24",
            "hvnetlab:resultsFile": path.join(workDir, "quiet.results.json"),
        });
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), yaml.dump({ config: doc.config }));
        await selectStack(stack, { workDir, env });
    });

    after(async function () {
        if (!workDir) return;
        await pulumi(["cancel", "--stack", stack, "--yes", "--non-interactive"]);
        await pulumi(["destroy", "--stack", stack, "--yes", "--non-interactive"]);
        assert.deepStrictEqual(leftovers(prefix), []);
        rmSync(workDir, { recursive: true, force: true });
    });

    it("logs the runner's progress lines and no line of the results document; the output holds the results", async () => {
        const log = path.join(workDir, "events.jsonl");
        const run = await pulumi(["up", "--stack", stack, "--yes", "--non-interactive", "--suppress-outputs", "--event-log", log]);
        assert.strictEqual(run.code, 0, run.stdout + run.stderr);
        assert.ok(existsSync(log), "the engine wrote its event log");
        const bench = diagnostics(log).filter((d) => d.urn?.endsWith("::hvnetlab-benchmark-run"));
        assert.ok(
            bench.some((d) => /\[1\/1\] send TCP_STREAM 16384 B, 1 guest\(s\)/.test(d.message)),
            `the progress lines are shown: ${JSON.stringify(bench.map((d) => d.message))}`,
        );
        const leaked = bench.filter((d) => d.message.includes('"schemaVersion"'));
        assert.deepStrictEqual(
            leaked.map((d) => `${d.message.slice(0, 80)}... (${d.message.length} chars)`),
            [],
            "no results document in the progress display",
        );
        assert.doesNotMatch(run.stdout, /"schemaVersion"/, "nor anywhere in what pulumi up printed");
        const out = await pulumi(["stack", "output", "--json", "--stack", stack]);
        assert.strictEqual(out.code, 0, out.stderr);
        const results = (JSON.parse(out.stdout) as { results: { schemaVersion: number; runs: unknown[] } }).results;
        assert.strictEqual(results.schemaVersion, 1);
        assert.strictEqual(results.runs.length, 1);
    });
});
