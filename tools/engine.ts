// The Pulumi engine this project runs: the CLI, the Node.js language host and the command
// provider, built from the Go modules pinned under engine/ into a cache outside the repository,
// keyed by those pins; the environment every pulumi process gets; and the working project that
// keeps the committed Pulumi.yaml and stacks/ untouched by the CLI.
//
// `ts-node tools/engine.ts build` builds the cache (scripts/setup.sh calls it); `... where`
// prints the binaries' folder.
import { createHash } from "crypto";
import { spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import * as yaml from "js-yaml";
import { homedir } from "os";
import * as path from "path";
import { isSecureValue, listStacks, readProject } from "./stack-config";

export const ROOT = path.resolve(__dirname, "..");

/** The binaries the engine is made of; all must be found for the engine to be usable. */
export const ENGINE_BINARIES = [
    "pulumi",
    "pulumi-language-nodejs",
    "pulumi-resource-command",
    "pulumi-resource-libvirt",
    "pulumi-resource-vsphere",
] as const;

/** Resource plugins are installed into PULUMI_HOME (as the CLI installs downloaded ones), not put on PATH. */
const RESOURCE_PLUGINS: Record<string, string> = {
    "pulumi-resource-command": "1.2.1",
    "pulumi-resource-libvirt": "0.5.4",
    "pulumi-resource-vsphere": "4.17.0",
};

/** What is built, from which wrapper module under engine/, and how. */
interface EngineBuild {
    readonly binary: (typeof ENGINE_BINARIES)[number] | "actionlint" | "vcsim" | "govc";
    readonly module: string;
    readonly pkg: string;
    readonly ldflags: string;
    readonly why: string;
}

const CLI_VERSION = "v3.274.1";

const BUILDS: readonly EngineBuild[] = [
    {
        binary: "pulumi",
        module: "engine/pulumi",
        pkg: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
        ldflags: `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${CLI_VERSION}`,
        why: `the Pulumi CLI ${CLI_VERSION} (module github.com/pulumi/pulumi/pkg/v3)`,
    },
    {
        binary: "pulumi-language-nodejs",
        module: "engine/plugins",
        pkg: "./cmd/pulumi-language-nodejs",
        ldflags: `-s -w -X main.version=${CLI_VERSION}`,
        why: "the Node.js language host (engine/plugins, on github.com/pulumi/pulumi/sdk/v3)",
    },
    {
        binary: "pulumi-resource-command",
        module: "engine/plugins",
        pkg: "./cmd/pulumi-resource-command",
        ldflags: `-s -w -X main.version=${RESOURCE_PLUGINS["pulumi-resource-command"]}`,
        why: "the command provider for @pulumi/command 1.2.1 (engine/plugins)",
    },
    {
        binary: "pulumi-resource-libvirt",
        module: "engine/plugins",
        pkg: "./cmd/pulumi-resource-libvirt",
        ldflags: `-s -w -X main.version=${RESOURCE_PLUGINS["pulumi-resource-libvirt"]}`,
        why: "the libvirt provider for the kvm and xen stacks' @pulumi/libvirt 0.5.4 resources (engine/plugins, on go-libvirt)",
    },
    {
        binary: "pulumi-resource-vsphere",
        module: "engine/plugins",
        pkg: "./cmd/pulumi-resource-vsphere",
        ldflags: `-s -w -X main.version=${RESOURCE_PLUGINS["pulumi-resource-vsphere"]}`,
        why: "the vSphere provider for the esx stack's @pulumi/vsphere 4.17.0 resources (engine/plugins, on govmomi)",
    },
    {
        binary: "vcsim",
        module: "engine/tools",
        pkg: "github.com/vmware/govmomi/vcsim",
        ldflags: "-s -w",
        why: "vcsim (govmomi v0.46.3), the vCenter simulator of npm run lab:vcsim (engine/tools)",
    },
    {
        binary: "govc",
        module: "engine/tools",
        pkg: "github.com/vmware/govmomi/govc",
        ldflags: "-s -w",
        why: "govc (govmomi v0.46.3), with which npm run lab:vcsim reads the simulator's inventory back (engine/tools)",
    },
    {
        binary: "actionlint",
        module: "engine/tools",
        pkg: "github.com/rhysd/actionlint/cmd/actionlint",
        ldflags: "-s -w",
        why: "actionlint v1.7.12, which the tests run on the workflow files (engine/tools)",
    },
];

export class EngineError extends Error {
    readonly name = "EngineError";
}

/** The files that pin the engine: every go.mod, go.sum and Go source (not tests) under engine/. */
function pinnedFiles(root: string): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(p);
            else if (/^(go\.mod|go\.sum)$|\.go$/.test(entry.name) && !entry.name.endsWith("_test.go")) out.push(p);
        }
    };
    walk(path.join(root, "engine"));
    return out;
}

/** A short hash of the pins: a change to any of them builds a new cache entry. */
export function engineKey(root = ROOT): string {
    const h = createHash("sha256");
    for (const f of pinnedFiles(root)) {
        h.update(path.relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
    }
    return h.digest("hex").slice(0, 16);
}

/** Where built engines are kept: $HVNETLAB_CACHE, else $XDG_CACHE_HOME/hvnetlab, else ~/.cache/hvnetlab. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
    if (env.HVNETLAB_CACHE) return path.resolve(env.HVNETLAB_CACHE);
    return path.join(env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(homedir(), ".cache"), "hvnetlab");
}

/** The folder holding this checkout's engine binaries. */
export function engineBinDir(root = ROOT, env: NodeJS.ProcessEnv = process.env): string {
    return path.join(cacheRoot(env), "engine", engineKey(root), "bin");
}

/** Where a built binary lives: the CLI and language host in bin/, resource plugins beside it in plugins/. */
export function builtPath(bin: string, binary: string): string {
    return binary in RESOURCE_PLUGINS ? path.join(path.dirname(bin), "plugins", binary) : path.join(bin, binary);
}

/** Where a binary is on env's PATH, or undefined. */
export function onPath(binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        const p = path.join(dir, binary);
        try {
            if (statSync(p).isFile()) return p;
        } catch {
            /* not there */
        }
    }
    return undefined;
}

/**
 * The folder to put first on PATH: the built cache if it is complete, else none when every
 * binary is already on PATH. Throws, saying how to get the engine, when neither holds.
 */
export function locateEngine(root = ROOT, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const bin = engineBinDir(root, env);
    if (ENGINE_BINARIES.every((b) => existsSync(builtPath(bin, b)))) return bin;
    const missing = ENGINE_BINARIES.filter((b) => !onPath(b, env));
    if (missing.length === 0) return undefined;
    throw new EngineError(
        `the Pulumi engine is not built (no ${missing.join(", ")} in ${bin} or on PATH): ` +
            "run `bash scripts/setup.sh` (it builds the engine from Go modules, several minutes the first time), " +
            "or run the lab without the engine: `npm run lab:offline`",
    );
}

/** The working project: a copy of Pulumi.yaml whose program is this checkout, with its own stack files. */
export function workingProjectDir(workDir: string): string {
    return path.join(workDir, "project");
}

/**
 * The environment of every pulumi process: the engine first on PATH, a file backend, a
 * PULUMI_HOME of the working folder's own with the built resource plugins installed in it, no
 * update check, no plugin downloads (a missing plugin fails at once, by name).
 */
export function engineEnv(opts: { root?: string; workDir: string; env?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
    const env = { ...(opts.env ?? process.env) };
    const bin = locateEngine(opts.root ?? ROOT, env);
    if (bin) env.PATH = `${bin}${path.delimiter}${env.PATH ?? ""}`;
    env.PULUMI_BACKEND_URL ??= `file://${path.join(opts.workDir, "state")}`;
    if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) env.PULUMI_CONFIG_PASSPHRASE = "";
    env.PULUMI_SKIP_UPDATE_CHECK = "true";
    env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
    env.PULUMI_HOME ??= path.join(opts.workDir, "home");
    mkdirSync(path.join(opts.workDir, "state"), { recursive: true });
    if (bin) installPlugins(bin, env);
    return env;
}

/** Installs each built resource plugin into PULUMI_HOME where it is missing or differs from the build. */
function installPlugins(bin: string, env: NodeJS.ProcessEnv): void {
    for (const [binary, version] of Object.entries(RESOURCE_PLUGINS)) {
        const built = builtPath(bin, binary);
        const name = binary.replace(/^pulumi-resource-/, "");
        const installed = path.join(env.PULUMI_HOME!, "plugins", `resource-${name}-v${version}`, binary);
        if (existsSync(installed) && readFileSync(installed).equals(readFileSync(built))) continue;
        const r = spawnSync("pulumi", ["plugin", "install", "resource", name, `v${version}`, "--file", built, "--reinstall"], {
            env,
            encoding: "utf8",
        });
        if (r.status !== 0)
            throw new EngineError(
                `cannot install the ${name} plugin into ${env.PULUMI_HOME}: ${(r.stderr || r.stdout || String(r.error)).trim()}`,
            );
    }
}

type StackFile = { config?: Record<string, unknown>; encryptionsalt?: string; [key: string]: unknown };

function readYaml<T>(file: string): T | undefined {
    return existsSync(file) ? ((yaml.load(readFileSync(file, "utf8")) ?? {}) as T) : undefined;
}

/**
 * The working copy of a stack file: the committed file's config, plus what only the working
 * copy holds (its encryption salt and the secrets set through the CLI), so that the committed
 * file stays the definition and the CLI never rewrites it.
 */
export function mergeStackFile(committed: StackFile, working: StackFile | undefined): StackFile {
    const merged: StackFile = { ...committed, config: { ...(committed.config ?? {}) } };
    if (!working) return merged;
    const sameSalt = !committed.encryptionsalt || committed.encryptionsalt === working.encryptionsalt;
    if (!committed.encryptionsalt && working.encryptionsalt) merged.encryptionsalt = working.encryptionsalt;
    if (sameSalt) {
        for (const [k, v] of Object.entries(working.config ?? {})) {
            if (isSecureValue(v) && !(k in merged.config!)) merged.config![k] = v;
        }
    }
    return merged;
}

/**
 * Writes the working project under workDir: Pulumi.yaml with `main` pointing at this checkout,
 * and for each committed stack file its working copy (refreshed from the committed one when
 * `refresh` is set, else only created where missing). Returns the project folder.
 */
export function prepareWorkingProject(opts: { root?: string; workDir: string; refresh: boolean }): string {
    const root = opts.root ?? ROOT;
    const dir = workingProjectDir(opts.workDir);
    const project = readProject(root);
    const committedStacks = path.join(root, project.stackConfigDir ?? ".");
    mkdirSync(path.join(dir, "stacks"), { recursive: true });
    const working = { ...project, main: root, stackConfigDir: "stacks" };
    writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        `# Generated from ${path.join(root, "Pulumi.yaml")}: edit that one.\n${yaml.dump(working, { lineWidth: 200 })}`,
    );
    for (const f of listStacks(root).map((stack) => `Pulumi.${stack}.yaml`)) {
        const target = path.join(dir, "stacks", f);
        if (!opts.refresh && existsSync(target)) continue;
        const merged = mergeStackFile(readYaml<StackFile>(path.join(committedStacks, f)) ?? {}, readYaml<StackFile>(target));
        writeFileSync(target, yaml.dump(merged, { lineWidth: 200 }));
    }
    return dir;
}

export interface PulumiRun {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/**
 * Runs the pulumi CLI in the working project. Output is captured, and also shown when `show` is
 * set; with `interactive` the CLI has this terminal instead (prompts work, nothing is captured).
 */
export function runPulumi(
    args: readonly string[],
    opts: {
        workDir: string;
        env: NodeJS.ProcessEnv;
        show?: boolean;
        interactive?: boolean;
        onOutput?: (text: string) => void;
        signal?: AbortSignal;
    },
): Promise<PulumiRun> {
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", ["--cwd", workingProjectDir(opts.workDir), ...args], {
            env: opts.env,
            stdio: opts.interactive ? "inherit" : ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (d: Buffer) => {
            stdout += d;
            if (opts.show) process.stdout.write(d);
            opts.onOutput?.(d.toString());
        });
        child.stderr?.on("data", (d: Buffer) => {
            stderr += d;
            if (opts.show) process.stderr.write(d);
            opts.onOutput?.(d.toString());
        });
        opts.signal?.addEventListener("abort", () => child.kill("SIGINT"), { once: true });
        child.on("error", (e) => reject(new EngineError(`cannot run pulumi: ${e.message}`)));
        child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
}

/**
 * Sets one config value of a stack in the working project: a secret through stdin, so it is on no
 * command line; `path` for a value inside a structured key (block.field).
 */
export function setStackConfig(
    stack: string,
    key: string,
    value: string,
    opts: { workDir: string; env: NodeJS.ProcessEnv; secret?: boolean; path?: boolean },
): void {
    const flags = [...(opts.secret ? ["--secret"] : []), ...(opts.path ? ["--path"] : [])];
    const args = ["--cwd", workingProjectDir(opts.workDir), "config", "set", "--stack", stack, ...flags, key];
    const r = spawnSync("pulumi", opts.secret ? args : [...args, "--", value], {
        env: opts.env,
        encoding: "utf8",
        ...(opts.secret ? { input: value } : {}),
    });
    if (r.status !== 0) throw new EngineError(`pulumi config set ${key} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
}

/** Selects the stack, creating it on first use. */
export async function selectStack(stack: string, opts: { workDir: string; env: NodeJS.ProcessEnv }): Promise<void> {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new EngineError(`invalid stack name '${stack}'`);
    const r = await runPulumi(["stack", "select", "--create", stack, "--non-interactive"], opts);
    if (r.code !== 0) throw new EngineError(`cannot select or create stack '${stack}': ${(r.stderr || r.stdout).trim()}`);
}

function goVersionOk(): string | undefined {
    const r = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
    if (r.error || r.status !== 0) return "Go is not installed (no `go` on PATH); install Go 1.26.6 or newer";
    const m = /^go(\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout.trim());
    if (!m) return `cannot read the Go version from '${r.stdout.trim()}'`;
    const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
    if (maj > 1 || min > 26 || (min === 26 && patch >= 6)) return undefined;
    return `Go ${r.stdout.trim()} is too old: the pinned Pulumi modules need Go 1.26.6 or newer`;
}

/** Runs one go command in a module folder; on failure names what was being built and go's reason. */
function go(args: string[], cwd: string, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn("go", args, { cwd, stdio: ["ignore", "inherit", "pipe"], env: { ...process.env, GOFLAGS: "-mod=readonly" } });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => {
            stderr += d;
            process.stderr.write(d);
        });
        child.on("error", (e) => reject(new EngineError(`cannot run go: ${e.message}`)));
        child.on("close", (code) => {
            if (code === 0) return resolve();
            const notServed = /(\S+@\S+): .*(?:403|404|410)[^\n]*/.exec(stderr);
            reject(
                new EngineError(
                    notServed
                        ? `cannot build ${what}: the Go module proxy does not serve ${notServed[1]}`
                        : `cannot build ${what}: \`go ${args.join(" ")}\` in ${path.relative(ROOT, cwd)} failed (exit ${code}); see go's message above`,
                ),
            );
        });
    });
}

/** Builds every binary into a fresh folder and moves it into the cache whole. */
export async function buildEngine(root = ROOT, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
    const bin = engineBinDir(root);
    if (BUILDS.every((b) => existsSync(builtPath(bin, b.binary)))) {
        log(`engine: already built for pins ${engineKey(root)} in ${bin}`);
        return bin;
    }
    const tooOld = goVersionOk();
    if (tooOld) throw new EngineError(`cannot build the Pulumi engine: ${tooOld}`);
    const entry = path.dirname(bin);
    const staging = `${entry}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const started = Date.now();
    try {
        for (const b of BUILDS) {
            const t = Date.now();
            log(`engine: building ${b.why} ...`);
            const cwd = path.join(root, b.module);
            await go(["mod", "download"], cwd, b.why);
            const out = builtPath(path.join(staging, "bin"), b.binary);
            await go(["build", "-trimpath", "-ldflags", b.ldflags, "-o", out, b.pkg], cwd, b.why);
            log(`engine: ${b.binary} built in ${((Date.now() - t) / 1000).toFixed(0)} s`);
        }
        rmSync(entry, { recursive: true, force: true });
        renameSync(staging, entry);
    } finally {
        rmSync(staging, { recursive: true, force: true });
    }
    // Engines built for other pins are not used by this checkout any more: a rebuild with Go's
    // caches warm takes seconds, so they are not worth their 150 MB each.
    for (const other of readdirSync(path.dirname(entry))) {
        if (other === path.basename(entry) || other.includes(".partial-")) continue;
        rmSync(path.join(path.dirname(entry), other), { recursive: true, force: true });
        log(`engine: removed ${other}, built for other pins`);
    }
    log(`engine: built in ${((Date.now() - started) / 1000).toFixed(0)} s into ${bin}`);
    return bin;
}

if (require.main === module) {
    const [cmd] = process.argv.slice(2);
    const main = async () => {
        switch (cmd) {
            case "build": {
                const missing = ENGINE_BINARIES.filter((b) => !onPath(b, process.env));
                if (missing.length === 0 && !existsSync(engineBinDir())) {
                    process.stderr.write(`engine: using ${ENGINE_BINARIES.map((b) => onPath(b, process.env)).join(", ")} from PATH\n`);
                    return;
                }
                await buildEngine();
                return;
            }
            case "where":
                process.stdout.write(`${locateEngine() ?? "(PATH)"}\n`);
                return;
            default:
                throw new EngineError("usage: ts-node tools/engine.ts build|where");
        }
    };
    main().catch((e: Error) => {
        process.stderr.write(`hvnetlab: ${e.message}\n`);
        process.exit(e instanceof EngineError ? 2 : 1);
    });
}
