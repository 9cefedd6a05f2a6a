// The one reader of the files a user names: plans, results documents and stack outputs (sources and
// baselines), and reference series. Each is read, parsed and checked here, and every failure is
// one line that names the file and what was wrong with it (exit 2 on the command line).
import { readFileSync } from "fs";
import * as yaml from "js-yaml";
import type { Source } from "./compare";
import { parseSource } from "./compare";
import { validatePlan } from "../model";
import type { Plan } from "../model";

/** A named file that cannot be read, or is not JSON. */
export class InputFileError extends Error {
    readonly name = "InputFileError";
}

/** What the errno codes of a failed read mean, for the message. */
const READ_FAILURES: Readonly<Record<string, string>> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    EISDIR: "a directory, not a file",
    ENOTDIR: "a part of the path is not a directory",
};

/**
 * The text of `file` ("-": standard input). `what` names the file's role in the message, e.g.
 * "the plan". Throws InputFileError: "cannot read the plan p.json: ENOENT (no such file); ...".
 */
export function readInputText(file: string, what: string): string {
    try {
        return readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code ? `${code}${READ_FAILURES[code] ? ` (${READ_FAILURES[code]})` : ""}` : (e as Error).message;
        throw new InputFileError(`cannot read ${what} ${file === "-" ? "from standard input" : file}: ${why}; check the path`);
    }
}

/** The JSON value in `file` ("-": standard input). Throws InputFileError for an unreadable or non-JSON file. */
export function readJsonFile(file: string, what: string): unknown {
    const text = readInputText(file, what);
    try {
        return JSON.parse(text) as unknown;
    } catch (e) {
        // JSON.parse quotes the text around the fault, line breaks included: keep the message on one line.
        const why = (e as Error).message.replace(/\s+/g, " ");
        throw new InputFileError(`${file === "-" ? "standard input" : file}: not JSON (${why}); ${what} must be JSON`);
    }
}

/**
 * The mapping at the top of a YAML file (a stack file, Pulumi.yaml), or of an empty file {}.
 * Throws InputFileError for an unreadable file, a YAML error (with its line), or a top level
 * that is not a mapping.
 */
export function readYamlMapping(file: string, what: string): Record<string, unknown> {
    const text = readInputText(file, what);
    let value: unknown;
    try {
        value = yaml.load(text, { filename: file });
    } catch (e) {
        const err = e as yaml.YAMLException;
        const where = err.mark ? ` at line ${err.mark.line + 1}` : "";
        throw new InputFileError(`${file}: not YAML (${(err.reason ?? err.message).replace(/\s+/g, " ")}${where}); ${what} must be YAML`);
    }
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" || Array.isArray(value))
        throw new InputFileError(
            `${file}: ${what} must be a YAML mapping of settings, not ${Array.isArray(value) ? "a list" : `a ${typeof value}`}`,
        );
    return value as Record<string, unknown>;
}

/**
 * A results source: stack outputs ({ results, lab, ... }, as `pulumi stack output --json` and the
 * offline runner write them) or a bare results document, checked by compare's parseSource
 * (CompareInputError for JSON that is neither). `label` defaults to the results' platform.
 */
export function readSourceFile(file: string, label?: string, what = "the results"): Source {
    return parseSource(JSON.stringify(readJsonFile(file, what)), file === "-" ? "standard input" : file, label);
}

/** A plan (`hvnetlab measure --plan`), checked field by field by validatePlan (PlanError). */
export function readPlanFile(file: string): Plan {
    const plan = readJsonFile(file, "the plan");
    validatePlan(plan);
    return plan;
}
