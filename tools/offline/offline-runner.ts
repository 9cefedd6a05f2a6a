// The offline runner: runs the project's Pulumi program under Pulumi's mock runtime and executes
// every `command:local:Command` for real, in the order the engine registers them (which honours
// inputs and dependsOn). When the program is done, or fails, or is interrupted, it runs the
// delete commands of everything it created, in reverse order. It keeps no state: every run builds
// the lab, measures, and tears it down. It serves the `local` stack only.
import { spawn } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import type { EngineRecord } from "../../model";
import { COMMAND_VERSION, ENGINE_RECORD_VAR } from "../../components/engine-record";

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

export async function runOffline(options: OfflineRunOptions): Promise<OfflineRunResult> {
    const created: Created[] = [];
    const running = new Set<Promise<unknown>>();
    const aborted = new AbortController();
    const onAbort = () => aborted.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let firstError: Error | undefined;
    let failed!: (e: Error) => void;
    const failure = new Promise<never>((_, reject) => {
        failed = reject;
    });
    failure.catch(() => undefined);
    const fail = (err: Error) => {
        if (!firstError) firstError = err;
        aborted.abort();
        failed(err);
    };
    aborted.signal.addEventListener("abort", () => {
        if (!firstError) fail(new CommandFailedError("interrupted"));
    });
    // The engine's failed registrations surface as rejections nobody awaits, some of them late:
    // they are this run's failure, not a reason for Node to exit before or during the teardown.
    // The handler stays for the life of the process (the offline runner is a one-shot process).
    const onUnhandled = (reason: unknown) => fail(reason instanceof Error ? reason : new Error(String(reason)));
    process.on("unhandledRejection", onUnhandled);

    await pulumi.runtime.setMocks(
        {
            newResource: async (args) => {
                if (args.type !== "command:local:Command") return { id: `${args.name}-id`, state: args.inputs };
                if (aborted.signal.aborted) throw new CommandFailedError(`${args.name}: not created (the run is stopping)`);
                const inputs = args.inputs as { create?: string; delete?: string; stdin?: string; environment?: Record<string, string> };
                const started = Date.now();
                options.log(`+ ${args.name}`);
                const run = execute(inputs.create ?? "true", {
                    stdin: inputs.stdin,
                    environment: inputs.environment,
                    signal: aborted.signal,
                    onStderrLine: (l) => options.log(`  ${args.name}: ${l}`),
                });
                running.add(run);
                let result: Execution;
                try {
                    result = await run;
                } finally {
                    running.delete(run);
                }
                const seconds = ((Date.now() - started) / 1000).toFixed(1);
                if (result.code !== 0) {
                    // A command killed by the abort may have done part of its work: tear it down too.
                    // (One that failed by itself cleaned up after itself, and may have failed because
                    // what it would make belongs to someone else.)
                    if (result.signal !== null && inputs.delete)
                        created.push({ name: args.name, delete: inputs.delete, environment: inputs.environment });
                    const err = new CommandFailedError(
                        `${args.name} failed (${result.code === null ? `signal ${result.signal}` : `exit ${result.code}`}, ${seconds} s):\n${tail(result.stderr || result.stdout) || "(no output)"}`,
                    );
                    fail(err);
                    throw err;
                }
                if (inputs.delete) created.push({ name: args.name, delete: inputs.delete, environment: inputs.environment });
                options.log(`= ${args.name} (${seconds} s)`);
                return {
                    id: `${args.name}-id`,
                    state: { ...inputs, stdout: result.stdout.replace(/\n$/, ""), stderr: result.stderr.replace(/\n$/, "") },
                };
            },
            call: (args) => {
                throw new CommandFailedError(`the offline runner does not answer invokes (${args.token})`);
            },
        },
        "hvnetlab",
        options.stack,
        false,
    );
    pulumi.runtime.setAllConfig(options.config);

    const outputs: Record<string, unknown> = {};
    // The program records what made the lab when it loads (components/engine-record.ts).
    const recorded = process.env[ENGINE_RECORD_VAR];
    try {
        process.env[ENGINE_RECORD_VAR] = JSON.stringify(OFFLINE_ENGINE);
        let program: Record<string, unknown>;
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program must load after setMocks
            program = require(options.program) as Record<string, unknown>;
        } finally {
            if (recorded === undefined) delete process.env[ENGINE_RECORD_VAR];
            else process.env[ENGINE_RECORD_VAR] = recorded;
        }
        const names = Object.keys(program);
        const values = await Promise.race([Promise.all(names.map((n) => valueOf(program[n]))), failure]);
        names.forEach((n, i) => {
            outputs[n] = values[i];
        });
    } catch (err) {
        if (!firstError) firstError = err as Error;
    }
    // Let every command that already started finish (or die from the abort) before tearing down.
    while (running.size > 0) await Promise.allSettled([...running]);
    if (!firstError && options.beforeTeardown) {
        try {
            await options.beforeTeardown(outputs);
        } catch (err) {
            firstError = err as Error;
        }
    }
    options.signal?.removeEventListener("abort", onAbort);

    const teardownErrors: string[] = [];
    if (created.length > 0) options.log(`tearing down ${created.length} resource(s)`);
    for (const c of created.reverse()) {
        const r = await execute(c.delete, { environment: c.environment });
        if (r.code === 0) {
            options.log(`- ${c.name}`);
        } else {
            const msg = `${c.name}: delete failed (exit ${r.code}): ${tail(r.stderr || r.stdout, 3)}`;
            teardownErrors.push(msg);
            options.log(`! ${msg}`);
        }
    }
    return { outputs, ...(firstError ? { error: firstError } : {}), teardownErrors };
}
