// The `hvnetlab` command line: run a plan against an existing lab, print a results table, or
// compare stacks. Every command and option is declared once, in spec.ts, from which the
// arguments are parsed (node's util.parseArgs) and `hvnetlab --help` is written; every file a
// user names is read by analysis/user-files.ts.
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { commandNamed, COMMANDS, helpText, HelpRequest, parseCommandArgs, UsageError } from "./spec";
import { CompareInputError } from "../analysis";
import { parseCompareArgs, runCompare, runReport } from "./compare-commands";
import { InputFileError, readPlanFile, readSourceFile } from "../analysis";
import { PlanError } from "../model";
import { writeResultsFile } from "../runner";
import type { ProgressEvent } from "../runner";
import { runPlan } from "../runner";
import { formatTable, summarize } from "../analysis";
import { SshTransport } from "../runner/transport";
import { AccessTransport, NetnsTransport } from "../runner/transport";
import type { Plan } from "../model";
import { SSH_KEY_ENV } from "../model";
import type { FailOn } from "../analysis";
import { FAIL_ON, failureOf } from "../analysis";

export { UsageError } from "./spec";

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

/**
 * Namespaces run through `ip netns exec`, SSH endpoints through the system's ssh. The private key
 * comes from the environment and lives in a 0600 file of a private directory for the run only;
 * ssh's control sockets live in the same directory, so that removing it removes all of them.
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
            controlDir: keyDir,
        }),
    });
}

/** Runs the plan in --plan against its lab; the exit code follows --fail-on. */
async function measure(argv: readonly string[]): Promise<number> {
    const { values, help } = parseCommandArgs(commandNamed("measure")!, argv);
    if (help) throw new HelpRequest("measure");
    const planPath = values.plan;
    if (typeof planPath !== "string") throw new UsageError("measure: --plan is required; see hvnetlab measure --help");
    const resultsFile = typeof values["results-file"] === "string" ? values["results-file"] : undefined;
    const failOn = typeof values["fail-on"] === "string" ? values["fail-on"] : "failed";
    if (!FAIL_ON.includes(failOn as FailOn)) throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(", ")}, got '${failOn}'`);
    const plan = readPlanFile(planPath);
    const abort = new AbortController();
    // The key is written only now, and removed whatever happens next.
    const keyDir = mkdtempSync(path.join(tmpdir(), "hvkey-"));
    let stoppedBy: NodeJS.Signals | undefined;
    const stop = (sig: NodeJS.Signals) => {
        if (stoppedBy) {
            // A second signal does not wait for the runs to stop, but the key leaves the disk first.
            rmSync(keyDir, { recursive: true, force: true });
            process.stderr.write(
                `${sig} again: exiting now${resultsFile ? `; the runs finished so far are in ${resultsFile}` : ", without the results"}\n`,
            );
            process.exit(128 + (sig === "SIGINT" ? 2 : 15));
        }
        stoppedBy = sig;
        process.stderr.write(`${sig}: stopping the benchmark; the runs measured so far are kept\n`);
        abort.abort(`stopped by ${sig}`);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
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
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        await transport?.close();
        rmSync(keyDir, { recursive: true, force: true });
    }
}

/**
 * report --results FILE: the summary table of one results document or stack outputs, read as
 * compare reads a source; report --out DIR ...: the report folder (compare-commands.ts).
 */
async function report(argv: readonly string[], write: (text: string) => void): Promise<number> {
    const { values, help, operands } = parseCommandArgs(commandNamed("report")!, argv);
    if (help) throw new HelpRequest("report");
    if (typeof values.results !== "string") return runReport(parseCompareArgs(argv, "report"), write);
    const others = Object.keys(values).filter((k) => k !== "results" && k !== "help" && values[k] !== undefined);
    if (others.length > 0 || operands.length > 0)
        throw new UsageError(
            `report --results FILE takes nothing else, got ${[...others.map((o) => `--${o}`), ...operands].join(" ")}; see hvnetlab report --help`,
        );
    const doc = readSourceFile(values.results).results;
    write(`${doc.platform} (fingerprint ${doc.fingerprint})\n${formatTable(summarize(doc))}\n`);
    return 0;
}

async function main(argv: readonly string[]): Promise<number> {
    const [name, ...rest] = argv;
    if (name === "--help" || name === "-h" || name === "help")
        throw new HelpRequest(rest[0] && commandNamed(rest[0]) ? rest[0] : undefined);
    if (name === undefined) throw new UsageError(helpText().trimEnd());
    const write = (t: string) => void process.stdout.write(t);
    switch (commandNamed(name)?.name) {
        case "measure":
            return measure(rest);
        case "report":
            return report(rest, write);
        case "compare":
            return runCompare(parseCompareArgs(rest, "compare"), write);
        default:
            throw new UsageError(`unknown command '${name}'; the commands are ${COMMANDS.map((c) => c.name).join(", ")} (hvnetlab --help)`);
    }
}

/**
 * Runs the command line and sets the process exit code: 0 ok (and --help, printed on stdout),
 * 1 failed, 2 usage error or unusable input (one line on stderr).
 */
export function runCli(argv: string[]): Promise<void> {
    return main(argv).then(
        (code) => {
            process.exitCode = code;
        },
        (err: Error) => {
            if (err instanceof HelpRequest) {
                process.stdout.write(err.message);
                process.exitCode = 0;
                return;
            }
            const plain =
                err instanceof UsageError || err instanceof CompareInputError || err instanceof PlanError || err instanceof InputFileError;
            process.stderr.write(`hvnetlab: ${plain ? err.message : `${err.name}: ${err.message}`}\n`);
            process.exitCode = plain ? 2 : 1;
        },
    );
}

if (require.main === module) void runCli(process.argv.slice(2));
