// Building shell scripts for command resources. Command resources run through a shell, so every
// value that goes into a script is checked against a strict pattern and then single-quoted.
import { quoteWord } from "../../runner/transport";
import { ABSOLUTE_PATH, CIDR, HTTPS_URL, IFNAME, IPV4, NAME, SHA256, UINT, VERSION } from "../../model";

export class UnsafeValueError extends Error {
    readonly name = "UnsafeValueError";
}

/** Patterns for the kinds of value the lab puts into scripts. */
export const SAFE = {
    name: NAME,
    ifname: IFNAME,
    ipv4: IPV4,
    cidr: CIDR,
    uint: UINT,
    version: VERSION,
    path: ABSOLUTE_PATH,
    url: HTTPS_URL,
    sha256: SHA256,
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
export function shellQuote(value: string | number, pattern: RegExp): string {
    return quoteWord(checked(value, pattern));
}

/** Runs a command as root: directly when logged in as root, else through passwordless sudo. */
export const AS_ROOT = `run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }`;

/** Joins script lines; each line is a complete command. */
export function script(...lines: string[]): string {
    return lines.join("\n");
}

/**
 * A shell group that prints "hvnetlab: <message>" to stderr and exits 1. The message is
 * double-quoted so that it may name shell variables ($v); it must not hold quotes, backquotes or
 * backslashes (values put into it come from validated config).
 */
export function exitWithError(message: string): string {
    if (/["`\\]/.test(message)) throw new UnsafeValueError(`message must not contain quotes, backquotes or backslashes: ${message}`);
    return `{ echo "hvnetlab: ${message}" >&2; exit 1; }`;
}
