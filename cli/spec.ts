// The `hvnetlab` command line in one place: every command and option, from which node's
// util.parseArgs reads the arguments and from which `--help` is written.
import { parseArgs } from "util";

/** A command line that cannot be used as given (exit 2). */
export class UsageError extends Error {
    readonly name = "UsageError";
}

/** A request for a command's help (--help), printed on stdout with exit 0. */
export class HelpRequest extends Error {
    readonly name = "HelpRequest";
    constructor(readonly command?: string) {
        super(helpText(command));
    }
}

/** One option of a command. */
export interface OptionSpec {
    readonly name: string;
    /** A flag (boolean) or an option with a value (string). */
    readonly type: "string" | "boolean";
    /** How the help shows the value, e.g. FILE. */
    readonly value?: string;
    /** May be given more than once (the values are kept in order). */
    readonly multiple?: boolean;
    readonly help: string;
}

/** One command: its usage lines, what it does, its options and its operands. */
export interface CommandSpec {
    readonly name: string;
    /** Former names still accepted. */
    readonly aliases?: readonly string[];
    readonly usage: readonly string[];
    readonly summary: string;
    readonly options: readonly OptionSpec[];
    /** What the operands are, for commands that take them. */
    readonly operands?: string;
}

const SOURCE = "a SOURCE is an outputs or results JSON file, or --stack NAME (read through the project's engine)";
const label: OptionSpec = { name: "label", type: "string", value: "L", multiple: true, help: "label the SOURCE that follows" };
const stack: OptionSpec = { name: "stack", type: "string", value: "NAME", multiple: true, help: "a SOURCE: the outputs of stack NAME" };
const allowMismatch: OptionSpec = {
    name: "allow-mismatch",
    type: "boolean",
    help: "compare sources whose fingerprints differ (the difference is printed)",
};
const baselineSource: OptionSpec = {
    name: "baseline-source",
    type: "string",
    value: "LABEL",
    help: "the source the others are given as % of (default: native, else the first)",
};

/** Every command of `hvnetlab`. */
export const COMMANDS: readonly CommandSpec[] = [
    {
        name: "measure",
        aliases: ["bench"],
        usage: ["hvnetlab measure --plan FILE|- [--results-file FILE] [--fail-on failed|partial|never]"],
        summary:
            "run a plan (JSON; - reads stdin) against an existing lab and print the results document; progress goes to stderr; exit 1 when a run failed (partial: was not ok; never: only for an unusable lab)",
        options: [
            { name: "plan", type: "string", value: "FILE|-", help: "the plan to run (required)" },
            { name: "results-file", type: "string", value: "FILE", help: "keep the results so far in FILE after every run" },
            { name: "fail-on", type: "string", value: "failed|partial|never", help: "which runs make the exit code 1 (default: failed)" },
        ],
    },
    {
        name: "report",
        usage: [
            "hvnetlab report --results FILE",
            "hvnetlab report --out DIR [--reference FILE] [--label L] SOURCE... [--allow-mismatch] [--baseline-source LABEL]",
        ],
        summary: "print the summary table of one results or outputs file, or write a report folder (tables, CSV, charts) of sources",
        options: [
            {
                name: "results",
                type: "string",
                value: "FILE",
                help: "print the summary table of FILE (a results document or stack outputs)",
            },
            { name: "out", type: "string", value: "DIR", help: "write the report folder to DIR" },
            { name: "reference", type: "string", value: "FILE", help: "draw a reference series (JSON) beside the sources" },
            label,
            stack,
            allowMismatch,
            baselineSource,
        ],
        operands: SOURCE,
    },
    {
        name: "compare",
        usage: [
            "hvnetlab compare [--label L] SOURCE... [--allow-mismatch] [--baseline-source LABEL] [--json]",
            "hvnetlab compare --baseline FILE [--tolerance 5%] [--json] [--allow-mismatch] SOURCE",
        ],
        summary: "compare sources side by side, or gate one source against a baseline (exit 1 on a regression)",
        options: [
            label,
            stack,
            allowMismatch,
            baselineSource,
            { name: "baseline", type: "string", value: "FILE", help: "gate the one SOURCE against the baseline in FILE" },
            { name: "tolerance", type: "string", value: "PCT", help: "how far below the baseline a cell may fall (default: 5%)" },
            { name: "json", type: "boolean", help: "print JSON instead of text" },
        ],
        operands: SOURCE,
    },
];

/** The command a name (or former name) stands for. */
export function commandNamed(name: string): CommandSpec | undefined {
    return COMMANDS.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

function optionLines(options: readonly OptionSpec[]): string[] {
    const all: OptionSpec[] = [...options, { name: "help", type: "boolean", help: "print this help" }];
    const left = all.map((o) => `--${o.name}${o.value ? ` ${o.value}` : ""}`);
    const width = Math.max(...left.map((l) => l.length));
    return all.map((o, i) => `    ${left[i].padEnd(width)}  ${o.help}${o.multiple ? " (repeatable)" : ""}`);
}

/** Text broken into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(" ")) {
        if (line !== "" && line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        } else line = line === "" ? word : `${line} ${word}`;
    }
    return [...lines, line];
}

function commandHelp(c: CommandSpec): string {
    return [
        ...c.usage.map((u) => `  ${u}`),
        ...wrap(`${c.summary}${c.aliases ? ` (formerly: ${c.aliases.join(", ")})` : ""}`, 96).map((l) => `    ${l}`),
        ...(c.operands ? [`    ${c.operands}`] : []),
        ...optionLines(c.options),
    ].join("\n");
}

/** The help of one command, or of every command (no name): usage, summary and every option. */
export function helpText(name?: string): string {
    const chosen = name === undefined ? COMMANDS : [commandNamed(name)!].filter(Boolean);
    const exits = "exit codes: 0 ok, 1 failed (a run, or a regression), 2 unusable command line or input";
    return `usage:\n${chosen.map(commandHelp).join("\n\n")}\n\n${exits}\n`;
}

/** One token of a parsed command line, in the order given. */
export type ArgToken =
    { readonly kind: "option"; readonly name: string; readonly value?: string } | { readonly kind: "operand"; readonly value: string };

/** A command's arguments as read: options by name (the last value of each), and every token in order. */
export interface ParsedArgs {
    readonly help: boolean;
    readonly values: Readonly<Record<string, string | boolean | undefined>>;
    readonly operands: readonly string[];
    readonly tokens: readonly ArgToken[];
}

/**
 * Reads a command's arguments with util.parseArgs (strict): an option the command does not have,
 * an option without its value, or an operand where the command takes none is a UsageError that
 * names it. `--help` (-h) is always accepted.
 */
export function parseCommandArgs(command: CommandSpec, argv: readonly string[]): ParsedArgs {
    const options = Object.fromEntries([
        ...command.options.map((o) => [o.name, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }] as const),
        ["help", { type: "boolean", short: "h" }] as const,
    ]);
    let parsed: ReturnType<typeof parseArgs>;
    try {
        parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: command.operands !== undefined, tokens: true });
    } catch (e) {
        // node's messages name the option ("Unknown option '--x'. To specify ..."): keep their first sentence.
        const first = (e as Error).message.split(/\.\s/)[0].replace(/\.$/, "");
        const said = `${first.charAt(0).toLowerCase()}${first.slice(1)}`;
        throw new UsageError(`${command.name}: ${said}; see hvnetlab ${command.name} --help`);
    }
    const tokens: ArgToken[] = [];
    for (const t of parsed.tokens ?? []) {
        if (t.kind === "option") tokens.push({ kind: "option", name: t.name, ...(t.value !== undefined ? { value: t.value } : {}) });
        else if (t.kind === "positional") tokens.push({ kind: "operand", value: t.value });
    }
    const values: Record<string, string | boolean | undefined> = {};
    for (const [k, v] of Object.entries(parsed.values)) values[k] = Array.isArray(v) ? v[v.length - 1] : v;
    return { help: values.help === true, values, operands: parsed.positionals, tokens };
}
