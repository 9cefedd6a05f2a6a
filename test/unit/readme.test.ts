// The README and docs/ hold together: every relative link points to a file that exists (and an
// anchor to a heading of that file, as GitHub names headings), every `npm run X` they name is a
// script of package.json, and the README stays short enough to read in five minutes.
import * as assert from "assert";
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

/** The README's longest length, in lines (issue 20: read in five minutes). */
const README_MAX_LINES = 200;

/** The Markdown files checked: README.md and every docs/*.md, as paths relative to the project. */
function markdownFiles(): string[] {
    const docs = readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => path.join("docs", f));
    return ["README.md", ...docs.sort()];
}

/** Markdown text without fenced code blocks and inline code spans, where a link is not a link. */
export function proseOf(markdown: string): string {
    return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "code");
}

/**
 * The anchor GitHub gives a heading: lower case, punctuation (anything but letters, digits,
 * spaces, hyphens and underscores) removed, spaces made hyphens; a repeated anchor gets -1, -2, ...
 */
export function headingAnchors(markdown: string): Set<string> {
    const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
    const seen = new Map<string, number>();
    const anchors = new Set<string>();
    for (const m of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
        const base = m[1]
            .toLowerCase()
            .replace(/[^\p{L}\p{N} _-]/gu, "")
            .replace(/ /g, "-");
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    return anchors;
}

/** The targets of a Markdown file's links and images that are relative (not a URL or mail address). */
export function relativeLinks(markdown: string): string[] {
    const targets = [...proseOf(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
    return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/**
 * What is wrong with the relative links of `file` (a path relative to the project): a target
 * that does not exist, or an anchor that names no heading of the Markdown file it points to.
 * `read` returns a project file's text, or undefined where there is none.
 */
export function linkProblems(file: string, markdown: string, read: (rel: string) => string | undefined): string[] {
    const problems: string[] = [];
    for (const target of relativeLinks(markdown)) {
        const [pathPart, anchor] = target.split("#", 2);
        const rel = pathPart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(pathPart)));
        const text = read(rel);
        if (text === undefined) {
            problems.push(`${file}: the link ${target} points to ${rel}, which does not exist`);
            continue;
        }
        if (anchor !== undefined && rel.endsWith(".md") && !headingAnchors(text).has(anchor)) {
            problems.push(`${file}: the link ${target} names the anchor #${anchor}, which no heading of ${rel} has`);
        }
    }
    return problems;
}

/** The npm scripts a text names as `npm run X` (also `npm run -s X`) or `npm test`. */
export function npmScripts(markdown: string): string[] {
    const named = [...markdown.matchAll(/\bnpm\s+run\s+(?:-s\s+)?([A-Za-z][\w:.-]*)/g)].map((m) => m[1]);
    if (/\bnpm\s+test\b/.test(markdown)) named.push("test");
    return [...new Set(named)];
}

/** The scripts `file` names that package.json does not declare. */
export function scriptProblems(file: string, markdown: string, scripts: Record<string, string>): string[] {
    return npmScripts(markdown)
        .filter((s) => !Object.prototype.hasOwnProperty.call(scripts, s))
        .map((s) => `${file}: npm run ${s} is not a script of package.json`);
}

function readProjectFile(rel: string): string | undefined {
    const p = path.join(ROOT, rel);
    if (!existsSync(p)) return undefined;
    return rel.endsWith(".md") ? readFileSync(p, "utf8") : "";
}

describe("README and docs", () => {
    const files = markdownFiles();
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

    it("the README is under 200 lines and links to docs/", () => {
        const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
        const lines = readme.split("\n").length;
        assert.ok(lines < README_MAX_LINES, `README.md has ${lines} lines, not under ${README_MAX_LINES}`);
        assert.ok(files.length > 1, "docs/ holds no Markdown file");
        const linked = new Set(relativeLinks(readme).map((t) => t.split("#")[0]));
        const unlinked = files.filter((f) => f !== "README.md" && !linked.has(f));
        assert.deepStrictEqual(unlinked, [], "every docs/*.md is linked from the README");
    });

    it("every relative link points to a file that exists, and every anchor to a heading", () => {
        let checked = 0;
        const problems = files.flatMap((f) => {
            const text = readFileSync(path.join(ROOT, f), "utf8");
            checked += relativeLinks(text).length;
            return linkProblems(f, text, readProjectFile);
        });
        assert.ok(checked > 20, `only ${checked} links found: the link reader finds nothing`);
        assert.deepStrictEqual(problems, []);
    });

    it("every npm run the README and docs name is a script of package.json", () => {
        let named = 0;
        const problems = files.flatMap((f) => {
            const text = readFileSync(path.join(ROOT, f), "utf8");
            named += npmScripts(text).length;
            return scriptProblems(f, text, scripts);
        });
        assert.ok(named > 10, `only ${named} npm scripts found: the script reader finds nothing`);
        assert.deepStrictEqual(problems, []);
    });

    describe("the checks find what is wrong", () => {
        const tree: Record<string, string> = {
            "README.md": "# hvnetlab\n\n## Quick start (fresh Debian 12, as root)\n",
            "docs/labs.md": "# Labs\n\n## The kvm lab on this machine (`npm run lab:qemu`)\n\n## Notes\n\n## Notes\n",
            "docs/chart.svg": "",
        };
        const read = (rel: string) => tree[rel];

        it("a link to a missing file, or to a heading that is not there", () => {
            const text = [
                "[ok](labs.md#the-kvm-lab-on-this-machine-npm-run-labqemu) [ok](labs.md#notes-1) ![c](chart.svg)",
                "[same file](#labs) [url](https://example.org/x.md) `[in code](nowhere.md)`",
                "[missing](stacks.md) [bad anchor](labs.md#the-kvm-lab) [up](../README.md#quick-start-fresh-debian-12-as-root)",
                "```",
                "[in a fence](fenced.md)",
                "```",
            ].join("\n");
            assert.deepStrictEqual(linkProblems("docs/labs.md", `# Labs\n${text}`, read), [
                "docs/labs.md: the link stacks.md points to docs/stacks.md, which does not exist",
                "docs/labs.md: the link labs.md#the-kvm-lab names the anchor #the-kvm-lab, which no heading of docs/labs.md has",
            ]);
        });

        it("a script that package.json does not declare", () => {
            const text = "`npm run lab -- --stack kvm`, `npm run lab:qemu`, npm test, and `npm run lab:xen -- --keep`";
            assert.deepStrictEqual(npmScripts(text), ["lab", "lab:qemu", "lab:xen", "test"]);
            assert.deepStrictEqual(scriptProblems("README.md", text, { lab: "x", "lab:qemu": "x", test: "x" }), [
                "README.md: npm run lab:xen is not a script of package.json",
            ]);
        });
    });
});
