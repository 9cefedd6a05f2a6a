// The results file is written whole or not at all, and its staging file never stays behind.
import * as assert from "assert";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { readResultsSince, writeResultsFile } from "../../../runner/results-store";
import type { ResultsDocument } from "../../../model";
import { tempDir } from "../../tmp";

const doc = { schemaVersion: 1, platform: "local", runs: [] } as unknown as ResultsDocument;

describe("writeResultsFile", () => {
    it("writes the document into a new folder, leaving only the file", () => {
        const dir = tempDir("results-file");
        const file = path.join(dir, "out", "local.results.json");
        writeResultsFile(file, doc);
        assert.deepStrictEqual(JSON.parse(readFileSync(file, "utf8")), doc);
        assert.deepStrictEqual(readResultsSince(file, 0), doc);
        assert.deepStrictEqual(readdirSync(path.dirname(file)), ["local.results.json"]);
    });

    it("throws when the file cannot take its place, and removes its staging file", () => {
        const dir = tempDir("results-file");
        const file = path.join(dir, "local.results.json");
        mkdirSync(file); // a folder, not empty, where the file should go: rename(2) refuses it
        writeFileSync(path.join(file, "x"), "");
        assert.throws(() => writeResultsFile(file, doc), /EISDIR|ENOTEMPTY|EEXIST/);
        assert.deepStrictEqual(readdirSync(dir), ["local.results.json"], "no staging file left");
    });
});
