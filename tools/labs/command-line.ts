// The command line every lab shares (`npm run lab:<name> -- ...`): `--keep` leaves the lab standing,
// `--down` takes a standing one down, `--config key=value` (repeatable) sets a stack config value
// for this run over the lab's own (as `npm run lab:offline -- --config` does), and the lab's own
// options (Lab.options), each `--name value`; unknown options are refused by name.
import { parseArgs } from "util";
import { configPair } from "../engine";
import { LabError } from "./lab-error";

export interface LabOption {
    /** What the value is, for the usage line (`N`, `MODEL`). */
    readonly help: string;
    /** What the option does, for `--help`. */
    readonly about?: string;
    readonly pattern: RegExp;
    readonly default: string;
}

export interface LabArgs {
    readonly keep: boolean;
    readonly down: boolean;
    /** The lab's own options, each with its value or default. */
    readonly options: Readonly<Record<string, string>>;
    /** `--config key=value` overrides by full key (hvnetlab:nic), set on the stack after the lab's own config. */
    readonly config: Readonly<Record<string, string>>;
    /** `--help`: print labHelp and run nothing. */
    readonly help: boolean;
}

/** The usage line of a lab. */
export function usage(name: string, options: Readonly<Record<string, LabOption>> = {}): string {
    const own = Object.entries(options).map(([o, spec]) => `[--${o} ${spec.help}] `);
    return `usage: npm run lab:${name} [-- ${own.join("")}[--config key=value ...] [--keep] | -- --down | -- --help]`;
}

/** What `npm run lab:<name> -- --help` prints: the usage line and what each option does. */
export function labHelp(name: string, options: Readonly<Record<string, LabOption>> = {}): string {
    return [
        usage(name, options),
        "",
        ...Object.entries(options).map(
            ([o, spec]) => `  --${o} ${spec.help}  ${spec.about ? `${spec.about} ` : ""}(default ${spec.default})`,
        ),
        "  --config key=value  a stack config value for this run over the lab's own (hvnetlab: where no",
        "                      namespace is given; repeatable), e.g. durationSeconds=10; a key may be a",
        "                      path into a block, e.g. guest.vcpus=2",
        "  --keep              leave the lab standing after the run",
        "  --down              destroy a standing lab's stack and take the lab down",
        "  --help              this text",
        "",
        "Exit codes: 0 passed, 1 failed (each problem on a FAILED line), 2 unusable input or a lab standing already.",
    ].join("\n");
}

/**
 * `--keep`, `--down` and the lab's own options (each `--name value`, checked against its
 * pattern). Throws LabError naming an unknown option, a bad value, or --keep with --down.
 */
export function parseLabArgs(name: string, argv: readonly string[], options: Readonly<Record<string, LabOption>> = {}): LabArgs {
    let parsed: ReturnType<typeof parseArgs>;
    try {
        parsed = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            options: {
                keep: { type: "boolean" },
                down: { type: "boolean" },
                config: { type: "string", multiple: true },
                help: { type: "boolean" },
                ...Object.fromEntries(Object.keys(options).map((o) => [o, { type: "string" as const }])),
            },
        });
    } catch (e) {
        throw new LabError(`${(e as Error).message}; ${usage(name, options)}`);
    }
    const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
    if (v.help) return { keep: false, down: false, options: {}, config: {}, help: true };
    if (v.keep && v.down) throw new LabError(`--keep and --down exclude each other; ${usage(name, options)}`);
    const config = labConfigOverrides((v.config as string[] | undefined) ?? [], name, options);
    if (v.down && Object.keys(config).length > 0)
        throw new LabError(`--config applies to a lab being set up, not to --down; ${usage(name, options)}`);
    const own: Record<string, string> = {};
    for (const [o, spec] of Object.entries(options)) {
        const value = typeof v[o] === "string" ? (v[o] as string) : spec.default;
        if (!spec.pattern.test(value))
            throw new LabError(`--${o} ${value} is not ${spec.help}${spec.about ? ` (${spec.about})` : ""}; ${usage(name, options)}`);
        own[o] = value;
    }
    return { keep: v.keep === true, down: v.down === true, options: own, config, help: false };
}

/** `--config key=value` pairs by full key (hvnetlab: where none is given); LabError on a malformed pair. */
function labConfigOverrides(pairs: readonly string[], name: string, options: Readonly<Record<string, LabOption>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const pair of pairs) {
        const kv = configPair(pair);
        if (!kv) throw new LabError(`--config takes key=value (e.g. nic='{"model":"e1000e"}'), got '${pair}'; ${usage(name, options)}`);
        out[kv[0]] = kv[1];
    }
    return out;
}
