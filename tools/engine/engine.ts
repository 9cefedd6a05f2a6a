// The Pulumi engine this project runs: the official Pulumi CLI and provider plugins where they
// can be had, else the CLI, the Node.js language host and the providers built from the Go modules
// pinned under engine/ into a cache outside the repository, keyed by those pins (the choice:
// engine-choice.ts); the environment every pulumi process gets; and the working project that
// keeps the committed Pulumi.yaml and stacks/ untouched by the CLI.
//
// `ts-node tools/engine/engine.ts build` chooses, installs the official plugins it can and builds the
// rest (scripts/setup.sh calls it); `... choose` only chooses and installs (nothing is built);
// `... where` prints the built binaries' folder.
import { createHash } from "crypto";
import { spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import * as yaml from "js-yaml";
import { homedir } from "os";
import * as path from "path";
import { ENGINE_RECORD_VAR } from "../../components";
import type { EngineRecord } from "../../model";
import type { EngineChoice, EnginePlan, EngineProbe, PluginInstall } from "./engine-choice";
import { chooseEngine, CLI_VERSION, engineRecord, parsePlan, PROVIDERS } from "./engine-choice";
import { isSecureValue, listStacks, readProject } from "./stack-config";

export const ROOT = path.resolve(__dirname, "..", "..");

/** The binaries the engine is made of; all must be found for the engine to be usable. */
export const ENGINE_BINARIES = [
    "pulumi",
    "pulumi-language-nodejs",
    "pulumi-resource-command",
    "pulumi-resource-libvirt",
    "pulumi-resource-vsphere",
] as const;

/** Resource plugins are installed into PULUMI_HOME (as the CLI installs downloaded ones), not put on PATH. */
const RESOURCE_PLUGINS: Record<string, string> = Object.fromEntries(
    Object.entries(PROVIDERS).map(([name, version]) => [`pulumi-resource-${name}`, version]),
);

/** What is built, from which wrapper module under engine/, and how. */
interface EngineBuild {
    readonly binary: (typeof ENGINE_BINARIES)[number] | "actionlint" | "vcsim" | "govc";
    readonly module: string;
    readonly pkg: string;
    readonly ldflags: string;
    readonly why: string;
}

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

/** Where setup keeps its choice: beside the built engines, for every checkout on the machine. */
export function planFile(env: NodeJS.ProcessEnv = process.env): string {
    return path.join(cacheRoot(env), "engine-plan.json");
}

/** The plan setup chose (engine-choice.ts), or undefined where setup has not chosen yet. */
export function readPlan(env: NodeJS.ProcessEnv = process.env): EnginePlan | undefined {
    const file = planFile(env);
    return existsSync(file) ? parsePlan(readFileSync(file, "utf8")) : undefined;
}

/** The `pulumi` on PATH that is not one built here (an installed, official CLI), or undefined. */
export function officialCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const builtRoot = path.join(cacheRoot(env), "engine") + path.sep;
    const dirs = (env.PATH ?? "").split(path.delimiter).filter((d) => d && !path.resolve(d).startsWith(builtRoot));
    return onPath("pulumi", { PATH: dirs.join(path.delimiter) });
}

/** The PULUMI_HOME of the labs (`npm run lab` and the lab:* commands): $PULUMI_HOME, else .pulumi/home of the checkout. */
export function labsHome(root = ROOT, env: NodeJS.ProcessEnv = process.env): string {
    return env.PULUMI_HOME ?? path.join(root, ".pulumi", "home");
}

/** How the engine is run: what goes on PATH, which stand-ins go into PULUMI_HOME, and what it records. */
interface EngineRun {
    /** Put first on PATH: the built CLI and language host (and tools). */
    readonly first?: string;
    /** Put last on PATH: the tools built beside an official CLI (vcsim, govc, actionlint), which must not shadow it. */
    readonly last?: string;
    /** Each provider: its built stand-in to install into PULUMI_HOME, or undefined where the official plugin is used. */
    readonly standIns: Record<string, string | undefined>;
    readonly acquisition: boolean;
    readonly record: EngineRecord;
}

const SETUP_HINT =
    "run `bash scripts/setup.sh` (it uses the Pulumi CLI on PATH and the official plugins where they can be had, " +
    "and builds from Go modules what cannot, several minutes the first time), or run the lab without the engine: `npm run lab:offline`";

/** The engine to run: setup's plan with the official CLI, else the complete built engine; throws saying how to get one. */
function resolveEngine(root: string, env: NodeJS.ProcessEnv): EngineRun {
    const bin = engineBinDir(root, env);
    const plan = readPlan(env);
    if (plan?.cli.source === "official") {
        if (!officialCli(env))
            throw new EngineError(
                `setup chose the Pulumi CLI at ${plan.cli.path}, but there is no pulumi on PATH now: put it back on PATH, or ${SETUP_HINT}`,
            );
        const standIns: Record<string, string | undefined> = {};
        for (const [name, p] of Object.entries(plan.providers)) {
            const built = builtPath(bin, `pulumi-resource-${name}`);
            if (p.source === "built" && !existsSync(built))
                throw new EngineError(`the stand-in for the ${name} plugin is not built for these pins (no ${built}): ${SETUP_HINT}`);
            standIns[name] = p.source === "built" ? built : undefined;
        }
        return { ...(existsSync(bin) ? { last: bin } : {}), standIns, acquisition: plan.acquisition, record: engineRecord(plan) };
    }
    if (ENGINE_BINARIES.every((b) => existsSync(builtPath(bin, b)))) {
        const built = chooseEngine({ installs: [] }).plan!;
        return {
            first: bin,
            standIns: Object.fromEntries(Object.keys(PROVIDERS).map((name) => [name, builtPath(bin, `pulumi-resource-${name}`)])),
            acquisition: false,
            record: engineRecord(built),
        };
    }
    const missing = ENGINE_BINARIES.filter((b) => !existsSync(builtPath(bin, b)));
    throw new EngineError(
        `the Pulumi engine is not set up: no ${missing.join(", ")} built for these pins in ${bin}` +
            `${plan ? "" : ", and setup has not chosen an official Pulumi CLI"}: ${SETUP_HINT}`,
    );
}

/**
 * The folder of the built engine to put first on PATH when the engine is the one built here;
 * undefined where setup chose the official CLI on PATH. Throws, saying how to get an engine,
 * when there is none.
 */
export function locateEngine(root = ROOT, env: NodeJS.ProcessEnv = process.env): string | undefined {
    return resolveEngine(root, env).first;
}

/** The working project: a copy of Pulumi.yaml whose program is this checkout, with its own stack files. */
export function workingProjectDir(workDir: string): string {
    return path.join(workDir, "project");
}

/**
 * The environment of every pulumi process: the built engine first on PATH where it is the one
 * built here, a file backend, a PULUMI_HOME of the working folder's own with the built stand-ins
 * installed in it under the official plugins' names (and none where the official plugin is used),
 * no update check, plugin downloads only where setup chose an official plugin (else a missing
 * plugin fails at once, by name), and the record of what makes the lab for the program
 * (HVNETLAB_ENGINE: the `lab` output's `engine`).
 */
export function engineEnv(opts: { root?: string; workDir: string; env?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
    const env = { ...(opts.env ?? process.env) };
    const run = resolveEngine(opts.root ?? ROOT, env);
    if (run.first) env.PATH = `${run.first}${path.delimiter}${env.PATH ?? ""}`;
    if (run.last) env.PATH = `${env.PATH ?? ""}${path.delimiter}${run.last}`;
    env.PULUMI_BACKEND_URL ??= `file://${path.join(opts.workDir, "state")}`;
    if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) env.PULUMI_CONFIG_PASSPHRASE = "";
    env.PULUMI_SKIP_UPDATE_CHECK = "true";
    if (!run.acquisition) env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
    env.PULUMI_HOME ??= path.join(opts.workDir, "home");
    mkdirSync(path.join(opts.workDir, "state"), { recursive: true });
    installPlugins(run.standIns, env);
    env[ENGINE_RECORD_VAR] = JSON.stringify(run.record);
    return env;
}

/** What marks a plugin folder of PULUMI_HOME as holding this project's stand-in, not the official plugin. */
export const STAND_IN_MARK = "hvnetlab-stand-in";

/** A plugin's folder in PULUMI_HOME, as the CLI installs it. */
function pluginDir(home: string, name: string, version: string): string {
    return path.join(home, "plugins", `resource-${name}-v${version}`);
}

/**
 * Whether PULUMI_HOME holds this project's stand-in for a plugin: its folder is marked, or (from
 * before the mark) its binary is the one built here.
 */
export function standInInstalled(home: string, name: string, version: string, built?: string): boolean {
    const dir = pluginDir(home, name, version);
    if (existsSync(path.join(dir, STAND_IN_MARK))) return true;
    const installed = path.join(dir, `pulumi-resource-${name}`);
    return built !== undefined && existsSync(built) && existsSync(installed) && readFileSync(installed).equals(readFileSync(built));
}

/** Removes a stand-in from PULUMI_HOME, so that the official plugin is installed or fetched in its place. */
function removeStandIn(home: string, name: string, version: string): void {
    const dir = pluginDir(home, name, version);
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.lock`, { force: true });
}

/**
 * Installs each stand-in into PULUMI_HOME under its plugin's name where it is missing or differs
 * from the build, and marks it; takes a stand-in out where the official plugin is to be used.
 */
function installPlugins(standIns: Record<string, string | undefined>, env: NodeJS.ProcessEnv): void {
    const home = env.PULUMI_HOME!;
    for (const [name, built] of Object.entries(standIns)) {
        const version = PROVIDERS[name];
        const dir = pluginDir(home, name, version);
        if (built === undefined) {
            if (standInInstalled(home, name, version)) removeStandIn(home, name, version);
            continue;
        }
        const installed = path.join(dir, `pulumi-resource-${name}`);
        if (!(existsSync(installed) && readFileSync(installed).equals(readFileSync(built)))) {
            const r = spawnSync("pulumi", ["plugin", "install", "resource", name, `v${version}`, "--file", built, "--reinstall"], {
                env,
                encoding: "utf8",
            });
            if (r.status !== 0)
                throw new EngineError(
                    `cannot install the ${name} plugin into ${home}: ${(r.stderr || r.stdout || String(r.error)).trim()}`,
                );
        }
        if (!existsSync(path.join(dir, STAND_IN_MARK)))
            writeFileSync(
                path.join(dir, STAND_IN_MARK),
                `this project's ${name} provider (engine/plugins), built here: a stand-in for the official ${version}\n`,
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

function goVersionOk(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const r = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8", env });
    if (r.error || r.status !== 0) return "Go is not installed (no `go` on PATH); install Go 1.26.6 or newer";
    const m = /^go(\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout.trim());
    if (!m) return `cannot read the Go version from '${r.stdout.trim()}'`;
    const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
    if (maj > 1 || min > 26 || (min === 26 && patch >= 6)) return undefined;
    return `Go ${r.stdout.trim()} is too old: the pinned Pulumi modules need Go 1.26.6 or newer`;
}

/** How long one official plugin's download may take before setup takes the stand-in instead. */
const PLUGIN_INSTALL_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * What setup finds: the `pulumi` on PATH (not one built here) and its version; with it, each
 * official plugin installed (`pulumi plugin install resource NAME VERSION`) into `home`, the
 * PULUMI_HOME of the labs, where a stand-in installed there before is taken out first; and
 * whether Go can build.
 */
export function probeEngine(opts: { root?: string; env?: NodeJS.ProcessEnv; home: string }): EngineProbe {
    const env = opts.env ?? process.env;
    const bin = engineBinDir(opts.root ?? ROOT, env);
    const noGo = goVersionOk(env);
    const cli = officialCli(env);
    if (!cli) return { noCli: "no pulumi on PATH", installs: [], ...(noGo ? { noGo } : {}) };
    const cliEnv = { ...env, PULUMI_HOME: opts.home, PULUMI_SKIP_UPDATE_CHECK: "true" };
    const v = spawnSync(cli, ["version"], { env: cliEnv, encoding: "utf8", timeout: 60000 });
    if (v.status !== 0)
        return {
            noCli: `${cli} version failed: ${(v.stderr || v.stdout || String(v.error)).trim().split("\n")[0]}`,
            installs: [],
            ...(noGo ? { noGo } : {}),
        };
    const installs: PluginInstall[] = Object.entries(PROVIDERS).map(([name, version]) => {
        if (standInInstalled(opts.home, name, version, builtPath(bin, `pulumi-resource-${name}`))) removeStandIn(opts.home, name, version);
        const r = spawnSync(cli, ["plugin", "install", "resource", name, version], {
            env: cliEnv,
            encoding: "utf8",
            timeout: PLUGIN_INSTALL_TIMEOUT_MS,
        });
        const output = `${r.stderr ?? ""}${r.stdout ?? ""}${r.error ? String(r.error) : ""}`.trim();
        return { name, version, ok: r.status === 0, output };
    });
    return { cli: { path: cli, version: v.stdout.trim().split("\n")[0] }, installs, ...(noGo ? { noGo } : {}) };
}

/**
 * Setup's choice: probes, chooses (engine-choice.ts), logs one line per choice, builds what the
 * plan builds (unless `build` is false) and keeps the plan (planFile). Throws where no engine
 * can be had.
 */
export async function setupEngine(opts: {
    root?: string;
    env?: NodeJS.ProcessEnv;
    build: boolean;
    log?: (line: string) => void;
}): Promise<EngineChoice> {
    const root = opts.root ?? ROOT;
    const env = opts.env ?? process.env;
    const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    const home = labsHome(root, env);
    mkdirSync(home, { recursive: true });
    const choice = chooseEngine(probeEngine({ root, env, home }));
    for (const line of choice.lines) log(line);
    if (!choice.plan) throw new EngineError(choice.error ?? "no engine can be set up");
    if (opts.build && choice.plan.build.length > 0) await buildEngine(root, log, choice.plan.build, env);
    mkdirSync(path.dirname(planFile(env)), { recursive: true });
    writeFileSync(planFile(env), `${JSON.stringify(choice.plan, null, 2)}\n`);
    log(
        `engine: plan kept in ${planFile(env)}; plugin downloads by the engine ${choice.plan.acquisition ? "allowed" : "off (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true)"}`,
    );
    return choice;
}

/** Runs one go command in a module folder; on failure names what was being built and go's reason. */
function go(args: string[], cwd: string, what: string, env: NodeJS.ProcessEnv): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn("go", args, { cwd, stdio: ["ignore", "inherit", "pipe"], env: { ...env, GOFLAGS: "-mod=readonly" } });
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

/**
 * Builds the named binaries (default: all) that the cache entry of these pins lacks, each into a
 * staging folder and then moved into the entry whole.
 */
export async function buildEngine(
    root = ROOT,
    log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    binaries: readonly string[] = BUILDS.map((b) => b.binary),
    env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
    const bin = engineBinDir(root, env);
    const unknown = binaries.filter((n) => !BUILDS.some((b) => b.binary === n));
    if (unknown.length > 0) throw new EngineError(`cannot build ${unknown.join(", ")}: not a binary of the engine`);
    const todo = BUILDS.filter((b) => binaries.includes(b.binary) && !existsSync(builtPath(bin, b.binary)));
    if (todo.length === 0) {
        log(`engine: already built for pins ${engineKey(root)} in ${path.dirname(bin)}: ${binaries.join(", ")}`);
        return bin;
    }
    const tooOld = goVersionOk(env);
    if (tooOld) throw new EngineError(`cannot build the Pulumi engine: ${tooOld}`);
    const entry = path.dirname(bin);
    const staging = `${entry}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const started = Date.now();
    try {
        for (const b of todo) {
            const t = Date.now();
            log(`engine: building ${b.why} ...`);
            const cwd = path.join(root, b.module);
            await go(["mod", "download"], cwd, b.why, env);
            const out = builtPath(path.join(staging, "bin"), b.binary);
            await go(["build", "-trimpath", "-ldflags", b.ldflags, "-o", out, b.pkg], cwd, b.why, env);
            const target = builtPath(bin, b.binary);
            mkdirSync(path.dirname(target), { recursive: true });
            renameSync(out, target);
            log(`engine: ${b.binary} built in ${((Date.now() - t) / 1000).toFixed(0)} s`);
        }
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
    log(`engine: built in ${((Date.now() - started) / 1000).toFixed(0)} s into ${entry}`);
    return bin;
}

if (require.main === module) {
    const [cmd] = process.argv.slice(2);
    const main = async () => {
        switch (cmd) {
            case "build":
            case "choose":
                await setupEngine({ build: cmd === "build" });
                return;
            case "where":
                process.stdout.write(`${locateEngine() ?? `(the Pulumi CLI on PATH: ${officialCli() ?? "none"})`}\n`);
                return;
            default:
                throw new EngineError("usage: ts-node tools/engine/engine.ts build|choose|where");
        }
    };
    main().catch((e: Error) => {
        process.stderr.write(`hvnetlab: ${e.message}\n`);
        process.exit(e instanceof EngineError ? 2 : 1);
    });
}
