// Building shell scripts for command resources. Command resources run through a shell, so every
// value that goes into a script is checked against a strict pattern and then single-quoted.
import { IPV4 } from "../benchmarks/netperf";

export class UnsafeValueError extends Error {
    readonly name = "UnsafeValueError";
}

/** Patterns for the kinds of value the lab puts into scripts. */
export const SAFE = {
    /** Namespace, link, endpoint and resource names. */
    name: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    /** Linux interface names (IFNAMSIZ 16, so 15 characters). */
    ifname: /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/,
    ipv4: IPV4,
    cidr: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/\d{1,2}$/,
    uint: /^\d{1,9}$/,
    version: /^\d+\.\d+(\.\d+)?$/,
    /** Absolute paths without spaces or shell characters. */
    path: /^\/[A-Za-z0-9_./@+-]*$/,
    /** https URLs without shell characters (they also appear in double-quoted messages). */
    url: /^https:\/\/[A-Za-z0-9._~:/?#@+=%-]+$/,
} as const;

/** Checks `value` against `pattern` and returns it as text, for names built into other words. */
export function checked(value: string | number, pattern: RegExp): string {
    const text = String(value);
    if (!pattern.test(text)) {
        throw new UnsafeValueError(`refusing to put ${JSON.stringify(text)} into a shell command: it does not match ${pattern}`);
    }
    return text;
}

/** Checks `value` against `pattern` and returns it single-quoted for a POSIX shell. */
export function q(value: string | number, pattern: RegExp): string {
    return `'${checked(value, pattern).replace(/'/g, `'\\''`)}'`;
}

/** Joins script lines; each line is a complete command. */
export function script(...lines: string[]): string {
    return lines.join("\n");
}

/**
 * A shell group that prints "hvnetlab: <message>" to stderr and exits 1. The message is
 * double-quoted so that it may name shell variables ($v); it must not hold quotes, backquotes or
 * backslashes (values put into it come from validated config).
 */
export function die(message: string): string {
    if (/["`\\]/.test(message)) throw new UnsafeValueError(`message must not contain quotes, backquotes or backslashes: ${message}`);
    return `{ echo "hvnetlab: ${message}" >&2; exit 1; }`;
}
