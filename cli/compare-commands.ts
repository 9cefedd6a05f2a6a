// `hvnetlab compare` and `hvnetlab report --out`: read the sources named on the command line,
// check that they are comparable, and print tables, a verdict, or write a report folder.
//
// The commands and their options are declared in spec.ts (hvnetlab compare --help).
// A SOURCE is an outputs JSON file (offline runner, `pulumi stack output --json`), a bare results
// document, or `--stack NAME` (read through the project's engine). Exit 0 ok, 1 regression,
// 2 unusable input.
import { spawnSync } from "child_process";
import * as path from "path";
import type { Source } from "../analysis";
import {
    checkComparable,
    comparisonTables,
    CompareInputError,
    engineLines,
    formatText,
    formatVerdict,
    gate,
    labelCollisions,
    mismatchNote,
    nicWarnings,
    parseSource,
    parseTolerance,
    pickBaseline,
} from "../analysis";
import { commandNamed, helpText, HelpRequest, parseCommandArgs } from "./spec";
import { readSourceFile } from "../analysis";
import { readReference, writeReport } from "../analysis";

/** The usage of compare and report, from the one command-line spec (spec.ts). */
export const COMPARE_USAGE = helpText("compare");

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

/**
 * Parses the arguments of compare and report (node's util.parseArgs, through the command-line
 * spec: an unknown option is refused by name); `--label` names the source that follows it.
 */
export function parseCompareArgs(argv: readonly string[], command: "compare" | "report" = "compare"): CompareArgs {
    const parsed = parseCommandArgs(commandNamed(command)!, argv);
    if (parsed.help) throw new HelpRequest(command);
    const sources: SourceArg[] = [];
    let label: string | undefined;
    for (const t of parsed.tokens) {
        if (t.kind === "option" && t.name === "label") label = t.value;
        else if ((t.kind === "option" && t.name === "stack") || t.kind === "operand") {
            sources.push({ kind: t.kind === "operand" ? "file" : "stack", value: t.value!, ...(label ? { label } : {}) });
            label = undefined;
        }
    }
    if (label !== undefined) throw new CompareInputError(`--label ${label} is not followed by a source`);
    if (sources.length === 0) throw new CompareInputError(`no sources given\n${helpText(command)}`);
    const v = parsed.values;
    const text = (key: string) => (typeof v[key] === "string" ? { [camel(key)]: v[key] } : {});
    return {
        sources,
        allowMismatch: v["allow-mismatch"] === true,
        json: v.json === true,
        tolerance: typeof v.tolerance === "string" ? v.tolerance : "5%",
        ...text("baseline"),
        ...text("baseline-source"),
        ...text("out"),
        ...text("reference"),
    };
}

/** --baseline-source as baselineSource. */
function camel(option: string): string {
    return option.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
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
        a.kind === "stack" ? parseSource(readStack(a.value), `stack ${a.value}`, a.label) : readSourceFile(a.value, a.label, "the source"),
    );
    return labelCollisions(
        read,
        args.map((a) => a.label !== undefined),
    );
}

/** report --out DIR: the report folder. Returns the exit code. */
export async function runReport(args: CompareArgs, write: (text: string) => void, readStack?: (stack: string) => string): Promise<number> {
    if (args.out === undefined) throw new CompareInputError(`report needs --results FILE or --out DIR\n${helpText("report")}`);
    const { sources, notes } = loadSources(args.sources, readStack);
    const mismatches = checkComparable(sources, args.allowMismatch);
    const reference = args.reference !== undefined ? readReference(args.reference) : undefined;
    const files = await writeReport(args.out, sources, {
        mismatches,
        baseline: pickBaseline(sources, args.baselineSource),
        ...(reference ? { reference } : {}),
    });
    for (const n of [...notes, ...mismatches.map(mismatchNote), ...nicWarnings(sources)]) write(`${n}\n`);
    write(`report written: ${files.join(", ")}\n`);
    return 0;
}

/** compare: the tables, or with --baseline the regression gate. Returns the exit code. */
export function runCompare(args: CompareArgs, write: (text: string) => void, readStack?: (stack: string) => string): number {
    const { sources, notes: labelNotes } = loadSources(args.sources, readStack);
    if (args.baseline !== undefined) {
        if (sources.length !== 1) throw new CompareInputError("the gate (--baseline) judges one source at a time");
        const baseline = readSourceFile(args.baseline, "baseline", "the baseline");
        const mismatches = checkComparable([baseline, sources[0]], args.allowMismatch);
        const verdict = gate(baseline, sources[0], parseTolerance(args.tolerance), mismatches);
        const warnings = nicWarnings([baseline, sources[0]]);
        write(
            args.json
                ? `${JSON.stringify(warnings.length > 0 ? { ...verdict, warnings } : verdict, null, 2)}\n`
                : `${[...warnings, formatVerdict(verdict)].join("\n")}\n`,
        );
        return verdict.verdict === "regression" ? 1 : 0;
    }
    const mismatches = checkComparable(sources, args.allowMismatch);
    const tables = comparisonTables(sources, pickBaseline(sources, args.baselineSource));
    const warnings = nicWarnings(sources);
    const notes = [...labelNotes, engineLines(sources).join("\n"), ...mismatches.map(mismatchNote), ...warnings];
    const engines = Object.fromEntries(sources.map((s) => [s.label, s.engine ?? null]));
    if (args.json) write(`${JSON.stringify({ notes: labelNotes, engines, mismatches, warnings, tables }, null, 2)}\n`);
    else write(`${[...notes, ...tables.map(formatText)].join("\n\n")}\n`);
    return 0;
}
