// The harness of the labs that stand up real software on this machine (`npm run lab:<name>`).
// A lab is one file in tools/labs/ that says only what is particular to it (see Lab in
// lab-host.ts); the harness does the rest the same way for every lab, here in runLab:
//   1. arguments: `--keep` leaves the lab standing, `--down` takes a standing one down; unknown
//      options are refused by name;
//   2. setup: the lab's steps, each recorded in a ledger (<state>/made.json) as it is made:
//      namespaces, links, processes (by pid), files. A standing lab is refused;
//   3. the stack: selected, the lab's config and secrets set (secrets through stdin), then the
//      lab's run, by default `pulumi up` with its table and out/<stack>.outputs.json, and checks;
//   4. unless --keep: `pulumi destroy`, then the leftover check (anything the stack left on this
//      machine: processes and links in the lab's namespaces that the setup did not make, netservers
//      started since the lab began, and the lab's own checks), and only then the teardown of what
//      the ledger lists, each process stopped by its pid. Leftovers fail the lab.
// The steps' own files: command-line.ts (1), lab-host.ts and ledger.ts (2), stack.ts (3),
// leftovers.ts (4), on what this-machine.ts runs and reads.
import { mkdirSync, rmSync } from "fs";
import * as path from "path";
import { engineEnv, onPath, prepareWorkingProject, ROOT, runPulumi } from "../engine";
import { checkConfigKeys, destroy, isConfigPath, up, WORK_DIR } from "../engine";
import { labHelp, parseLabArgs } from "./command-line";
import { forgetNicStates } from "./lab-network";
import { LabError } from "./lab-error";
import type { Lab } from "./lab-host";
import { LabHost } from "./lab-host";
import { labStateRoot, readLedger, undo } from "./ledger";
import { openStack, readOutputs, runProblems } from "./stack";
import { stopProcess } from "./this-machine";

/**
 * After `pulumi destroy`: the leftover check first, then the cleanup: the processes found left are
 * stopped by pid, the saved states of the lab's dedicated NICs forgotten, the lab takes away what
 * else its stack left (Lab.cleanUp), then the ledger is undone and removed. Returns every leftover as a problem.
 */
export function settle(h: LabHost): string[] {
    const left = h.leftovers();
    const problems = left.map((l) => `left behind by the stack: ${l.what}`);
    h.log("taking the lab's setup down");
    for (const l of left) if (l.process) stopProcess(l.process.pid, l.process.comm);
    forgetNicStates(h.lab.dedicatedNics?.(h) ?? []);
    h.lab.cleanUp?.(h);
    problems.push(...undo(h.made).map((l) => `left behind by the setup: ${l}`));
    rmSync(h.ledger, { force: true });
    return problems;
}

/** `pulumi destroy`, then settle: returns the problems. */
async function takeDown(h: LabHost, env: NodeJS.ProcessEnv): Promise<string[]> {
    h.log("pulumi destroy");
    const d = await destroy(["--stack", h.lab.stack], env);
    const problems = [...(d !== 0 ? [`pulumi destroy exited ${d}`] : []), ...settle(h)];
    if (d !== 0) {
        // What the stack made lived on the lab's machines, which the setup just took down: its state
        // must not outlive them, or the next run's `pulumi up` would find every resource "there".
        h.log(`forgetting the state of stack ${h.lab.stack}: its resources went with the lab's machines`);
        const rm = await runPulumi(["stack", "rm", "--stack", h.lab.stack, "--force", "--yes", "--preserve-config"], {
            workDir: WORK_DIR,
            env,
        });
        if (rm.code !== 0)
            problems.push(`pulumi stack rm ${h.lab.stack} exited ${rm.code}: ${(rm.stderr || rm.stdout).trim().split("\n")[0]}`);
    }
    return problems;
}

/**
 * A lab's default run: `pulumi up` of its stack under the project's policy pack (a stack breaking
 * a rule is stopped and named), with the table and out/<stack>.outputs.json, then every run ok and
 * the lab's `check`. Returns the problems.
 */
export async function upAndCheck(lab: Lab, h: LabHost, env: NodeJS.ProcessEnv): Promise<string[]> {
    const code = await up(["--stack", lab.stack, "--policy-pack", path.join(ROOT, "policy")], env);
    if (code !== 0) return [`pulumi up exited ${code}`];
    const outputs = readOutputs(lab.stack);
    return [...runProblems(outputs?.results), ...(outputs ? (lab.check?.(outputs, h) ?? []) : [])];
}

/** Runs a lab with its command-line arguments; returns the exit code (0 passed, 1 failed). */
export async function runLab(lab: Lab, argv: readonly string[]): Promise<number> {
    const args = parseLabArgs(lab.name, argv, lab.options);
    if (args.help) {
        process.stdout.write(`${labHelp(lab.name, lab.options)}\n`);
        return 0;
    }
    // A mistyped key would be set on the stack and never read: refused before anything is made.
    try {
        checkConfigKeys(Object.keys(args.config), ROOT);
    } catch (e) {
        throw new LabError(`--config: ${(e as Error).message}`);
    }
    if (lab.root && process.getuid?.() !== 0) throw new LabError(`lab:${lab.name} needs root (namespaces, daemons)`);
    for (const tool of lab.needs) {
        if (!onPath(tool, { PATH: `${process.env.PATH ?? ""}:/usr/sbin` }))
            throw new LabError(`lab:${lab.name} needs ${tool}: run \`bash scripts/setup.sh\` first`);
    }
    const started = Date.now();
    const env = engineEnv({ workDir: WORK_DIR });
    prepareWorkingProject({ workDir: WORK_DIR, refresh: true });
    const ledgerFile = path.join(labStateRoot(), lab.name, "made.json");
    const standing = readLedger(ledgerFile);
    const h = new LabHost(lab, args.options, env, args.down ? standing : undefined);
    mkdirSync(h.dir, { recursive: true });
    const finish = (problems: string[]) => {
        for (const p of problems) h.log(`FAILED: ${p}`);
        h.log(`${problems.length === 0 ? "passed" : "failed"} in ${Math.round((Date.now() - started) / 1000)} s`);
        return problems.length === 0 ? 0 : 1;
    };
    if (args.down) {
        if (!standing) throw new LabError(`no ${lab.name} lab stands (no ${h.ledger})`);
        return finish(await takeDown(h, env));
    }
    if (standing)
        throw new LabError(`a ${lab.name} lab stands already (${h.ledger}): take it down with \`npm run lab:${lab.name} -- --down\``);
    const problems: string[] = [];
    try {
        await lab.setUp(h);
    } catch (e) {
        h.log(`setup failed: ${(e as Error).message}`);
        const left = undo(h.made);
        rmSync(h.ledger, { force: true });
        throw new LabError(`setup failed: ${(e as Error).message}${left.length ? `; left: ${left.join(", ")}` : ""}`);
    }
    try {
        const overrides = Object.entries(args.config).map(([key, value]) => ({ key, value, secret: false, path: isConfigPath(key) }));
        if (overrides.length > 0) h.log(`--config: ${overrides.map((c) => `${c.key}=${c.value}`).join(" ")}`);
        const stackRun = await openStack(lab.stack, [...h.config, ...overrides], env);
        problems.push(...(await (lab.run ? lab.run(h, stackRun) : upAndCheck(lab, h, env))));
    } catch (e) {
        problems.push((e as Error).message);
    } finally {
        if (args.keep) h.log(`--keep: the lab stands; \`npm run lab:${lab.name} -- --down\` destroys its stack and takes it down`);
        else problems.push(...(await takeDown(h, env)));
    }
    return finish(problems);
}

/** The entry point of a lab's file: runs it with this process's arguments and exits. */
export function main(lab: Lab): void {
    // Ctrl-C reaches pulumi too (same process group; the lab's daemons have their own): it
    // cancels, and the lab then destroys and takes itself down as after a failure.
    process.on("SIGINT", () =>
        process.stderr.write(`\nlab:${lab.name}: interrupted; waiting for pulumi to stop, then taking the lab down\n`),
    );
    runLab(lab, process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`lab:${lab.name}: ${e.message}\n`);
            process.exit(2);
        },
    );
}
