// `npm run lab:offline -- --stack local [--config key=value ...] [--out FILE]`
// Builds the local lab for real without the Pulumi CLI, measures, prints the summary, writes every
// stack output to one JSON file, and tears the lab down (also on failure and on Ctrl-C).
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import type { SummaryRow } from "../../analysis";
import { formatTable } from "../../analysis";
import { resultsFileOf } from "../../runner";
import { describeKeptResults } from "../engine";
import { outputsFile } from "../engine";
import { runOffline } from "./offline-runner";
import { loadStackConfig, parseOverrides, readProject } from "../engine";

const ROOT = path.resolve(__dirname, "..", "..");
const USAGE = "usage: npm run lab:offline -- --stack local [--config key=value ...] [--out FILE]";

function parseArgs(argv: string[]): { stack: string; overrides: string[]; out?: string } {
    let stack = "local";
    let out: string | undefined;
    const overrides: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const value = argv[i + 1];
        if (value === undefined && argv[i] !== "--help") throw new Error(`${argv[i]} needs a value\n${USAGE}`);
        switch (argv[i]) {
            case "--stack":
                stack = value;
                i++;
                break;
            case "--config":
                overrides.push(value);
                i++;
                break;
            case "--out":
                out = value;
                i++;
                break;
            default:
                throw new Error(`unexpected argument '${argv[i]}'\n${USAGE}`);
        }
    }
    return { stack, overrides, out };
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const project = readProject(ROOT).name ?? "hvnetlab";
    const config = loadStackConfig(ROOT, args.stack, parseOverrides(args.overrides, project));
    if ((config[`${project}:platform`] ?? "local") !== "local") {
        throw new Error(
            `the offline runner builds the local platform only; stack '${args.stack}' uses platform '${config[`${project}:platform`]}': run it with the engine (npm run lab -- --stack ${args.stack})`,
        );
    }
    const out = path.resolve(args.out ?? outputsFile(args.stack, ROOT));
    // The results file sits beside the outputs unless the stack names one.
    const resultsKey = `${project}:resultsFile`;
    if (!config[resultsKey]) config[resultsKey] = path.join(path.dirname(out), `${args.stack}.results.json`);
    const resultsFile = resultsFileOf(config[resultsKey], args.stack, ROOT);
    const abort = new AbortController();
    let interrupts = 0;
    const onSignal = (sig: string) => {
        interrupts++;
        process.stderr.write(`\n${sig}: stopping and tearing the lab down${interrupts > 1 ? " (already stopping; please wait)" : ""}\n`);
        abort.abort();
    };
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));

    const started = Date.now();
    const log = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
    log(`stack ${args.stack}: building the lab, measuring, tearing down`);
    const result = await runOffline({ config, program: path.join(ROOT, "index.ts"), stack: args.stack, log, signal: abort.signal });

    if (Object.keys(result.outputs).length > 0) {
        mkdirSync(path.dirname(out), { recursive: true });
        writeFileSync(out, `${JSON.stringify(result.outputs, null, 2)}\n`);
        const summary = result.outputs.summary as SummaryRow[] | undefined;
        const lab = result.outputs.lab as { fingerprint?: string; platform?: string } | undefined;
        if (summary)
            process.stdout.write(
                `\n${lab?.platform ?? args.stack} lab, fingerprint ${lab?.fingerprint}\n${formatTable(summary)}\n\noutputs written to ${path.relative(process.cwd(), out) || out}\n`,
            );
    }
    for (const e of result.teardownErrors) process.stderr.write(`teardown: ${e}\n`);
    if (result.error) {
        const kept = describeKeptResults(resultsFile, started);
        if (kept) process.stdout.write(kept);
        process.stderr.write(`\nhvnetlab: ${result.error.message}\n`);
        return abort.signal.aborted ? 130 : 1;
    }
    return result.teardownErrors.length > 0 ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err: Error) => {
        process.stderr.write(`hvnetlab: ${err.message}\n`);
        process.exit(2);
    },
);
