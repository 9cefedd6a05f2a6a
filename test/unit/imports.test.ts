// The house's rules, read from the sources: which folder may import which (the table below, type-only
// imports included), every import across folders through the folder's index.ts, no circle of
// imports at all, every source folder with its index.ts, at most 15 files of its own and a line in
// docs/architecture.md, and no function over 80 lines.
import * as assert from "assert";
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
/** The top folders that hold the project's TypeScript sources (tests, fixtures and engine/ aside). */
const SOURCE_TOPS = ["model", "runner", "analysis", "cli", "components", "tools", "policy"];
/** The Pulumi-free library: it loads neither @pulumi/* nor the program. */
const LIBRARY = ["model", "runner", "analysis", "cli"];

/**
 * Who may import whom: each source folder (and "." for index.ts at the root) with the folders it may
 * import from. A folder always imports its own files. The table is acyclic (a test says so): data
 * flows from the model up to the program and the tools.
 */
export const MAY_IMPORT: Record<string, readonly string[]> = {
    // The library: the model, the runner and its rooms, the analysis, the command line.
    model: [],
    "runner/transport": ["model"],
    "runner/netperf": ["model"],
    "runner/sampling": ["model"],
    "runner/judging": ["model", "runner/netperf", "runner/sampling"],
    runner: ["model", "runner/transport", "runner/netperf", "runner/sampling", "runner/judging"],
    analysis: ["model"],
    cli: ["model", "runner", "runner/transport", "analysis"],
    // The Pulumi program.
    "components/config": ["model", "analysis"],
    "components/scripts": ["model", "runner/transport", "analysis"],
    "components/providers": [],
    "components/platforms": [
        "model",
        "runner/transport",
        "runner/netperf",
        "components/config",
        "components/scripts",
        "components/providers",
    ],
    components: [
        "model",
        "runner",
        "runner/netperf",
        "analysis",
        "components/config",
        "components/scripts",
        "components/providers",
        "components/platforms",
    ],
    ".": ["components"],
    policy: [],
    // What runs things.
    "tools/engine": ["model", "runner", "analysis", "components", "components/config", "components/providers"],
    "tools/images": ["tools/engine"],
    "tools/offline": ["model", "runner", "analysis", "components", "tools/engine"],
    "tools/labs": ["model", "components/config", "components/platforms", "tools/engine", "tools/images"],
    "tools/experiments": [
        "model",
        "runner",
        "runner/transport",
        "runner/netperf",
        "runner/sampling",
        "analysis",
        "components",
        "components/platforms",
        "tools/engine",
        "tools/images",
        "tools/labs",
        "tools/offline",
    ],
    tools: ["model", "analysis", "tools/engine", "tools/labs"],
};

/** Folders of npm entry points alone (package.json runs them by path): no surface, and nothing imports them. */
const ENTRY_POINT_FOLDERS = ["tools"];
/** A function longer than this, in lines, is split into named steps. */
const MAX_FUNCTION_LINES = 80;
/** A folder holding more files of its own than this is split into rooms. */
const MAX_FILES_PER_FOLDER = 15;

const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join("/");

function sources(): string[] {
    const out = [path.join(ROOT, "index.ts")];
    const walk = (dir: string) => {
        for (const f of readdirSync(dir)) {
            const p = path.join(dir, f);
            if (f === "node_modules") continue;
            if (statSync(p).isDirectory()) walk(p);
            else if (f.endsWith(".ts") && !f.endsWith(".d.ts")) out.push(p);
        }
    };
    for (const d of SOURCE_TOPS) walk(path.join(ROOT, d));
    return out;
}

/** Every module a file names: `import` and `import type`, `export ... from`, `require()` and `import()`. */
export function importsOf(text: string): string[] {
    const specs: string[] = [];
    const re =
        /^\s*(?:import|export)\s+(?:type\s+)?[^'";]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|(?:require|import)\(\s*["']([^"']+)["']\s*\)/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) specs.push(m[1] ?? m[2] ?? m[3]);
    return specs;
}

function resolveLocal(from: string, spec: string): string | undefined {
    if (!spec.startsWith(".")) return undefined;
    const base = path.resolve(path.dirname(from), spec);
    for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) if (existsSync(candidate)) return candidate;
    return undefined;
}

const folderOf = (file: string) => rel(path.dirname(file)) || ".";

/** The circles of a directed graph, each as its trail of nodes. */
function circles(graph: Map<string, readonly string[]>): string[] {
    const state = new Map<string, "visiting" | "done">();
    const found: string[] = [];
    const visit = (node: string, trail: string[]) => {
        if (state.get(node) === "done") return;
        if (state.get(node) === "visiting") {
            found.push([...trail.slice(trail.indexOf(node)), node].join(" -> "));
            return;
        }
        state.set(node, "visiting");
        for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
        state.set(node, "done");
    };
    for (const node of graph.keys()) visit(node, []);
    return found;
}

/** Every function, method and arrow function of a file longer than `max` lines, with its line. */
export function longFunctions(file: string, text: string, max: number): string[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const out: string[] = [];
    const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
            const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
            const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line - first + 1;
            const name = ts.isConstructorDeclaration(node)
                ? `${node.parent.name?.getText() ?? "class"} constructor`
                : (node.name?.getText() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : "(anonymous)"));
            if (lines > max) out.push(`${rel(file)}:${first + 1} ${name}: ${lines} lines`);
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return out;
}

describe("the house's rules", () => {
    const files = sources();
    const specs = new Map(files.map((f) => [f, importsOf(readFileSync(f, "utf8"))]));
    const local = new Map(files.map((f) => [f, (specs.get(f) ?? []).map((s) => resolveLocal(f, s)).filter((t): t is string => !!t)]));
    const folders = [...new Set(files.map(folderOf))].filter((d) => d !== ".").sort();

    it("reads every kind of import, type-only ones included", () => {
        assert.deepStrictEqual(
            importsOf(
                `import type { A } from "./a";\nimport { B } from "./b";\nimport * as c from "c";\nimport "./d";\nconst e = require("./e");\nexport { F } from "./f";\nexport type { G } from "./g";\nconst h = import("./h");`,
            ),
            ["./a", "./b", "c", "./d", "./e", "./f", "./g", "./h"],
        );
    });

    it("has no circle of imports among the project's files, type-only imports included", () => {
        assert.deepStrictEqual(circles(local), []);
    });

    it("imports across folders only as the table allows, and the table has no circle", () => {
        const bad: string[] = [];
        for (const [f, targets] of local) {
            const from = folderOf(f);
            const allowed = MAY_IMPORT[from];
            if (!allowed) continue;
            for (const t of targets) {
                const to = folderOf(t);
                if (to !== from && !allowed.includes(to)) bad.push(`${rel(f)} imports ${rel(t)}: ${from}/ may not import ${to}/`);
            }
        }
        assert.deepStrictEqual(bad, []);
        assert.deepStrictEqual(circles(new Map(Object.entries(MAY_IMPORT))), []);
    });

    it("names every source folder in the table", () => {
        assert.deepStrictEqual(
            folders.filter((d) => !(d in MAY_IMPORT)),
            [],
            "a new folder needs its line in MAY_IMPORT",
        );
        assert.deepStrictEqual(
            Object.keys(MAY_IMPORT).filter((d) => d !== "." && !folders.includes(d)),
            [],
            "the table names a folder that is gone",
        );
    });

    it("imports another folder through its index.ts, never its inner files", () => {
        const bad: string[] = [];
        for (const [f, targets] of local) {
            for (const t of targets) {
                if (folderOf(t) !== folderOf(f) && path.basename(t) !== "index.ts") bad.push(`${rel(f)} imports ${rel(t)}`);
            }
        }
        assert.deepStrictEqual(bad, []);
    });

    it("imports no entry point: tools/ runs them, nothing loads them", () => {
        const bad: string[] = [];
        for (const [f, targets] of local) {
            for (const t of targets) if (ENTRY_POINT_FOLDERS.includes(folderOf(t))) bad.push(`${rel(f)} imports ${rel(t)}`);
        }
        assert.deepStrictEqual(bad, []);
    });

    it("keeps the library (model, runner, analysis, cli) free of Pulumi, the program and the tools", () => {
        const bad: string[] = [];
        for (const [f, list] of specs) {
            if (!LIBRARY.includes(rel(f).split("/")[0])) continue;
            for (const s of list) {
                const t = resolveLocal(f, s);
                const top = t ? rel(t).split("/")[0] : "";
                if (s.startsWith("@pulumi/") || (t && !LIBRARY.includes(top))) bad.push(`${rel(f)} imports ${s}`);
            }
        }
        assert.deepStrictEqual(bad, []);
    });

    it("gives every source folder an index.ts and at most 15 files of its own", () => {
        const bad: string[] = [];
        for (const d of folders) {
            const own = readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith(".ts"));
            if (!own.includes("index.ts") && !ENTRY_POINT_FOLDERS.includes(d)) bad.push(`${d}/ has no index.ts`);
            if (own.length > MAX_FILES_PER_FOLDER) bad.push(`${d}/ holds ${own.length} files`);
        }
        assert.deepStrictEqual(bad, []);
    });

    it("describes every source folder in docs/architecture.md", () => {
        const doc = readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8");
        assert.deepStrictEqual(
            folders.filter((d) => !doc.includes(`${d}/`)),
            [],
        );
    });

    it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
        assert.deepStrictEqual(
            files.flatMap((f) => longFunctions(f, readFileSync(f, "utf8"), MAX_FUNCTION_LINES)),
            [],
        );
    });

    it("finds what it looks for: a long function, a circle", () => {
        const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `    const x${i} = ${i};`).join("\n");
        assert.strictEqual(longFunctions("x.ts", `function f() {\n${body}\n}`, MAX_FUNCTION_LINES).length, 1);
        assert.deepStrictEqual(
            circles(
                new Map([
                    ["a", ["b"]],
                    ["b", ["a"]],
                ]),
            ),
            ["a -> b -> a"],
        );
    });
});
