// `hvnetlab compare` and `hvnetlab report --out`: read the sources named on the command line,
// check that they are comparable, and print tables, a verdict, or write a report folder.
//
//   hvnetlab compare [--label L] SOURCE... [--allow-mismatch] [--baseline-source LABEL]
//   hvnetlab compare --baseline FILE [--tolerance 5%] [--json] SOURCE
//   hvnetlab report --out DIR [--reference FILE] [--label L] SOURCE...
// A SOURCE is an outputs JSON file (offline runner, `pulumi stack output --json`), a bare results
// document, or `--stack NAME` (read through the project's engine). Exit 0 ok, 1 regression,
// 2 unusable input.
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import type { Source } from "./compare";
import {
    checkComparable,
    comparisonTables,
    CompareInputError,
    formatText,
    formatVerdict,
    gate,
    labelCollisions,
    mismatchNote,
    parseSource,
    parseTolerance,
    pickBaseline,
} from "./compare";
import { readReference, writeReport } from "./report";

export const COMPARE_USAGE = `usage:
  hvnetlab compare [--label L] SOURCE... [--allow-mismatch] [--baseline-source LABEL]
  hvnetlab compare --baseline FILE [--tolerance 5%] [--json] [--allow-mismatch] SOURCE
  hvnetlab report --out DIR [--reference FILE] [--label L] SOURCE... [--allow-mismatch]
SOURCE: an outputs or results JSON file, or --stack NAME`;

/** A source as named on the command line. */
export interface SourceArg {
    readonly kind: "file" | "stack";
    readonly value: string;
    readonly label?: string;
}

export interface CompareArgs {
    readonly sources: SourceArg[];
    readonly allowMismatch: boolean;
    readonly json: boolean;
    readonly baseline?: string;
    readonly baselineSource?: string;
    readonly tolerance: string;
    readonly out?: string;
    readonly reference?: string;
}

const VALUED = new Set(["--baseline", "--baseline-source", "--tolerance", "--out", "--reference"]);

/** Parses the arguments of compare and report; `--label` names the source that follows it. */
export function parseCompareArgs(argv: readonly string[]): CompareArgs {
    const sources: SourceArg[] = [];
    const valued = new Map<string, string>();
    let label: string | undefined;
    let allowMismatch = false;
    let json = false;
    const value = (i: number) => {
        if (argv[i + 1] === undefined || argv[i + 1].startsWith("--"))
            throw new CompareInputError(`${argv[i]} needs a value\n${COMPARE_USAGE}`);
        return argv[i + 1];
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--allow-mismatch") allowMismatch = true;
        else if (a === "--json") json = true;
        else if (a === "--label") label = value(i++);
        else if (a === "--stack") {
            sources.push({ kind: "stack", value: value(i++), ...(label ? { label } : {}) });
            label = undefined;
        } else if (VALUED.has(a)) valued.set(a, value(i++));
        else if (a.startsWith("--")) throw new CompareInputError(`unknown option '${a}'\n${COMPARE_USAGE}`);
        else {
            sources.push({ kind: "file", value: a, ...(label ? { label } : {}) });
            label = undefined;
        }
    }
    if (label !== undefined) throw new CompareInputError(`--label ${label} is not followed by a source`);
    if (sources.length === 0) throw new CompareInputError(`no sources given\n${COMPARE_USAGE}`);
    return {
        sources,
        allowMismatch,
        json,
        tolerance: valued.get("--tolerance") ?? "5%",
        ...(valued.has("--baseline") ? { baseline: valued.get("--baseline") } : {}),
        ...(valued.has("--baseline-source") ? { baselineSource: valued.get("--baseline-source") } : {}),
        ...(valued.has("--out") ? { out: valued.get("--out") } : {}),
        ...(valued.has("--reference") ? { reference: valued.get("--reference") } : {}),
    };
}

function readText(file: string): string {
    try {
        return readFileSync(file, "utf8");
    } catch (e) {
        throw new CompareInputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
}

/** A stack's outputs, read with the project's engine (`npm run pulumi -- stack output --json`). */
function stackOutputs(stack: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new CompareInputError(`invalid stack name '${stack}'`);
    const root = path.resolve(__dirname, "..");
    const tsNode = path.join(root, "node_modules", "ts-node", "dist", "bin.js");
    const r = spawnSync(
        process.execPath,
        [tsNode, "--transpile-only", path.join(root, "tools", "lab.ts"), "pulumi", "stack", "output", "--json", "--stack", stack],
        { encoding: "utf8" },
    );
    if (r.status !== 0) {
        const why = (r.stderr || r.stdout || String(r.error)).trim().split("\n").filter(Boolean).pop();
        throw new CompareInputError(`cannot read stack '${stack}': ${why}`);
    }
    return r.stdout;
}

/**
 * Reads every source the arguments name. Sources that would share a label (two outputs of one
 * stack) are labelled by their file or stack name, and `notes` says so.
 */
export function loadSources(
    args: readonly SourceArg[],
    readStack: (stack: string) => string = stackOutputs,
): { sources: Source[]; notes: string[] } {
    const read = args.map((a) =>
        a.kind === "stack"
            ? parseSource(readStack(a.value), `stack ${a.value}`, a.label)
            : parseSource(readText(a.value), a.value, a.label),
    );
    return labelCollisions(
        read,
        args.map((a) => a.label !== undefined),
    );
}

/** report --out DIR: the report folder. Returns the exit code. */
export async function runReport(args: CompareArgs, write: (text: string) => void, readStack?: (stack: string) => string): Promise<number> {
    if (args.out === undefined) throw new CompareInputError(`report needs --out DIR\n${COMPARE_USAGE}`);
    const { sources, notes } = loadSources(args.sources, readStack);
    const mismatches = checkComparable(sources, args.allowMismatch);
    const reference = args.reference !== undefined ? readReference(args.reference) : undefined;
    const files = await writeReport(args.out, sources, {
        mismatches,
        baseline: pickBaseline(sources, args.baselineSource),
        ...(reference ? { reference } : {}),
    });
    for (const n of [...notes, ...mismatches.map(mismatchNote)]) write(`${n}\n`);
    write(`report written: ${files.join(", ")}\n`);
    return 0;
}

/** compare: the tables, or with --baseline the regression gate. Returns the exit code. */
export function runCompare(args: CompareArgs, write: (text: string) => void, readStack?: (stack: string) => string): number {
    const { sources, notes: labelNotes } = loadSources(args.sources, readStack);
    if (args.baseline !== undefined) {
        if (sources.length !== 1) throw new CompareInputError("the gate (--baseline) judges one source at a time");
        const baseline = parseSource(readText(args.baseline), args.baseline, "baseline");
        const mismatches = checkComparable([baseline, sources[0]], args.allowMismatch);
        const verdict = gate(baseline, sources[0], parseTolerance(args.tolerance), mismatches);
        write(args.json ? `${JSON.stringify(verdict, null, 2)}\n` : `${formatVerdict(verdict)}\n`);
        return verdict.verdict === "regression" ? 1 : 0;
    }
    const mismatches = checkComparable(sources, args.allowMismatch);
    const tables = comparisonTables(sources, pickBaseline(sources, args.baselineSource));
    const notes = [...labelNotes, ...mismatches.map(mismatchNote)];
    if (args.json) write(`${JSON.stringify({ notes: labelNotes, mismatches, tables }, null, 2)}\n`);
    else write(`${[...notes, ...tables.map(formatText)].join("\n\n")}\n`);
    return 0;
}
