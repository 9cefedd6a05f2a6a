// The results file: where a stack's results document is kept, after every run and also when the
// update fails, so that nothing measured is lost.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import type { ResultsDocument } from "../model";

/** Where a stack's results are kept: the configured file (relative to root), else out/<stack>.results.json. */
export function resultsFileOf(configured: string, stack: string, root: string): string {
    return path.resolve(root, configured || path.join("out", `${stack}.results.json`));
}

/**
 * Writes the results whole or not at all: a reader never sees half a document. The document is
 * written to <file>.<pid>.tmp and renamed over the file; on a failure (a full disk, a folder in
 * the file's place) the staging file is removed and the error thrown.
 */
export function writeResultsFile(file: string, doc: ResultsDocument): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const staging = `${file}.${process.pid}.tmp`;
    try {
        writeFileSync(staging, `${JSON.stringify(doc, null, 1)}\n`);
        renameSync(staging, file);
    } catch (e) {
        rmSync(staging, { force: true });
        throw e;
    }
}

/** The results kept in the file since the given time (epoch ms), or undefined when there are none. */
export function readResultsSince(file: string, sinceMs: number): ResultsDocument | undefined {
    try {
        if (statSync(file).mtimeMs < sinceMs) return undefined;
        const doc = JSON.parse(readFileSync(file, "utf8")) as ResultsDocument;
        return doc?.schemaVersion === 1 && Array.isArray(doc.runs) ? doc : undefined;
    } catch {
        return undefined;
    }
}
