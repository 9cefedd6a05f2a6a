// The tests' temporary folders (test/tmp.ts): gone when the process ends, however it ends; never
// removed through a mount; and the only way a test makes one.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "fs";
import * as path from "path";
import { mountsUnder, tempDir } from "../tmp";

const ROOT = path.resolve(__dirname, "..", "..");
const TMP = path.join(ROOT, "test", "tmp.ts");

/** Runs `body` in a new node process that has test/tmp.ts loaded as `t`; its stdout ends with one JSON line. */
function child(body: string): { status: number | null; stderr: string; dirs: string[] } {
    const r = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "-e", `const t = require(${JSON.stringify(TMP)});\n${body}`],
        {
            cwd: ROOT,
            encoding: "utf8",
        },
    );
    const lines = r.stdout.trim().split("\n");
    return { status: r.status, stderr: r.stderr, dirs: JSON.parse(lines[lines.length - 1] || "[]") as string[] };
}

const MAKE = `const fs = require("fs");
const dirs = [t.tempDir("tmptest"), t.tempDir("tmptest-two")];
fs.mkdirSync(dirs[0] + "/deep/er", { recursive: true });
fs.writeFileSync(dirs[0] + "/deep/er/file", "x");
fs.writeFileSync(dirs[1] + "/file", "y");
console.log(JSON.stringify(dirs));`;

describe("test/tmp.ts: the tests' temporary folders", function () {
    this.timeout(60000);

    for (const [how, end, status] of [
        ["the process ends by itself", "", 0],
        ["it calls process.exit(3)", "process.exit(3);", 3],
        ["an error is thrown and never caught", "setImmediate(() => { throw new Error('boom'); });", 1],
    ] as const) {
        it(`removes every folder it made, with what is in it, when ${how}`, () => {
            const r = child(`${MAKE}\n${end}`);
            assert.strictEqual(r.status, status, r.stderr);
            assert.strictEqual(r.dirs.length, 2, r.stderr);
            for (const d of r.dirs) {
                assert.match(path.basename(d), /^hvnetlab-tmptest(-two)?-[A-Za-z0-9]{6}$/);
                assert.ok(!existsSync(d), `${d} is left behind`);
            }
        });
    }

    it("removes them after a mocha run whose test fails (mocha --exit)", () => {
        const r = spawnSync(
            path.join(ROOT, "node_modules", ".bin", "mocha"),
            ["--no-config", "--exit", "-r", "ts-node/register/transpile-only", path.join(ROOT, "test", "fixtures", "tmp-suite.ts")],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.strictEqual(r.status, 1, `one test fails: ${r.stdout}${r.stderr}`);
        const dirs = [...r.stdout.matchAll(/made (\S+)/g)].map((m) => m[1]);
        assert.strictEqual(dirs.length, 2, r.stdout);
        for (const d of dirs) assert.ok(!existsSync(d), `${d} is left behind`);
    });

    it("keeps a folder with something mounted in it, says so and fails the run", function () {
        if (process.getuid?.() !== 0) {
            console.log("      (skipped: mounting a tmpfs needs root)");
            return this.skip();
        }
        const r = child(`const fs = require("fs");
const { execFileSync } = require("child_process");
const d = t.tempDir("tmptest-mount");
fs.mkdirSync(d + "/m");
execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", d + "/m"]);
fs.writeFileSync(d + "/m/kept", "z");
console.log(JSON.stringify([d]));`);
        const [d] = r.dirs;
        try {
            assert.strictEqual(r.status, 1, r.stderr);
            assert.ok(d && readFileSync(path.join(d, "m", "kept"), "utf8") === "z", "what is mounted is not touched");
            assert.ok(r.stderr.includes(`${d}: kept, ${d}/m still mounted in it (unmount, then remove it)`), r.stderr);
        } finally {
            if (d) {
                spawnSync("umount", [path.join(d, "m")]);
                rmSync(d, { recursive: true, force: true });
            }
        }
    });

    it("reads mount points from mountinfo, octal escapes included, at or below the folder only", () => {
        const info = [
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
            "90 22 0:50 / /tmp/hvnetlab-a-1/m rw - tmpfs tmpfs rw",
            "91 22 0:51 / /tmp/hvnetlab-a-1/with\\040space rw - tmpfs tmpfs rw",
            "92 22 0:52 / /tmp/hvnetlab-a-10 rw - tmpfs tmpfs rw",
            "",
        ].join("\n");
        assert.deepStrictEqual(mountsUnder("/tmp/hvnetlab-a-1", info), ["/tmp/hvnetlab-a-1/m", "/tmp/hvnetlab-a-1/with space"]);
        assert.deepStrictEqual(mountsUnder("/tmp/hvnetlab-a-10", info), ["/tmp/hvnetlab-a-10"]);
        assert.deepStrictEqual(mountsUnder("/tmp/hvnetlab-b-1", info), []);
    });

    it("refuses a prefix that is not a plain name", () => {
        for (const bad of ["", "A", "x y", "../x", "x;rm", "-x"])
            assert.throws(() => tempDir(bad), /is not 1-41 lowercase letters, digits and '-'/);
    });

    it("is the only way a test makes a temporary folder or file", () => {
        const offenders: string[] = [];
        const walk = (dir: string): void => {
            for (const e of readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else if (p.endsWith(".ts") && p !== TMP && p !== __filename) {
                    readFileSync(p, "utf8")
                        .split("\n")
                        .forEach((line, i) => {
                            if (/\bmkdtemp|\bjoin\(\s*(os\.)?tmpdir\(\)/.test(line))
                                offenders.push(`${path.relative(ROOT, p)}:${i + 1}: ${line.trim()}`);
                        });
                }
            }
        };
        walk(path.join(ROOT, "test"));
        assert.deepStrictEqual(offenders, [], "make temporary folders with tempDir from test/tmp.ts");
    });
});
