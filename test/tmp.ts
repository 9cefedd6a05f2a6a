// Temporary folders for the tests. Every folder a test needs is made here, and every one is
// removed when the test process exits (mocha's --exit included, and after a failed or thrown
// test), so that the suites leave nothing in /tmp. A test may remove its folder earlier itself.
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

/** What a temporary folder's name may carry after `hvnetlab-`: lowercase letters, digits and '-'. */
const PREFIX = /^[a-z0-9][a-z0-9-]{0,40}$/;

const made = new Set<string>();

/**
 * A new empty folder `<tmpdir>/hvnetlab-<prefix>-XXXXXX` (mode 0700, from mkdtemp), removed
 * with everything in it when the process exits. Throws on a prefix outside PREFIX: the path
 * goes into shell scripts and command lines.
 */
export function tempDir(prefix: string): string {
    if (!PREFIX.test(prefix))
        throw new Error(`tempDir: prefix '${prefix}' is not 1-41 lowercase letters, digits and '-'; name the folder by its test`);
    const dir = mkdtempSync(path.join(tmpdir(), `hvnetlab-${prefix}-`));
    made.add(dir);
    return dir;
}

/** The mount points at or below dir, from /proc/self/mountinfo (field 5, octal escapes undone). */
export function mountsUnder(dir: string, mountinfo = readMountinfo()): string[] {
    return mountinfo
        .split("\n")
        .map((line) => line.split(" ")[4])
        .filter((m): m is string => m !== undefined)
        .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
        .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

function readMountinfo(): string {
    try {
        return readFileSync("/proc/self/mountinfo", "utf8");
    } catch {
        return "";
    }
}

/**
 * Removes every folder tempDir made, now. A folder with something mounted in it is kept (a
 * recursive removal would go through a bind mount into the mounted tree) and named in what
 * it returns: the folders left, each with the reason.
 */
export function removeTempDirs(): string[] {
    const left: string[] = [];
    for (const dir of made) {
        const mounts = mountsUnder(dir);
        if (mounts.length > 0) {
            left.push(`${dir}: kept, ${mounts.join(", ")} still mounted in it (unmount, then remove it)`);
            continue;
        }
        try {
            rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
            made.delete(dir);
        } catch (e) {
            left.push(`${dir}: ${(e as Error).message}`);
        }
    }
    return left;
}

// At exit (the end of the run, process.exit, an uncaught error; a signal that kills the process
// runs no handler): a folder that cannot be removed fails the run.
process.on("exit", () => {
    const left = removeTempDirs();
    if (left.length === 0) return;
    process.stderr.write(`test/tmp.ts: temporary folders left behind:\n  ${left.join("\n  ")}\n`);
    process.exitCode ||= 1;
});
