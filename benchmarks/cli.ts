// The `hvnetlab` command line: run a plan against an existing lab, or print a results table.
//
//   hvnetlab measure --plan FILE|- [--results-file FILE] [--fail-on failed|partial|never]
//                                    runs the plan, prints the results document (JSON) on stdout,
//                                    progress on stderr; keeps the results so far in the file
//                                    after every run, and exits 1 as --fail-on says
//   hvnetlab report --results FILE   prints the summary table of a results document
//   hvnetlab compare ...             compares stacks, or gates one against a baseline (compare-cli.ts)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { CompareInputError } from "./compare";
import { COMPARE_USAGE, parseCompareArgs, runCompare, runReport } from "./compare-cli";
import { PlanError, validatePlan } from "./plan-check";
import { writeResultsFile } from "./results-file";
import type { ProgressEvent } from "./runner";
import { runPlan } from "./runner";
import { formatTable, summarize } from "./summary";
import { SshTransport } from "./ssh";
import { AccessTransport, NetnsTransport } from "./transport";
import type { Plan, ResultsDocument } from "./types";
import { SSH_KEY_ENV } from "./types";
import type { FailOn } from "./verdict";
import { FAIL_ON, failureOf } from "./verdict";

const USAGE = `usage:
  hvnetlab measure --plan FILE|- [--results-file FILE] [--fail-on failed|partial|never]
                                    run a plan (JSON; - reads stdin), print the results document;
                                    the file holds the results so far after every run; exit 1 when
                                    a run failed (partial: was not ok; never: only for an unusable lab)
  hvnetlab report --results FILE    print the summary table of a results document
${COMPARE_USAGE.replace(/^usage:\n/, "")}`;

export class UsageError extends Error {
    readonly name = "UsageError";
}

export function parseArgs(argv: readonly string[]): { command: string; options: Map<string, string> } {
    const [command, ...rest] = argv;
    if (!command || command === "--help" || command === "-h") throw new UsageError(USAGE);
    const options = new Map<string, string>();
    for (let i = 0; i < rest.length; i++) {
        const key = rest[i];
        if (!key.startsWith("--") || i + 1 >= rest.length) throw new UsageError(`unexpected argument '${key}'\n${USAGE}`);
        options.set(key.slice(2), rest[++i]);
    }
    return { command, options };
}

export function describeProgress(e: ProgressEvent): string {
    switch (e.kind) {
        case "endpoints":
            return Object.entries(e.reports)
                .map(
                    ([name, r]) =>
                        `${name}: ${r.facts.kernel}, ${r.facts.cpuModel}, virt ${r.facts.virtualization}${r.facts.hypervisor ? ` (${r.facts.hypervisor})` : ""}, clock ${r.clock.offsetMs.toFixed(2)} ms (rtt ${r.clock.rttMs.toFixed(2)} ms); ${r.facts.nics.map((n) => `${n.name} ${n.driver} ${n.speedMbps ?? "?"} Mb/s`).join(", ")}`,
                )
                .join("\n");
        case "check":
            return `checking ${e.pairs} netperf client/netserver pair(s)`;
        case "start":
            return `[${e.index + 1}/${e.total}] ${e.cell.experiment} ${e.cell.test} ${e.cell.messageBytes} B, ${e.cell.guests} guest(s) ...`;
        case "done": {
            const a = e.run.aggregate;
            const rate =
                a.transactionsPerSec !== undefined
                    ? `${a.transactionsPerSec.toFixed(0)} trans/s`
                    : `${a.throughputMbps.toFixed(1)} Mb/s, ${a.goodputPct.toFixed(1)}% of goodput limit`;
            const spreadText = e.run.stats ? `, ${e.run.stats.n} repeats, CV ${e.run.stats.cvPct.toFixed(2)}%` : "";
            const warnings = (e.run.warnings ?? []).map((w) => `\n    warning: ${w}`).join("");
            return `[${e.index + 1}/${e.total}] ${e.run.id}: ${rate}${spreadText}, skew ${e.run.skewMs.toFixed(1)} ms, ${e.run.status}${e.run.error ? ` (${e.run.error})` : ""}${warnings}`;
        }
    }
}

function readInput(file: string): string {
    return readFileSync(file === "-" ? 0 : file, "utf8");
}

/**
 * Namespaces run through `ip netns exec`, SSH endpoints through the system's ssh. The private key
 * comes from the environment and lives in a 0600 file of a private directory for the run only.
 */
export function transportFor(plan: Pick<Plan, "ssh">, keyDir: string, env: NodeJS.ProcessEnv = process.env): AccessTransport {
    const key = env[SSH_KEY_ENV];
    let identityFile: string | undefined;
    if (key) {
        identityFile = path.join(keyDir, "id");
        writeFileSync(identityFile, key.endsWith("\n") ? key : `${key}\n`, { mode: 0o600 });
    }
    return new AccessTransport({
        netns: new NetnsTransport(),
        ssh: new SshTransport({
            hostKeyChecking: plan.ssh?.hostKeyChecking ?? "yes",
            knownHostsFile: plan.ssh?.knownHostsFile || undefined,
            identityFile,
        }),
    });
}

function required(options: Map<string, string>, key: string): string {
    const v = options.get(key);
    if (v === undefined) throw new UsageError(`--${key} is required\n${USAGE}`);
    return v;
}

async function main(argv: string[]): Promise<number> {
    if (argv[0] === "compare") return runCompare(parseCompareArgs(argv.slice(1)), (t) => process.stdout.write(t));
    if (argv[0] === "report" && !argv.includes("--results"))
        return runReport(parseCompareArgs(argv.slice(1)), (t) => process.stdout.write(t));
    const { command, options } = parseArgs(argv);
    // "bench" is the command's former name, still accepted.
    if (command === "measure" || command === "bench") {
        const planPath = required(options, "plan");
        const resultsFile = options.get("results-file");
        const failOn = options.get("fail-on") ?? "failed";
        if (!FAIL_ON.includes(failOn as FailOn)) throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(", ")}, got '${failOn}'`);
        let plan: unknown;
        try {
            plan = JSON.parse(readInput(planPath));
        } catch (err) {
            throw new UsageError(`cannot read the plan from ${planPath}: ${(err as Error).message}`);
        }
        const abort = new AbortController();
        let stoppedBy: NodeJS.Signals | undefined;
        const stop = (sig: NodeJS.Signals) => {
            stoppedBy ??= sig;
            process.stderr.write(`${sig}: stopping the benchmark; the runs measured so far are kept\n`);
            abort.abort(`stopped by ${sig}`);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        validatePlan(plan);
        // The key is written only now, and removed whatever happens next.
        const keyDir = mkdtempSync(path.join(tmpdir(), "hvkey-"));
        let transport: AccessTransport | undefined;
        try {
            transport = transportFor(plan, keyDir);
            const results = await runPlan(plan, {
                transport,
                signal: abort.signal,
                onProgress: (e) => process.stderr.write(`${describeProgress(e)}\n`),
                onResults: resultsFile ? (doc) => writeResultsFile(resultsFile, doc) : undefined,
            });
            process.stdout.write(`${JSON.stringify(results)}\n`);
            const failure = failureOf(results, failOn as FailOn);
            if (failure) {
                process.stderr.write(`hvnetlab: ${failure}${resultsFile ? `\nthe results are kept in ${resultsFile}` : ""}\n`);
            }
            if (stoppedBy) return 128 + (stoppedBy === "SIGINT" ? 2 : 15);
            return failure ? 1 : 0;
        } finally {
            await transport?.close();
            rmSync(keyDir, { recursive: true, force: true });
        }
    }
    if (command === "report") {
        const doc = JSON.parse(readInput(required(options, "results"))) as ResultsDocument;
        process.stdout.write(`${doc.platform} (fingerprint ${doc.fingerprint})\n${formatTable(summarize(doc))}\n`);
        return 0;
    }
    throw new UsageError(`unknown command '${command}'\n${USAGE}`);
}

/** Runs the command line and sets the process exit code: 0 ok, 1 failed, 2 usage error or unusable input. */
export function runCli(argv: string[]): Promise<void> {
    return main(argv).then(
        (code) => {
            process.exitCode = code;
        },
        (err: Error) => {
            const plain = err instanceof UsageError || err instanceof CompareInputError || err instanceof PlanError;
            process.stderr.write(`hvnetlab: ${plain ? err.message : `${err.name}: ${err.message}`}\n`);
            process.exitCode = plain ? 2 : 1;
        },
    );
}

if (require.main === module) void runCli(process.argv.slice(2));
