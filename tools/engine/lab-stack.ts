// A stack through the real Pulumi engine, on the file backend inside the project (.pulumi/):
// `pulumi up` with the summary table and the kept outputs afterwards (or what a failed update
// measured), `pulumi destroy`, and where a stack's outputs are kept. tools/lab.ts is its command line.
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import type { SummaryRow } from "../../analysis";
import { formatTable } from "../../analysis";
import { resultsFileOf } from "../../runner";
import { EngineError, ROOT, runPulumi, selectStack, workingProjectDir } from "./engine";
import { describeKeptResults } from "./kept-results";
import { readProject, stackValue } from "./stack-config";

export const WORK_DIR = path.join(ROOT, ".pulumi");

/** The stack named by --stack/-s in ARGS (default local), and ARGS without it. */
export function splitStack(args: readonly string[]): { stack: string; rest: string[] } {
    let stack = "local";
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
        const a = args[i];
        const eq = /^--stack=(.*)$/.exec(a);
        if (eq) stack = eq[1];
        else if (a === "--stack" || a === "-s") {
            if (args[i + 1] === undefined) throw new EngineError(`${a} needs a stack name`);
            stack = args[++i];
        } else rest.push(a);
    }
    return { stack, rest };
}

/**
 * Where `npm run lab` keeps a stack's outputs after a good `pulumi up` (the JSON of `pulumi stack
 * output --json`): <root>/out/<stack>.outputs.json. The labs, the study and the offline runner
 * read and write the same file.
 */
export function outputsFile(stack: string, root: string = ROOT): string {
    return path.join(root, "out", `${stack}.outputs.json`);
}

/** `pulumi up` of a stack, then its summary table and outputsFile(stack). */
export async function up(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
    const { stack, rest } = splitStack(args);
    await selectStack(stack, { workDir: WORK_DIR, env });
    const started = Date.now();
    const r = await runPulumi(["up", "--stack", stack, "--yes", "--non-interactive", "--suppress-outputs", ...rest], {
        workDir: WORK_DIR,
        env,
        show: true,
    });
    if (r.code !== 0) {
        // The stack's outputs are those of the last good update: show what this one measured instead.
        const project = readProject(ROOT).name ?? "hvnetlab";
        const configured = stackValue(workingProjectDir(WORK_DIR), stack, `${project}:resultsFile`) ?? "";
        const kept = describeKeptResults(resultsFileOf(configured, stack, ROOT), started);
        if (kept) process.stdout.write(kept);
        return r.code ?? 1;
    }
    const out = await runPulumi(["stack", "output", "--json", "--stack", stack], { workDir: WORK_DIR, env });
    if (out.code === 0) {
        const outputs = JSON.parse(out.stdout) as { summary?: SummaryRow[]; lab?: { platform?: string; fingerprint?: string } };
        if (outputs.summary) {
            const file = outputsFile(stack);
            mkdirSync(path.dirname(file), { recursive: true });
            writeFileSync(file, out.stdout.endsWith("\n") ? out.stdout : `${out.stdout}\n`);
            process.stdout.write(
                `\n${outputs.lab?.platform ?? stack} lab, fingerprint ${outputs.lab?.fingerprint}\n${formatTable(outputs.summary)}\n\n` +
                    `outputs written to ${path.relative(process.cwd(), file)}; tear down with \`npm run lab:destroy${stack === "local" ? "" : ` -- --stack ${stack}`}\`\n`,
            );
        }
    }
    return r.code ?? 1;
}

export async function destroy(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
    const { stack, rest } = splitStack(args);
    await selectStack(stack, { workDir: WORK_DIR, env });
    const r = await runPulumi(["destroy", "--stack", stack, "--yes", "--non-interactive", ...rest], { workDir: WORK_DIR, env, show: true });
    return r.code ?? 1;
}
