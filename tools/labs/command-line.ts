// The command line every lab shares (`npm run lab:<name> -- ...`): `--keep` leaves the lab standing,
// `--down` takes a standing one down, and the lab's own options (Lab.options), each `--name value`;
// unknown options are refused by name.
import { parseArgs } from "util";
import { LabError } from "./lab-error";

export interface LabOption {
    /** What the value is, for the usage line. */
    readonly help: string;
    readonly pattern: RegExp;
    readonly default: string;
}

export interface LabArgs {
    readonly keep: boolean;
    readonly down: boolean;
    /** The lab's own options, each with its value or default. */
    readonly options: Readonly<Record<string, string>>;
}

/** The usage line of a lab. */
export function usage(name: string, options: Readonly<Record<string, LabOption>> = {}): string {
    const own = Object.entries(options).map(([o, spec]) => `[--${o} ${spec.help}] `);
    return `usage: npm run lab:${name} [-- ${own.join("")}[--keep] | -- --down]`;
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
                ...Object.fromEntries(Object.keys(options).map((o) => [o, { type: "string" as const }])),
            },
        });
    } catch (e) {
        throw new LabError(`${(e as Error).message}; ${usage(name, options)}`);
    }
    const v = parsed.values as Record<string, string | boolean | undefined>;
    if (v.keep && v.down) throw new LabError(`--keep and --down exclude each other; ${usage(name, options)}`);
    const own: Record<string, string> = {};
    for (const [o, spec] of Object.entries(options)) {
        const value = typeof v[o] === "string" ? (v[o] as string) : spec.default;
        if (!spec.pattern.test(value)) throw new LabError(`--${o} ${value} is not ${spec.help}; ${usage(name, options)}`);
        own[o] = value;
    }
    return { keep: v.keep === true, down: v.down === true, options: own };
}
