// Quoting for POSIX shells, the one implementation: the SSH transport quotes the remote command
// with it, and the lab's scripts quote their validated values with it.

/** Quotes one word for a POSIX shell: single quotes, with each ' written as '\''. */
export function quoteWord(word: string): string {
    if (word.includes("\0")) throw new RangeError("a shell word cannot hold a NUL byte");
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line a POSIX shell runs as exactly this argument vector. */
export function shellCommandLine(argv: readonly string[]): string {
    return argv.map(quoteWord).join(" ");
}
