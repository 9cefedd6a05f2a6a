// A lab's stack: selected and configured for the lab's run, with what the run can do with it
// (StackRun: the engine's CLI in the working project), and the outputs its last good `pulumi up`
// wrote, read back with every run of the results checked.
import { existsSync, readFileSync } from "fs";
import type { ResultsDocument } from "../../model";
import { ROOT, runPulumi, selectStack, setStackConfig } from "../engine";
import type { PulumiRun } from "../engine";
import { outputsFile, WORK_DIR } from "../engine";

/** What a lab's run can do with its stack. */
export interface StackRun {
    readonly stack: string;
    readonly env: NodeJS.ProcessEnv;
    /** The built CLI in the working project (`show` echoes its output). */
    pulumi(args: readonly string[], show?: boolean): Promise<PulumiRun>;
    /** Sets one secret of the stack through stdin. */
    secret(key: string, value: string): void;
    /** Sets one plain config value of the stack (`path`: the key is a path into a structured value). */
    set(key: string, value: string, path?: boolean): void;
}

/** A config value or secret that a lab's setup gathered for its stack (`path`: the key is a path into a structured value). */
export interface StackConfigValue {
    key: string;
    value: string;
    secret: boolean;
    path: boolean;
}

/**
 * Selects a lab's stack in the working project (WORK_DIR) and sets the values its setup gathered
 * (secrets through stdin); returns what the lab's run can do with the stack.
 */
export async function openStack(stack: string, config: readonly StackConfigValue[], env: NodeJS.ProcessEnv): Promise<StackRun> {
    await selectStack(stack, { workDir: WORK_DIR, env });
    const setConfig = (key: string, value: string, secret: boolean, isPath: boolean) =>
        setStackConfig(stack, key, value, { workDir: WORK_DIR, env, secret, path: isPath });
    for (const c of config) setConfig(c.key, c.value, c.secret, c.path);
    return {
        stack,
        env,
        pulumi: (a, show) => runPulumi(a, { workDir: WORK_DIR, env, show }),
        secret: (key, value) => setConfig(key, value, true, false),
        set: (key, value, isPath = false) => setConfig(key, value, false, isPath),
    };
}

/** The stack outputs the default run reads back from out/<stack>.outputs.json. */
export interface StackOutputs {
    readonly results?: ResultsDocument;
    readonly lab?: Record<string, unknown>;
}

/** The outputs the last good `pulumi up` of a stack wrote to outputsFile(stack, root), if any. */
export function readOutputs(stack: string, root: string = ROOT): StackOutputs | undefined {
    const file = outputsFile(stack, root);
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as StackOutputs) : undefined;
}

/** Every run of a results document ok: one line per run that is not. */
export function runProblems(doc: ResultsDocument | undefined): string[] {
    if (!doc) return ["the stack exported no results"];
    if (doc.runs.length === 0) return ["the results hold no run"];
    return doc.runs.filter((r) => r.status !== "ok").map((r) => `run ${r.id} is ${r.status}: ${r.error ?? ""}`);
}
