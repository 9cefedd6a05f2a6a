// Setup's choice of engine (tools/engine/engine.ts choose: the step of scripts/setup.sh before any Go
// build), with stand-ins for `pulumi` and `go` on PATH: a CLI whose plugin installs succeed takes
// the official plugins; one whose installs fail gets this project's stand-ins, installed under the
// official names. Then the environment the labs run in (engineEnv) follows the plan: the CLI on
// PATH, the stand-ins (and only they) in PULUMI_HOME, plugin downloads as chosen, and the record
// of what makes the lab for the program. Nothing is built or downloaded.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { ENGINE_RECORD_VAR } from "../../components/engine-record";
import type { EnginePlan } from "../../tools/engine";
import { builtPath, engineBinDir, engineEnv, planFile, STAND_IN_MARK } from "../../tools/engine";
import { tempDir } from "../tmp";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * A stand-in `pulumi`: logs each call with its PULUMI_HOME, answers `version`, installs a plugin
 * from --file, and "downloads" one (an empty binary in PULUMI_HOME) or fails as the official
 * download fails where it is not reachable.
 */
function pulumiScript(downloads: boolean): string {
    return `#!/bin/sh
printf '%s | PULUMI_HOME=%s\\n' "$*" "$PULUMI_HOME" >> "\${0%/*}/calls.log"
case "$1 $2" in
"version ") echo v3.190.0 ;;
"plugin install")
    dir="$PULUMI_HOME/plugins/resource-$4-v\${5#v}"
    if [ "$6" = --file ]; then mkdir -p "$dir" && cp "$7" "$dir/pulumi-resource-$4"; exit; fi
    ${downloads ? `mkdir -p "$dir" && : > "$dir/pulumi-resource-$4" && echo "[resource plugin $4-$5] installing"` : `echo "error: [resource plugin $4-$5] downloading from https://api.github.com/repos/pulumi/pulumi-$4/releases: 403 Forbidden" >&2; exit 255`} ;;
*) echo "unexpected: $*" >&2; exit 3 ;;
esac
`;
}

const GO = `#!/bin/sh
[ "$1 $2" = "env GOVERSION" ] && echo go1.26.6
`;

/** A folder of stand-ins, with the few tools their scripts use linked in: the whole PATH of the setup run. */
function standIns(dir: string, files: Record<string, string>): string {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
        writeFileSync(path.join(dir, name), text);
        chmodSync(path.join(dir, name), 0o755);
    }
    for (const tool of ["mkdir", "cp"]) {
        const real = ["/bin", "/usr/bin"].map((d) => path.join(d, tool)).find((p) => existsSync(p));
        if (real) symlinkSync(real, path.join(dir, tool));
    }
    return dir;
}

/** Runs setup's choice step (no build) as setup.sh runs it; returns its exit code and what it printed. */
function choose(env: NodeJS.ProcessEnv): { status: number | null; lines: string[] } {
    const tsNode = path.join(ROOT, "node_modules", "ts-node", "dist", "bin.js");
    const r = spawnSync(process.execPath, [tsNode, "--transpile-only", path.join(ROOT, "tools", "engine", "engine.ts"), "choose"], {
        env,
        encoding: "utf8",
        timeout: 60000,
    });
    return { status: r.status, lines: `${r.stdout}${r.stderr}`.trim().split("\n") };
}

describe("@integration the engine setup's choice, with stand-ins for pulumi and go on PATH", function () {
    this.timeout(120000);

    it("takes the official plugins where `pulumi plugin install` succeeds, into the labs' PULUMI_HOME, and lets the engine fetch plugins", () => {
        const dir = tempDir("setup-official");
        const bin = standIns(path.join(dir, "bin"), { pulumi: pulumiScript(true), go: GO });
        const home = path.join(dir, "home");
        const env = { PATH: bin, HVNETLAB_CACHE: path.join(dir, "cache"), PULUMI_HOME: home, HOME: dir };
        // A stand-in left in this PULUMI_HOME by an earlier setup must not pass for the official plugin.
        const old = path.join(home, "plugins", "resource-command-v1.2.1");
        mkdirSync(old, { recursive: true });
        writeFileSync(path.join(old, "pulumi-resource-command"), "stand-in");
        writeFileSync(path.join(old, STAND_IN_MARK), "");

        const r = choose(env);
        assert.strictEqual(r.status, 0, r.lines.join("\n"));
        assert.deepStrictEqual(r.lines.slice(0, 5), [
            `engine: Pulumi CLI: official v3.190.0 (${path.join(bin, "pulumi")})`,
            "engine: provider command 1.2.1: official (pulumi plugin install resource command 1.2.1)",
            "engine: provider libvirt 0.5.4: official (pulumi plugin install resource libvirt 0.5.4)",
            "engine: provider vsphere 4.17.0: official (pulumi plugin install resource vsphere 4.17.0)",
            "engine: vcsim, govc, actionlint: built here from Go modules (for npm run lab:vcsim and the tests)",
        ]);
        assert.match(r.lines[5], /^engine: plan kept in .*engine-plan\.json; plugin downloads by the engine allowed$/);
        assert.deepStrictEqual(readFileSync(path.join(bin, "calls.log"), "utf8").trim().split("\n"), [
            `version | PULUMI_HOME=${home}`,
            `plugin install resource command 1.2.1 | PULUMI_HOME=${home}`,
            `plugin install resource libvirt 0.5.4 | PULUMI_HOME=${home}`,
            `plugin install resource vsphere 4.17.0 | PULUMI_HOME=${home}`,
        ]);
        assert.ok(!existsSync(path.join(old, STAND_IN_MARK)), "the old stand-in was taken out before the official install");
        const plan = JSON.parse(readFileSync(planFile(env), "utf8")) as EnginePlan;
        assert.strictEqual(plan.cli.source, "official");

        const labs = engineEnv({ workDir: path.join(dir, "work"), env: { ...env, PULUMI_HOME: undefined } });
        assert.strictEqual(labs.PATH!.split(path.delimiter)[0], bin, "the official CLI comes first on PATH");
        assert.strictEqual(labs.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, undefined);
        assert.deepStrictEqual(JSON.parse(labs[ENGINE_RECORD_VAR]!), {
            cli: "official v3.190.0",
            providers: { command: "official 1.2.1", libvirt: "official 0.5.4", vsphere: "official 4.17.0" },
        });
        const work = path.join(dir, "work", "home", "plugins");
        assert.ok(!existsSync(work), "no stand-in goes into a lab's PULUMI_HOME: the engine fetches the official plugins");
    });

    it("builds a stand-in for each plugin whose install fails, installs it under the official name, and turns the engine's downloads off", () => {
        const dir = tempDir("setup-standin");
        const bin = standIns(path.join(dir, "bin"), { pulumi: pulumiScript(false), go: GO });
        const home = path.join(dir, "home");
        const env = { PATH: bin, HVNETLAB_CACHE: path.join(dir, "cache"), PULUMI_HOME: home, HOME: dir };

        const r = choose(env);
        assert.strictEqual(r.status, 0, r.lines.join("\n"));
        assert.strictEqual(r.lines[0], `engine: Pulumi CLI: official v3.190.0 (${path.join(bin, "pulumi")})`);
        for (const [i, [name, version]] of [
            ["command", "1.2.1"],
            ["libvirt", "0.5.4"],
            ["vsphere", "4.17.0"],
        ].entries())
            assert.strictEqual(
                r.lines[i + 1],
                `engine: provider ${name} ${version}: built here, stand-in for ${version} (the official plugin could not be installed: ` +
                    `error: [resource plugin ${name}-${version}] downloading from https://api.github.com/repos/pulumi/pulumi-${name}/releases: 403 Forbidden)`,
            );
        assert.match(r.lines[5], /plugin downloads by the engine off \(PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\)$/);
        const plan = JSON.parse(readFileSync(planFile(env), "utf8")) as EnginePlan;
        assert.deepStrictEqual(plan.build, [
            "pulumi-resource-command",
            "pulumi-resource-libvirt",
            "pulumi-resource-vsphere",
            "vcsim",
            "govc",
            "actionlint",
        ]);

        // What the build would leave in the cache (the test builds nothing).
        const built = engineBinDir(ROOT, env);
        for (const name of ["command", "libvirt", "vsphere"]) {
            const file = builtPath(built, `pulumi-resource-${name}`);
            mkdirSync(path.dirname(file), { recursive: true });
            writeFileSync(file, `built ${name}`);
        }
        const labs = engineEnv({ workDir: path.join(dir, "work"), env: { ...env, PULUMI_HOME: undefined } });
        assert.strictEqual(labs.PATH!.split(path.delimiter)[0], bin, "the official CLI comes first on PATH");
        assert.strictEqual(labs.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "true");
        assert.deepStrictEqual(JSON.parse(labs[ENGINE_RECORD_VAR]!), {
            cli: "official v3.190.0",
            providers: {
                command: "built here, stand-in for 1.2.1",
                libvirt: "built here, stand-in for 0.5.4",
                vsphere: "built here, stand-in for 4.17.0",
            },
        });
        for (const [name, version] of [
            ["command", "1.2.1"],
            ["libvirt", "0.5.4"],
            ["vsphere", "4.17.0"],
        ]) {
            const installed = path.join(dir, "work", "home", "plugins", `resource-${name}-v${version}`);
            assert.strictEqual(readFileSync(path.join(installed, `pulumi-resource-${name}`), "utf8"), `built ${name}`);
            assert.ok(existsSync(path.join(installed, STAND_IN_MARK)), `${installed} is marked as the stand-in`);
        }
    });

    it("says what to install, and exits 2, where there is neither a pulumi nor Go", () => {
        const dir = tempDir("setup-none");
        const bin = standIns(path.join(dir, "bin"), {});
        const r = choose({ PATH: bin, HVNETLAB_CACHE: path.join(dir, "cache"), PULUMI_HOME: path.join(dir, "home"), HOME: dir });
        assert.strictEqual(r.status, 2, r.lines.join("\n"));
        assert.match(r.lines[0], /^engine: Pulumi CLI: built here from Go modules, v3\.274\.1, .*\(no pulumi on PATH\)$/);
        assert.match(
            r.lines[r.lines.length - 1],
            /Install the Pulumi CLI \(https:\/\/www\.pulumi\.com\/docs\/install\/\) or Go 1\.26\.6 .*npm run lab:offline/,
        );
    });
});
