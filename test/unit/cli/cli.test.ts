// The `hvnetlab` command line as a user meets it: one declared set of commands and options, its
// help, unknown options refused by name, and every named file read by one validated reader.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { mkdirSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { runCli } from "../../../cli/main";
import { COMMANDS, parseCommandArgs, UsageError } from "../../../cli/spec";
import { parseCompareArgs } from "../../../cli/compare-commands";
import { InputFileError, readJsonFile, readYamlMapping } from "../../../analysis/user-files";
import { loadStackConfig } from "../../../tools/engine/stack-config";
import { tempDir } from "../../tmp";

const ROOT = path.join(__dirname, "..", "..", "..");
/** Runs the installed command (bin/hvnetlab.js) as a user does. */
const spawnCli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin", "hvnetlab.js"), ...args], { encoding: "utf8" });
/** Runs the command line in this process (as bin/hvnetlab.js does), capturing its output and exit code. */
async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    const out = { stdout: "", stderr: "" };
    const original = { stdout: process.stdout.write, stderr: process.stderr.write, code: process.exitCode };
    const capture = (key: "stdout" | "stderr") =>
        ((chunk: string | Uint8Array) => {
            out[key] += String(chunk);
            return true;
        }) as typeof process.stdout.write;
    process.stdout.write = capture("stdout");
    process.stderr.write = capture("stderr");
    try {
        await runCli(args);
        return { status: Number(process.exitCode), ...out };
    } finally {
        process.stdout.write = original.stdout;
        process.stderr.write = original.stderr;
        process.exitCode = original.code;
    }
}
const dir = tempDir("cli");
const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
};
/** Exit 2 and one line on stderr that matches `message`. */
const refused = (r: { status: number | null; stdout: string; stderr: string }, message: RegExp) => {
    assert.strictEqual(r.status, 2, `exit 2 expected:\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.strictEqual(r.stderr.trim().split("\n").length, 1, `one line, no stack trace: ${r.stderr}`);
};

/** Every option the command line took before it was declared in one place (bad-input and compare tests use them). */
const OPTIONS: Record<string, string[]> = {
    measure: ["plan", "results-file", "fail-on"],
    report: ["results", "out", "reference", "label", "stack", "allow-mismatch", "baseline-source"],
    compare: ["label", "stack", "allow-mismatch", "baseline-source", "baseline", "tolerance", "json"],
};

describe("hvnetlab command line", function () {
    this.timeout(60000);
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("declares every command and every option it took before", () => {
        assert.deepStrictEqual(
            COMMANDS.map((c) => c.name),
            Object.keys(OPTIONS),
        );
        for (const c of COMMANDS)
            assert.deepStrictEqual(
                c.options.map((o) => o.name),
                OPTIONS[c.name],
            );
    });

    it("hvnetlab --help lists every command and option on stdout, exit 0", () => {
        const r = spawnCli("--help");
        assert.strictEqual(r.status, 0, r.stderr);
        for (const c of COMMANDS) {
            assert.match(r.stdout, new RegExp(`hvnetlab ${c.name} `), c.name);
            for (const o of c.options) assert.match(r.stdout, new RegExp(`--${o.name}\\b`), `${c.name} --${o.name}`);
        }
        assert.match(r.stdout, /formerly: bench/);
    });

    it("hvnetlab compare --help lists every compare option, and only compare's", async () => {
        const r = await cli("compare", "--help");
        assert.strictEqual(r.status, 0, r.stderr);
        for (const o of OPTIONS.compare) assert.match(r.stdout, new RegExp(`^    --${o}\\b`, "m"), o);
        assert.doesNotMatch(r.stdout, /--plan|--out /);
    });

    for (const [command, args] of [
        ["compare", ["--frobnicate", "a.json"]],
        ["report", ["--out", "x", "--json", "a.json"]],
        ["measure", ["--plan", "p.json", "--dry-run"]],
    ] as const) {
        it(`refuses an unknown option of ${command} by name, exit 2`, async () =>
            refused(
                await cli(command, ...args),
                new RegExp(`${command}: unknown option '${args.find((a) => a === "--frobnicate" || a === "--json" || a === "--dry-run")}'`),
            ));
    }

    it("refuses an option without its value, and an operand where the command takes none", async () => {
        assert.throws(
            () => parseCommandArgs(COMMANDS[0], ["--plan"]),
            (e: Error) => e instanceof UsageError && /--plan <value>' argument missing/.test(e.message),
        );
        assert.throws(
            () => parseCompareArgs(["--label", "--stack", "x"]),
            (e: Error) => e instanceof UsageError && /--label' argument is ambiguous/.test(e.message),
        );
        refused(await cli("measure", "--plan", "p.json", "extra"), /unexpected argument 'extra'/);
    });

    it("keeps compare's labels on the source that follows them, and its options", () => {
        const a = parseCompareArgs([
            "--label",
            "k",
            "a.json",
            "--stack",
            "esx",
            "--allow-mismatch",
            "--tolerance",
            "3%",
            "--baseline-source",
            "k",
        ]);
        assert.deepStrictEqual(a.sources, [
            { kind: "file", value: "a.json", label: "k" },
            { kind: "stack", value: "esx" },
        ]);
        assert.deepStrictEqual([a.allowMismatch, a.tolerance, a.baselineSource, a.json], [true, "3%", "k", false]);
    });

    describe("files a user names: one reader, one-line errors, exit 2", () => {
        it("report --results reads an outputs file as compare does (baselines/local.json)", () => {
            const r = spawnCli("report", "--results", path.join(ROOT, "baselines", "local.json"));
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stdout, /^local \(fingerprint sha256:[0-9a-f]+\)\nexperiment/);
            assert.match(r.stdout, /send\s+native\s+TCP_STREAM/);
        });

        const garbage = file("garbage.json", "not json\nat all");
        const missing = path.join(dir, "nope.json");
        const cases: [string, string[], RegExp][] = [
            ["report --results of a missing file", ["report", "--results", missing], /cannot read the results .*nope\.json: ENOENT/],
            [
                "report --results of a non-JSON file",
                ["report", "--results", garbage],
                /garbage\.json: not JSON \(.*\); the results must be JSON/,
            ],
            [
                "report --results of JSON that is no results",
                ["report", "--results", file("x.json", "[1]")],
                /x\.json: not a results document/,
            ],
            ["compare of a missing file", ["compare", missing], /cannot read the source .*nope\.json: ENOENT/],
            ["compare of a non-JSON file", ["compare", garbage], /garbage\.json: not JSON/],
            [
                "a missing baseline",
                ["compare", "--baseline", missing, path.join(ROOT, "baselines", "local.json")],
                /cannot read the baseline .*nope\.json: ENOENT/,
            ],
            ["a missing plan", ["measure", "--plan", missing], /cannot read the plan .*nope\.json: ENOENT/],
            ["a plan that is not JSON", ["measure", "--plan", garbage], /garbage\.json: not JSON .*the plan must be JSON/],
            [
                "a missing reference",
                ["report", "--out", path.join(dir, "r"), "--reference", missing, path.join(ROOT, "baselines", "local.json")],
                /cannot read the reference .*nope\.json: ENOENT/,
            ],
        ];
        for (const [what, args, message] of cases) it(`refuses ${what} in one line`, async () => refused(await cli(...args), message));

        it("checks a plan field by field (PlanError, one line per problem), exit 2", async () => {
            const r = await cli("measure", "--plan", file("p.json", "{}"));
            assert.strictEqual(r.status, 2, r.stderr);
            assert.match(r.stderr, /^hvnetlab: invalid plan:\n {2}schemaVersion must be 1, got undefined\n/);
        });

        it("reads stack files through the same reader, refusing what is not a mapping of settings", () => {
            assert.throws(() => readJsonFile(missing, "the plan"), InputFileError);
            assert.throws(
                () => readYamlMapping(file("bad.yaml", "config: [a\n"), "a stack file"),
                /bad\.yaml: not YAML \(.*at line \d+\); a stack file must be YAML/,
            );
            assert.throws(
                () => readYamlMapping(file("list.yaml", "- a\n"), "a stack file"),
                /must be a YAML mapping of settings, not a list/,
            );
            const root = path.join(dir, "project");
            mkdirSync(root);
            writeFileSync(path.join(root, "Pulumi.yaml"), "name: hvnetlab\nconfig: {}\n");
            writeFileSync(path.join(root, "Pulumi.odd.yaml"), "config: just text\n");
            assert.throws(() => loadStackConfig(root, "odd"), /Pulumi\.odd\.yaml: config must be a mapping/);
        });
    });
});
