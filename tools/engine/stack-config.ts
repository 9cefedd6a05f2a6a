// Reads a stack's configuration as the Pulumi CLI would hand it to the program: the project's
// declared defaults from Pulumi.yaml, overlaid by stacks/Pulumi.<stack>.yaml, overlaid by
// command-line overrides. Values are strings; lists and objects are JSON, as Pulumi passes them.
import { existsSync, readdirSync, readFileSync } from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { InputFileError, readYamlMapping } from "../../analysis";
import { STRUCTURED_KEYS } from "../../components/config";

export class StackConfigError extends Error {
    readonly name = "StackConfigError";
}

interface ProjectFile {
    name?: string;
    stackConfigDir?: string;
    config?: Record<string, { default?: unknown; type?: string; description?: string; secret?: boolean }>;
}

export function readProject(root: string): ProjectFile {
    return yaml.load(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/**
 * Every config key a stack may set, by full name: those Pulumi.yaml declares, and the structured
 * blocks (hvnetlab:guest, ..., hvnetlab:nic), which Pulumi.yaml cannot declare (STRUCTURED_KEYS).
 */
export function configKeys(root: string): string[] {
    const project = readProject(root);
    return [...Object.keys(project.config ?? {}), ...STRUCTURED_KEYS.map((k) => `${project.name ?? "hvnetlab"}:${k}`)];
}

/**
 * Throws StackConfigError naming each key that no stack can set (a typo would be set and never
 * read): a key must be declared or a structured block, and a path into a block (`guest.vcpus`)
 * must start with a structured block's key.
 */
export function checkConfigKeys(keys: readonly string[], root: string): void {
    const known = configKeys(root);
    const blocks = STRUCTURED_KEYS.map((k) => `${readProject(root).name ?? "hvnetlab"}:${k}`);
    const unknown = keys.filter((k) => !known.includes(k.split(".")[0]));
    if (unknown.length > 0)
        throw new StackConfigError(`unknown config key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}: the keys are ${known.join(", ")}`);
    const intoScalar = keys.filter((k) => k.includes(".") && !blocks.includes(k.split(".")[0]));
    if (intoScalar.length > 0)
        throw new StackConfigError(`${intoScalar.map((k) => `'${k}'`).join(", ")}: only a block's fields take a path (${blocks.join(", ")})`);
}

/**
 * A config key as `--config` takes it on the labs and the study: the project's namespace optional,
 * then a key name, then optionally a path of field names into a block (`guest.vcpus`), which is
 * set as `pulumi config set --path` sets it.
 */
export const CONFIG_KEY = /^([a-z][a-z0-9-]*:)?[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** Whether a `--config` key is a path into a block (`hvnetlab:guest.vcpus`). */
export const isConfigPath = (key: string): boolean => key.includes(".");

/**
 * Sets `value` at a path key (`hvnetlab:guest.vcpus`) in config values as Pulumi hands them to the
 * program (objects as JSON text), typing the value as `pulumi config set --path` does (YAML's
 * scalars: 2 is a number, true a boolean). Throws StackConfigError where the block is not an object.
 */
export function setConfigPath(config: Record<string, string>, key: string, value: string): void {
    const [top, ...fields] = key.split(".");
    const isBlock = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    let block: unknown = {};
    if (config[top] !== undefined) {
        try {
            block = JSON.parse(config[top]);
        } catch {
            block = undefined;
        }
    }
    if (!isBlock(block)) throw new StackConfigError(`${key}: ${top} is not a block of fields in this stack`);
    let at = block;
    for (const f of fields.slice(0, -1)) {
        if (at[f] === undefined) at[f] = {};
        const next = at[f];
        if (!isBlock(next)) throw new StackConfigError(`${key}: ${f} is not a block of fields in this stack`);
        at = next;
    }
    at[fields[fields.length - 1]] = yaml.load(value, { schema: yaml.CORE_SCHEMA }) ?? value;
    config[top] = JSON.stringify(block);
}

/**
 * One `--config key=value` as [full key, value] (hvnetlab: where no namespace is given; the value
 * is everything after the first =), or undefined where the pair is not key=value with a CONFIG_KEY.
 */
export function configPair(pair: string): [string, string] | undefined {
    const at = pair.indexOf("=");
    const key = at > 0 ? pair.slice(0, at) : "";
    if (!CONFIG_KEY.test(key)) return undefined;
    return [key.includes(":") ? key : `hvnetlab:${key}`, pair.slice(at + 1)];
}

/** A stack file's encrypted value ({ secure: ... }). */
export function isSecureValue(value: unknown): boolean {
    return value !== null && typeof value === "object" && "secure" in (value as object);
}

function asConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parses `key=value` overrides; keys without a namespace get the project's (hvnetlab:). */
export function parseOverrides(pairs: readonly string[], project: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const pair of pairs) {
        const at = pair.indexOf("=");
        if (at <= 0) throw new StackConfigError(`--config takes key=value, got '${pair}'`);
        const key = pair.slice(0, at).trim();
        out[key.includes(":") ? key : `${project}:${key}`] = pair.slice(at + 1);
    }
    return out;
}

/** The `config:` mapping of a stack file, read by the validated reader (InputFileError when it is not one). */
function stackFileConfig(stackFile: string): Record<string, unknown> {
    const config = readYamlMapping(stackFile, "a stack file").config ?? {};
    if (config === null || typeof config !== "object" || Array.isArray(config))
        throw new InputFileError(`${stackFile}: config must be a mapping of key: value settings`);
    return config as Record<string, unknown>;
}

export function loadStackConfig(root: string, stack: string, overrides: Record<string, string> = {}): Record<string, string> {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackConfigError(`invalid stack name '${stack}'`);
    const project = readProject(root);
    const stackFile = path.join(root, project.stackConfigDir ?? ".", `Pulumi.${stack}.yaml`);
    if (!existsSync(stackFile))
        throw new StackConfigError(`no stack config ${path.relative(root, stackFile)}: the stacks are ${listStacks(root).join(", ")}`);
    const stackConfig = stackFileConfig(stackFile);
    const result: Record<string, string> = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        if (decl.default !== undefined) result[key] = asConfigString(decl.default);
    }
    for (const [key, value] of Object.entries(stackConfig)) {
        if (isSecureValue(value)) {
            throw new StackConfigError(
                `${key} is an encrypted secret: the offline runner cannot decrypt it; run the stack with the engine (npm run lab -- --stack NAME)`,
            );
        }
        result[key] = asConfigString(value);
    }
    checkConfigKeys(Object.keys(overrides), root);
    for (const [key, value] of Object.entries(overrides)) {
        if (isConfigPath(key)) setConfigPath(result, key, value);
        else result[key] = value;
    }
    return result;
}

/** One plain value of a stack's file (encrypted values and absent keys give undefined). */
export function stackValue(root: string, stack: string, key: string): string | undefined {
    const project = readProject(root);
    const stackFile = path.join(root, project.stackConfigDir ?? ".", `Pulumi.${stack}.yaml`);
    if (!existsSync(stackFile)) return undefined;
    const value = stackFileConfig(stackFile)[key];
    return value === undefined || isSecureValue(value) ? undefined : asConfigString(value);
}

export function listStacks(root: string): string[] {
    const dir = path.join(root, readProject(root).stackConfigDir ?? ".");
    return readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}
