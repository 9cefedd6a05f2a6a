// npm run study -- [--stack NAME [--config key=value ...] ...] [--keep] [--guests N] [--out DIR] [--help]
//
// A `--config key=value` applies to the `--stack` before it: a stack named again with other config
// is a variant of it (a tuning study: `--stack qemu --stack qemu --config nic='{"model":"e1000e"}'`),
// measured in its turn, each run's outputs kept as out/<stack>~<n>.outputs.json, labelled in the report by
// its platform and NIC path.
//
// The study behind hvnetlab, end to end: each named stack is brought up and measured (its
// outputs kept in out/<stack>.outputs.json) and torn down unless --keep, one after another; then
// one report of all of them is written to out/study/ (report.md, report.html, results.csv, the
// charts), with native as the baseline (each platform as % of native and % of wire per guest
// count) and the published study's points overlaid.
//
// A stack that one of the labs on this machine runs (tools/labs/: native-ns, vcsim, qemu) is run
// through its lab, which stands up what the stack's machines already have and checks what the
// stack leaves; any other stack runs through the engine as `npm run lab` does. With no --stack,
// the study runs the labs that run here. A lab that fails is reported with its reason, the others
// still run and are compared; the exit code says which failed (1), or that the input was unusable (2).
import { spawn } from "child_process";
import { copyFileSync, existsSync, readFileSync } from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { canonical } from "../model";
import { checkComparable, comparisonTables, CompareInputError, formatText, labelCollisions, pickBaseline } from "../analysis";
import { readSourceFile } from "../analysis";
import type { Source } from "../analysis";
import { readReference, tuningTables, writeReport } from "../analysis";
import { ROOT } from "./engine";
import { outputsFile } from "./engine";
import type { Lab } from "./labs";
import { nativeLab, qemuLab, vcsimLab, xenLab } from "./labs";
import { checkConfigKeys, configPair, isConfigPath, listStacks } from "./engine";

/** The labs on this machine, in the order the study runs them by default: native first, the baseline. */
export const LABS_HERE: readonly Lab[] = [nativeLab, vcsimLab, qemuLab, xenLab];

export const REFERENCE = path.join(ROOT, "analysis", "reference", "scale-out-study.json");

export class StudyError extends Error {
    readonly name = "StudyError";
}

const USAGE = "usage: npm run study -- [--stack NAME [--config key=value ...] ...] [--keep] [--guests N] [--out DIR] [--help]";

/** What `npm run study -- --help` prints (on stdout, exit 0). */
export const HELP = [
    USAGE,
    "",
    "Runs stacks one after another (a stack that a lab of this machine runs, through that lab) and",
    "compares them in one report, native as the baseline.",
    "",
    "  --stack NAME        a stack of stacks/ (repeatable; none: the labs of this machine, native first)",
    "  --config key=value  a config value for the --stack before it (hvnetlab: where no namespace is",
    "                      given); a stack named again with other config is a variant of it",
    "  --keep              leave each lab standing",
    "  --guests N          guests per lab, 1-16, where the lab takes --guests",
    "  --out DIR           where the report goes (default out/study)",
    "  --help              this text",
    "",
    "Exit codes: 0 every stack measured and the report written, 1 a stack failed or no report, 2 unusable input.",
].join("\n");

export interface StudyArgs {
    /** The stacks to run, in order (a stack named twice is a variant: its config differs). */
    readonly stacks: string[];
    /** Each stack's `--config` overrides by full key, in the order of `stacks`. */
    readonly configs: Record<string, string>[];
    readonly keep: boolean;
    /** Guests per lab (where the lab takes --guests); undefined: each lab's default (2 on 2 cores). */
    readonly guests?: string;
    readonly out: string;
    /** `--help`: print HELP and run nothing. */
    readonly help?: boolean;
}

/** One stack of the study, and how it runs: through a lab on this machine, or through the engine. */
export interface Step {
    readonly stack: string;
    readonly lab?: Lab;
    /** Its `--config` overrides by full key (hvnetlab:nic). */
    readonly config: Record<string, string>;
    /** Where its outputs are kept: out/<stack>.outputs.json, or out/<stack>~<n>.outputs.json for the n-th run of a stack with variants. */
    readonly name: string;
}

/** The stacks in order, each with the `--config` pairs that follow it. */
function stacksWithConfig(
    tokens: readonly { kind: string; name?: string; value?: string }[],
): { stack: string; config: Record<string, string> }[] {
    const out: { stack: string; config: Record<string, string> }[] = [];
    for (const t of tokens) {
        if (t.kind !== "option") continue;
        if (t.name === "stack") out.push({ stack: t.value ?? "", config: {} });
        if (t.name !== "config") continue;
        const kv = configPair(t.value ?? "");
        if (!kv) throw new StudyError(`--config takes key=value, got '${t.value}'; ${USAGE}`);
        const last = out[out.length - 1];
        if (!last) throw new StudyError(`--config ${t.value} comes before any --stack: it applies to the --stack before it; ${USAGE}`);
        last.config[kv[0]] = kv[1];
    }
    return out;
}

/**
 * The study's arguments. Throws StudyError (one line) for an unknown option, a stack that is not
 * in stacks/ and that no lab runs, a stack named twice with the same config, a `--config` that is
 * not key=value, names a key no stack can set, or comes before any `--stack`, or a guest count
 * that is not 1-16.
 */
export function parseStudyArgs(argv: readonly string[], known: readonly string[] = listStacks(ROOT), root: string = ROOT): StudyArgs {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            tokens: true,
            options: {
                stack: { type: "string", multiple: true },
                config: { type: "string", multiple: true },
                keep: { type: "boolean" },
                guests: { type: "string" },
                out: { type: "string" },
                help: { type: "boolean" },
            },
        });
    } catch (e) {
        throw new StudyError(`${(e as Error).message}; ${USAGE}`);
    }
    if (parsed.values.help) return { stacks: [], configs: [], keep: false, out: "", help: true };
    const named = stacksWithConfig(parsed.tokens ?? []);
    try {
        // A mistyped key would be set on the stack and never read: the variant would measure the default.
        checkConfigKeys(
            named.flatMap((n) => Object.keys(n.config)),
            root,
        );
    } catch (e) {
        throw new StudyError(`--config: ${(e as Error).message}`);
    }
    const v = parsed.values;
    const stacks = named.length > 0 ? named.map((n) => n.stack) : LABS_HERE.map((l) => l.stack);
    const configs = named.length > 0 ? named.map((n) => n.config) : stacks.map(() => ({}));
    const runnable = new Set([...known, ...LABS_HERE.map((l) => l.stack)]);
    const unknown = stacks.filter((s) => !runnable.has(s));
    if (unknown.length > 0)
        throw new StudyError(`no stack ${unknown.map((s) => `'${s}'`).join(", ")}: the stacks are ${[...runnable].sort().join(", ")}`);
    const runs = stacks.map((s, i) => `${s} ${configIdentity(configs[i])}`);
    const twice = runs.find((r, i) => runs.indexOf(r) !== i);
    if (twice)
        throw new StudyError(`a stack is named twice with the same config: ${twice.split(" ")[0]} (give a variant its own --config)`);
    if (v.guests !== undefined && !/^([1-9]|1[0-6])$/.test(v.guests)) throw new StudyError(`--guests takes 1 to 16, got '${v.guests}'`);
    return {
        stacks,
        configs,
        keep: v.keep === true,
        ...(v.guests !== undefined ? { guests: v.guests } : {}),
        out: v.out ?? path.join(ROOT, "out", "study"),
    };
}

/**
 * What makes two runs of a stack the same variant: the config keys and their values, a JSON value
 * (a structured block) compared by content, so that `nic={"model":"e1000e","queues":1}` and
 * `nic={"queues":1, "model":"e1000e"}` are one variant.
 */
export function configIdentity(config: Readonly<Record<string, string>>): string {
    const value = (text: string) => {
        try {
            return canonical(JSON.parse(text));
        } catch {
            return text;
        }
    };
    return JSON.stringify(
        Object.entries(config)
            .map(([k, v]) => [k, value(v)])
            .sort(),
    );
}

/** How each stack runs: through the lab that runs it here, else through the engine. */
export function planSteps(args: StudyArgs): Step[] {
    return args.stacks.map((stack, i) => {
        const lab = LABS_HERE.find((l) => l.stack === stack);
        // A stack named once keeps its name; each run of a stack with variants is numbered, so that
        // its outputs are kept apart before the next variant writes the stack's file again.
        const n = args.stacks.slice(0, i).filter((s) => s === stack).length;
        const variants = args.stacks.filter((s) => s === stack).length;
        const step = { stack, config: args.configs[i] ?? {}, name: variants === 1 ? stack : `${stack}~${n + 1}` };
        return lab ? { ...step, lab } : step;
    });
}

/** The command lines of one step: a lab's one, or the engine's up (and destroy unless --keep). */
export function commandsOf(step: Step, args: StudyArgs): { what: string; argv: string[] }[] {
    const tsNode = [path.join(ROOT, "node_modules", "ts-node", "dist", "bin.js"), "--transpile-only"];
    if (step.lab) {
        const own = step.lab.options?.guests && args.guests !== undefined ? ["--guests", args.guests] : [];
        const config = Object.entries(step.config).flatMap(([k, v]) => ["--config", `${k}=${v}`]);
        return [
            {
                what: `lab:${step.lab.name}`,
                argv: [
                    ...tsNode,
                    path.join(ROOT, "tools", "labs", `${step.lab.name}.ts`),
                    ...own,
                    ...config,
                    ...(args.keep ? ["--keep"] : []),
                ],
            },
        ];
    }
    const lab = path.join(ROOT, "tools", "lab.ts");
    const guests = [
        ...(args.guests !== undefined ? ["--config", `hvnetlab:guests=${args.guests}`] : []),
        ...Object.entries(step.config).flatMap(([k, v]) => ["--config", `${k}=${v}`]),
        // pulumi up's --config-path reads every --config key as a path: a plain key is a path of one.
        ...(Object.keys(step.config).some(isConfigPath) ? ["--config-path"] : []),
    ];
    return [
        { what: "pulumi up", argv: [...tsNode, lab, "up", "--stack", step.stack, ...guests] },
        ...(args.keep ? [] : [{ what: "pulumi destroy", argv: [...tsNode, lab, "destroy", "--stack", step.stack] }]),
    ];
}

/** What one stack of the study came to. */
export interface StepOutcome {
    readonly stack: string;
    readonly ok: boolean;
    /** Why it failed: the command and the last lines it printed. */
    readonly reason?: string;
    readonly seconds: number;
    /** Its outputs file, when the stack was measured. */
    readonly outputs?: string;
}

/** Runs one command, its output shown indented under the study's progress; resolves with its exit code and last lines. */
function runShown(argv: string[], label: string): Promise<{ code: number; tail: string[] }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        const tail: string[] = [];
        // Whole lines only (the engine writes its progress dots a few at a time), each stream its own.
        const partial = { out: "", err: "" };
        const line = (text: string) => {
            if (text.trim() === "") return;
            process.stdout.write(`  ${label} | ${text}\n`);
            tail.push(text);
            if (tail.length > 6) tail.shift();
        };
        const show = (from: "out" | "err") => (chunk: Buffer) => {
            const lines = (partial[from] + chunk.toString()).split("\n");
            partial[from] = lines.pop() ?? "";
            lines.forEach(line);
        };
        child.stdout.on("data", show("out"));
        child.stderr.on("data", show("err"));
        child.on("close", (code, signal) => {
            line(partial.out);
            line(partial.err);
            resolve({ code: code ?? (signal ? 128 : 1), tail });
        });
        child.on("error", (e) => resolve({ code: 1, tail: [e.message] }));
    });
}

async function runStep(step: Step, args: StudyArgs, index: number, total: number): Promise<StepOutcome> {
    const started = Date.now();
    const how = step.lab ? `lab:${step.lab.name}` : "the engine";
    const config = Object.entries(step.config)
        .map(([k, v]) => ` ${k}=${v}`)
        .join("");
    process.stdout.write(`study: [${index}/${total}] ${step.name} (${how}${config}) ...\n`);
    const outputs = outputsFile(step.stack);
    const before = existsSync(outputs) ? readFileSync(outputs, "utf8") : undefined;
    let failure: string | undefined;
    for (const c of commandsOf(step, args)) {
        const r = await runShown(c.argv, step.stack);
        // destroy runs even when up failed; the first failure is the reason.
        if (r.code !== 0 && failure === undefined) failure = `${c.what} exited ${r.code}: ${r.tail.slice(-3).join(" / ")}`;
    }
    const seconds = (Date.now() - started) / 1000;
    const fresh = existsSync(outputs) && readFileSync(outputs, "utf8") !== before;
    // A variant's outputs are kept apart: the next variant of the stack writes the stack's file again.
    const kept = step.name === step.stack ? outputs : outputsFile(step.name);
    if (fresh && kept !== outputs) copyFileSync(outputs, kept);
    const outcome: StepOutcome = {
        stack: step.name,
        ok: failure === undefined && fresh,
        ...(failure !== undefined ? { reason: failure } : fresh ? {} : { reason: `it wrote no new ${path.relative(ROOT, outputs)}` }),
        seconds,
        ...(fresh ? { outputs: kept } : {}),
    };
    process.stdout.write(
        `study: [${index}/${total}] ${step.name}: ${outcome.ok ? "measured" : `FAILED (${outcome.reason})`} in ${seconds.toFixed(0)} s\n`,
    );
    return outcome;
}

/**
 * The report of the stacks that were measured: native as the baseline where it was, the study's
 * points overlaid. Returns the files written and the tables as text. Throws CompareInputError when
 * the stacks are not comparable (naming the part).
 */
export async function studyReport(outcomes: readonly StepOutcome[], out: string): Promise<{ files: string[]; tables: string }> {
    const read: Source[] = outcomes.flatMap((o) => (o.ok && o.outputs ? [readSourceFile(o.outputs)] : []));
    if (read.length === 0) throw new CompareInputError("no stack was measured: nothing to report");
    // Labelled by platform (native, esx, kvm, xen); two stacks of one platform by their stack's name.
    const unique = labelCollisions(
        read,
        read.map(() => false),
    ).sources;
    const mismatches = checkComparable(unique, false);
    const baseline = pickBaseline(unique);
    const notMeasured = outcomes.filter((o) => !o.ok).map((o) => ({ label: o.stack, reason: o.reason ?? "failed" }));
    const files = await writeReport(out, unique, {
        mismatches,
        ...(baseline ? { baseline } : {}),
        reference: readReference(REFERENCE),
        notMeasured,
    });
    const tables = [...comparisonTables(unique, baseline), ...tuningTables(unique, baseline)];
    return { files, tables: tables.map(formatText).join("\n\n") };
}

async function main(): Promise<number> {
    const args = parseStudyArgs(process.argv.slice(2));
    if (args.help) {
        process.stdout.write(`${HELP}\n`);
        return 0;
    }
    const steps = planSteps(args);
    process.stdout.write(`study: ${steps.map((s) => s.name).join(", ")}${args.keep ? " (kept standing)" : ""}; report to ${args.out}\n`);
    const outcomes: StepOutcome[] = [];
    for (const [i, step] of steps.entries()) outcomes.push(await runStep(step, args, i + 1, steps.length));
    let reportFailed: string | undefined;
    try {
        const { files, tables } = await studyReport(outcomes, args.out);
        process.stdout.write(
            `\n${tables}\n\nstudy: report written: ${files
                .slice(0, 3)
                .map((f) => path.relative(process.cwd(), f))
                .join(", ")} and ${files.length - 3} charts\n`,
        );
    } catch (e) {
        reportFailed = (e as Error).message;
        process.stderr.write(`study: no report: ${reportFailed}\n`);
    }
    const failed = outcomes.filter((o) => !o.ok);
    process.stdout.write(
        `study: ${outcomes.length - failed.length} of ${outcomes.length} stacks measured${failed.length > 0 ? `; failed: ${failed.map((f) => `${f.stack} (${f.reason})`).join("; ")}` : ""}\n`,
    );
    return failed.length > 0 || reportFailed !== undefined ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`study: ${e.message}\n`);
            process.exit(e instanceof StudyError || e instanceof CompareInputError ? 2 : 1);
        },
    );
}
