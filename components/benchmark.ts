// The benchmark: one command resource that runs the benchmark runner on the plan and prints one
// results document. It runs again only when the plan or hvnetlab:runId changes.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import type { SummaryRow } from "../analysis";
import { summarize } from "../analysis";
import type { Plan, ResultsDocument } from "../model";
import { SSH_KEY_ENV } from "../model";
import type { FailOn } from "../analysis";
import { shellQuote, SAFE } from "./scripts";

/** The project's command-line entry point, which the benchmark command runs. */
export const CLI_PATH = path.resolve(__dirname, "..", "bin", "hvnetlab.js");

/** The project's root: relative results files are kept under it. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * Runs the runner on the plan given on stdin; progress goes to stderr, results to stdout and,
 * after every run, to the results file. It exits non-zero as failOn says.
 */
export function benchmarkScript(resultsFile: string, failOn: FailOn, cliPath: string = CLI_PATH): string {
    return `exec node ${shellQuote(cliPath, SAFE.path)} measure --plan - --results-file ${shellQuote(resultsFile, SAFE.path)} --fail-on ${shellQuote(failOn, /^(failed|partial|never)$/)}`;
}

/** Which of the benchmark command's streams the engine's progress display shows: stderr, the runner's progress. */
export const BENCHMARK_LOGGING: command.types.enums.local.Logging = "stderr";

export class ResultsParseError extends Error {
    readonly name = "ResultsParseError";
}

export function parseResults(stdout: string): ResultsDocument {
    let doc: ResultsDocument;
    try {
        doc = JSON.parse(stdout) as ResultsDocument;
    } catch {
        throw new ResultsParseError(`the benchmark printed no results document: ${stdout.slice(0, 200) || "(no output)"}`);
    }
    if (doc?.schemaVersion !== 1 || !Array.isArray(doc.runs)) {
        throw new ResultsParseError("the benchmark output is not a results document (schemaVersion 1 with runs)");
    }
    return doc;
}

export interface BenchmarkArgs {
    /** What to measure and where. */
    readonly plan: Plan;
    /** Changing it runs the benchmark again. */
    readonly runId: string;
    /** Every netserver the plan talks to. */
    readonly dependsOn: pulumi.Resource[];
    /** The SSH private key for plans with ssh endpoints (a secret; it reaches the runner in its environment). */
    readonly sshPrivateKey?: pulumi.Output<string>;
    /** Absolute path of the file that keeps the results, also when the update fails. */
    readonly resultsFile: string;
    /** Which runs make the benchmark (and so the update) fail. */
    readonly failOn: FailOn;
}

/**
 * The measurement: one command resource that runs `hvnetlab measure` on the plan once every
 * netserver is ready (dependsOn), and again when the plan or the run id changes. Outputs the
 * results document and its summary; the results file keeps them when the update fails.
 */
export class Benchmark extends pulumi.ComponentResource {
    readonly results: pulumi.Output<ResultsDocument>;
    readonly summary: pulumi.Output<SummaryRow[]>;
    /** The runner's environment (secret when it carries the SSH key). */
    readonly environment?: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: BenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:benchmark:Benchmark", name, {}, opts);
        const planJson = JSON.stringify(args.plan);
        this.environment = args.sshPrivateKey
            ? pulumi.secret(args.sshPrivateKey.apply((key): Record<string, string> => ({ [SSH_KEY_ENV]: key })))
            : undefined;
        const run = new command.local.Command(
            `${name}-run`,
            {
                create: benchmarkScript(args.resultsFile, args.failOn),
                stdin: planJson,
                // The progress display shows the runner's progress (stderr) only: its stdout is the
                // results document (about 24 KB of JSON), which belongs in the outputs and the table.
                // `logging` leaves what is captured as outputs unchanged (@pulumi/command 1.2.1).
                logging: BENCHMARK_LOGGING,
                triggers: [planJson, args.runId],
                ...(this.environment ? { environment: this.environment } : {}),
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.results = run.stdout.apply(parseResults);
        this.summary = this.results.apply(summarize);
        this.registerOutputs({ results: this.results, summary: this.summary });
    }
}
