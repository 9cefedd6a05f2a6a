// The offline runner: runs the project's Pulumi program under Pulumi's mock runtime and executes
// every `command:local:Command` for real, in the order the engine registers them (which honours
// inputs and dependsOn). When the program is done, or fails, or is interrupted, it runs the
// delete commands of everything it created, in reverse order. It keeps no state: every run builds
// the lab, measures, and tears it down. It serves the `local` stack only.
import { spawn } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import type { EngineRecord } from "../../model";
import { COMMAND_VERSION, ENGINE_RECORD_VAR } from "../../components";

/** What makes a lab the offline runner builds: no engine; the runner itself runs the commands. */
export const OFFLINE_ENGINE: EngineRecord = {
    cli: "none (the offline runner, no Pulumi engine)",
    providers: { command: `built here, stand-in for ${COMMAND_VERSION} (the offline runner)` },
};

export interface OfflineRunOptions {
    /** Config as the Pulumi CLI would pass it (`hvnetlab:key` -> string). */
    readonly config: Record<string, string>;
    /** The program module to load (its exports are the stack outputs). */
    readonly program: string;
    readonly stack: string;
    /** Progress lines. */
    readonly log: (line: string) => void;
    /** Aborting kills running commands, creates nothing more, and tears down. */
    readonly signal?: AbortSignal;
    /** Called with the outputs while the lab still stands, when the program completed. */
    readonly beforeTeardown?: (outputs: Record<string, unknown>) => Promise<void>;
}

export interface OfflineRunResult {
    readonly outputs: Record<string, unknown>;
    /** The first failure, when the program did not complete. */
    readonly error?: Error;
    /** Delete commands that failed during teardown. */
    readonly teardownErrors: string[];
}

export class CommandFailedError extends Error {
    readonly name = "CommandFailedError";
}

interface Created {
    readonly name: string;
    readonly delete: string;
    readonly environment?: Record<string, string>;
}

interface Execution {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs one command the way the command provider does: `sh -c`, optional stdin and environment. */
function execute(
    script: string,
    opts: { stdin?: string; environment?: Record<string, string>; onStderrLine?: (l: string) => void; signal?: AbortSignal },
): Promise<Execution> {
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", script], {
            env: { ...process.env, ...(opts.environment ?? {}) },
            stdio: ["pipe", "pipe", "pipe"],
            detached: true, // its own process group, so an abort ends everything it started
        });
        let stdout = "";
        let stderr = "";
        let partial = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            stdout += d;
        });
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
            stderr += d;
            partial += d;
            const lines = partial.split("\n");
            partial = lines.pop() ?? "";
            for (const l of lines) opts.onStderrLine?.(l);
        });
        const kill = () => {
            try {
                process.kill(-child.pid!, "SIGTERM");
            } catch {
                /* already gone */
            }
        };
        opts.signal?.addEventListener("abort", kill, { once: true });
        child.on("error", reject);
        child.on("close", (code, signal) => {
            opts.signal?.removeEventListener("abort", kill);
            if (partial) opts.onStderrLine?.(partial);
            resolve({ code, signal, stdout, stderr });
        });
        child.stdin.on("error", () => {
            /* the command may not read its stdin */
        });
        child.stdin.end(opts.stdin ?? "");
    });
}

function tail(text: string, lines = 8): string {
    return text.trim().split("\n").slice(-lines).join("\n");
}

/** Resolves an output's value (unwrapping secrets); never resolves for an output that failed. */
function valueOf(output: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(output)) return new Promise((resolve) => (output as pulumi.Output<unknown>).apply(resolve));
    return Promise.resolve(output);
}

/** What one run shares between its commands, the program's outputs and the teardown. */
class RunState {
    /** What the run created with a delete command, in the order created. */
    readonly created: Created[] = [];
    /** The commands running now. */
    readonly running = new Set<Promise<unknown>>();
    /** Aborted on the first failure, or when the caller's signal aborts: kills the running commands. */
    readonly aborted = new AbortController();
    /** The run's first failure. */
    firstError: Error | undefined;
    /** Rejects with the first failure (handled here: it is only raced against the program's outputs). */
    readonly failure: Promise<never>;
    private failed!: (e: Error) => void;

    constructor() {
        this.failure = new Promise<never>((_, reject) => {
            this.failed = reject;
        });
        this.failure.catch(() => undefined);
        this.aborted.signal.addEventListener("abort", () => {
            if (!this.firstError) this.fail(new CommandFailedError("interrupted"));
        });
    }

    /** Records the first failure, aborts the run and rejects `failure`. */
    fail(err: Error): void {
        if (!this.firstError) this.firstError = err;
        this.aborted.abort();
        this.failed(err);
    }
}

/**
 * The mock runtime's newResource: a `command:local:Command` has its create command run (its
 * delete recorded for the teardown), anything else is echoed back. A failed command fails the run.
 */
async function createResource(
    args: pulumi.runtime.MockResourceArgs,
    run: RunState,
    log: (line: string) => void,
): Promise<pulumi.runtime.MockResourceResult> {
    if (args.type !== "command:local:Command") return { id: `${args.name}-id`, state: args.inputs };
    if (run.aborted.signal.aborted) throw new CommandFailedError(`${args.name}: not created (the run is stopping)`);
    const inputs = args.inputs as { create?: string; delete?: string; stdin?: string; environment?: Record<string, string> };
    const started = Date.now();
    log(`+ ${args.name}`);
    const execution = execute(inputs.create ?? "true", {
        stdin: inputs.stdin,
        environment: inputs.environment,
        signal: run.aborted.signal,
        onStderrLine: (l) => log(`  ${args.name}: ${l}`),
    });
    run.running.add(execution);
    let result: Execution;
    try {
        result = await execution;
    } finally {
        run.running.delete(execution);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.code !== 0) {
        // A command killed by the abort may have done part of its work: tear it down too.
        // (One that failed by itself cleaned up after itself, and may have failed because
        // what it would make belongs to someone else.)
        if (result.signal !== null && inputs.delete)
            run.created.push({ name: args.name, delete: inputs.delete, environment: inputs.environment });
        const err = new CommandFailedError(
            `${args.name} failed (${result.code === null ? `signal ${result.signal}` : `exit ${result.code}`}, ${seconds} s):\n${tail(result.stderr || result.stdout) || "(no output)"}`,
        );
        run.fail(err);
        throw err;
    }
    if (inputs.delete) run.created.push({ name: args.name, delete: inputs.delete, environment: inputs.environment });
    log(`= ${args.name} (${seconds} s)`);
    return {
        id: `${args.name}-id`,
        state: { ...inputs, stdout: result.stdout.replace(/\n$/, ""), stderr: result.stderr.replace(/\n$/, "") },
    };
}

/**
 * Loads the program (after setMocks) with the offline runner's engine record, and resolves its
 * exports: the stack outputs, or none when the run failed first (the failure kept in `run`).
 */
async function programOutputs(program: string, run: RunState): Promise<Record<string, unknown>> {
    const outputs: Record<string, unknown> = {};
    // The program records what made the lab when it loads (components/engine-record.ts).
    const recorded = process.env[ENGINE_RECORD_VAR];
    try {
        process.env[ENGINE_RECORD_VAR] = JSON.stringify(OFFLINE_ENGINE);
        let loaded: Record<string, unknown>;
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program must load after setMocks
            loaded = require(program) as Record<string, unknown>;
        } finally {
            if (recorded === undefined) delete process.env[ENGINE_RECORD_VAR];
            else process.env[ENGINE_RECORD_VAR] = recorded;
        }
        const names = Object.keys(loaded);
        const values = await Promise.race([Promise.all(names.map((n) => valueOf(loaded[n]))), run.failure]);
        names.forEach((n, i) => {
            outputs[n] = values[i];
        });
    } catch (err) {
        if (!run.firstError) run.firstError = err as Error;
    }
    return outputs;
}

/** Runs the delete commands of what was created, newest first (reversing `created`); returns the ones that failed. */
async function tearDown(created: Created[], log: (line: string) => void): Promise<string[]> {
    const teardownErrors: string[] = [];
    if (created.length > 0) log(`tearing down ${created.length} resource(s)`);
    for (const c of created.reverse()) {
        const r = await execute(c.delete, { environment: c.environment });
        if (r.code === 0) {
            log(`- ${c.name}`);
        } else {
            const msg = `${c.name}: delete failed (exit ${r.code}): ${tail(r.stderr || r.stdout, 3)}`;
            teardownErrors.push(msg);
            log(`! ${msg}`);
        }
    }
    return teardownErrors;
}

export async function runOffline(options: OfflineRunOptions): Promise<OfflineRunResult> {
    const run = new RunState();
    const onAbort = () => run.aborted.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    // The engine's failed registrations surface as rejections nobody awaits, some of them late:
    // they are this run's failure, not a reason for Node to exit before or during the teardown.
    // The handler stays for the life of the process (the offline runner is a one-shot process).
    const onUnhandled = (reason: unknown) => run.fail(reason instanceof Error ? reason : new Error(String(reason)));
    process.on("unhandledRejection", onUnhandled);

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => createResource(args, run, options.log),
            call: (args) => {
                throw new CommandFailedError(`the offline runner does not answer invokes (${args.token})`);
            },
        },
        "hvnetlab",
        options.stack,
        false,
    );
    pulumi.runtime.setAllConfig(options.config);

    const outputs = await programOutputs(options.program, run);
    // Let every command that already started finish (or die from the abort) before tearing down.
    while (run.running.size > 0) await Promise.allSettled([...run.running]);
    if (!run.firstError && options.beforeTeardown) {
        try {
            await options.beforeTeardown(outputs);
        } catch (err) {
            run.firstError = err as Error;
        }
    }
    options.signal?.removeEventListener("abort", onAbort);

    const teardownErrors = await tearDown(run.created, options.log);
    return { outputs, ...(run.firstError ? { error: run.firstError } : {}), teardownErrors };
}
