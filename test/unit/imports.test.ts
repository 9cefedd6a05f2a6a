// The import graph of the project's own modules: acyclic (runtime imports; `import type` is
// erased), and one-way: benchmarks/ (the runner and the comparison) loads neither components/,
// tools/, nor Pulumi.
import * as assert from "assert";
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const DIRS = ["components", "model", "runner", "analysis", "cli", "tools"];

function sources(): string[] {
    const out = [path.join(ROOT, "index.ts")];
    const walk = (dir: string) => {
        for (const f of readdirSync(dir)) {
            const p = path.join(dir, f);
            if (statSync(p).isDirectory()) walk(p);
            else if (f.endsWith(".ts") && !f.endsWith(".d.ts")) out.push(p);
        }
    };
    for (const d of DIRS) walk(path.join(ROOT, d));
    return out;
}

/** The modules a file loads at run time: `import ... from "x"` and `require("x")`, not `import type`. */
export function runtimeImports(text: string): string[] {
    const specs: string[] = [];
    const re = /^\s*import\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|require\(\s*["']([^"']+)["']\s*\)/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[1]) continue;
        specs.push(m[2] ?? m[3] ?? m[4]);
    }
    return specs;
}

function resolveLocal(from: string, spec: string): string | undefined {
    if (!spec.startsWith(".")) return undefined;
    const base = path.resolve(path.dirname(from), spec);
    for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) if (existsSync(candidate)) return candidate;
    return undefined;
}

describe("the import graph", () => {
    const files = sources();
    const graph = new Map(files.map((f) => [f, runtimeImports(readFileSync(f, "utf8"))]));

    it("reads runtime imports and leaves type-only ones out", () => {
        assert.deepStrictEqual(
            runtimeImports(
                `import type { A } from "./a";\nimport { B } from "./b";\nimport * as c from "c";\nimport "./d";\nconst e = require("./e");`,
            ),
            ["./b", "c", "./d", "./e"],
        );
    });

    it("has no cycle among the project's modules", () => {
        const state = new Map<string, "visiting" | "done">();
        const cycles: string[] = [];
        const visit = (f: string, trail: string[]) => {
            if (state.get(f) === "done") return;
            if (state.get(f) === "visiting") {
                cycles.push([...trail.slice(trail.indexOf(f)), f].map((p) => path.relative(ROOT, p)).join(" -> "));
                return;
            }
            state.set(f, "visiting");
            for (const spec of graph.get(f) ?? []) {
                const to = resolveLocal(f, spec);
                if (to && graph.has(to)) visit(to, [...trail, f]);
            }
            state.set(f, "done");
        };
        for (const f of files) visit(f, []);
        assert.deepStrictEqual(cycles, []);
    });

    it("keeps benchmarks/ free of components/, tools/ and Pulumi", () => {
        const bad: string[] = [];
        for (const [f, specs] of graph) {
            if (!path.relative(ROOT, f).match(/^(model|runner|analysis|cli)\//)) continue;
            for (const spec of specs) {
                const to = resolveLocal(f, spec);
                const inside = to ? path.relative(ROOT, to) : spec;
                if (
                    spec.startsWith("@pulumi/") ||
                    /^(components|tools)\//.test(inside.split(path.sep).join("/")) ||
                    inside === "index.ts"
                ) {
                    bad.push(`${path.relative(ROOT, f)} imports ${spec}`);
                }
            }
        }
        assert.deepStrictEqual(bad, []);
    });
});
