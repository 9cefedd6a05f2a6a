// The engine setup chooses: the official Pulumi CLI and plugins where they can be had, this
// project's builds from Go modules only where they cannot (tools/engine/engine-choice.ts), and the record
// of what made the lab that the program exports and `compare` shows.
import * as assert from "assert";
import { labEngine, parseEngineRecord, PROVIDERS_OF } from "../../../../components/engine-record";
import type { EngineProbe } from "../../../../tools/engine";
import { chooseEngine, CLI_VERSION, engineRecord, parsePlan, PROVIDERS, providerRecord, TOOLS } from "../../../../tools/engine";

const CLI = { path: "/usr/local/bin/pulumi", version: "v3.190.0" };
const installs = (failing: string[]) =>
    Object.entries(PROVIDERS).map(([name, version]) =>
        failing.includes(name)
            ? { name, version, ok: false, output: `error: [resource plugin ${name}-${version}] downloading: 403 Forbidden\nmore detail` }
            : { name, version, ok: true, output: `[resource plugin ${name}-${version}] installing` },
    );

describe("the engine setup's choice", () => {
    it("takes the official CLI and every official plugin where they install; builds only the tools", () => {
        const { plan, lines, error } = chooseEngine({ cli: CLI, installs: installs([]) });
        assert.strictEqual(error, undefined);
        assert.deepStrictEqual(plan, {
            cli: { source: "official", path: CLI.path, version: "v3.190.0" },
            providers: {
                command: { version: "1.2.1", source: "official" },
                libvirt: { version: "0.5.4", source: "official" },
                vsphere: { version: "4.17.0", source: "official" },
            },
            build: [...TOOLS],
            acquisition: true,
        });
        assert.deepStrictEqual(lines, [
            "engine: Pulumi CLI: official v3.190.0 (/usr/local/bin/pulumi)",
            "engine: provider command 1.2.1: official (pulumi plugin install resource command 1.2.1)",
            "engine: provider libvirt 0.5.4: official (pulumi plugin install resource libvirt 0.5.4)",
            "engine: provider vsphere 4.17.0: official (pulumi plugin install resource vsphere 4.17.0)",
            "engine: vcsim, govc, actionlint: built here from Go modules (for npm run lab:vcsim and the tests)",
        ]);
        assert.deepStrictEqual(engineRecord(plan!), {
            cli: "official v3.190.0",
            providers: { command: "official 1.2.1", libvirt: "official 0.5.4", vsphere: "official 4.17.0" },
        });
    });

    it("keeps the official CLI and builds a stand-in only for each plugin whose install failed, saying why", () => {
        const { plan, lines } = chooseEngine({ cli: CLI, installs: installs(["libvirt", "vsphere"]) });
        assert.deepStrictEqual(plan!.providers, {
            command: { version: "1.2.1", source: "official" },
            libvirt: { version: "0.5.4", source: "built" },
            vsphere: { version: "4.17.0", source: "built" },
        });
        assert.deepStrictEqual(
            plan!.build,
            ["pulumi-resource-libvirt", "pulumi-resource-vsphere", ...TOOLS],
            "not the CLI, not the language host",
        );
        assert.strictEqual(plan!.acquisition, true, "the official command plugin may be fetched into a new PULUMI_HOME");
        assert.strictEqual(
            lines[2],
            "engine: provider libvirt 0.5.4: built here, stand-in for 0.5.4 (the official plugin could not be installed: error: [resource plugin libvirt-0.5.4] downloading: 403 Forbidden)",
        );
        assert.deepStrictEqual(engineRecord(plan!).providers, {
            command: "official 1.2.1",
            libvirt: "built here, stand-in for 0.5.4",
            vsphere: "built here, stand-in for 4.17.0",
        });
    });

    it("turns the engine's plugin downloads off where every plugin is a stand-in", () => {
        const { plan } = chooseEngine({ cli: CLI, installs: installs(Object.keys(PROVIDERS)) });
        assert.strictEqual(plan!.cli.source, "official");
        assert.ok(Object.values(plan!.providers).every((p) => p.source === "built"));
        assert.strictEqual(plan!.acquisition, false);
    });

    it("builds everything from Go modules where there is no CLI on PATH (as on this project's machines)", () => {
        const { plan, lines } = chooseEngine({ noCli: "no pulumi on PATH", installs: [] });
        assert.deepStrictEqual(plan, {
            cli: { source: "built", version: CLI_VERSION },
            providers: {
                command: { version: "1.2.1", source: "built" },
                libvirt: { version: "0.5.4", source: "built" },
                vsphere: { version: "4.17.0", source: "built" },
            },
            build: [
                "pulumi",
                "pulumi-language-nodejs",
                "pulumi-resource-command",
                "pulumi-resource-libvirt",
                "pulumi-resource-vsphere",
                ...TOOLS,
            ],
            acquisition: false,
        });
        assert.deepStrictEqual(lines.slice(0, 2), [
            `engine: Pulumi CLI: built here from Go modules, ${CLI_VERSION}, with this project's Node.js language host (no pulumi on PATH)`,
            "engine: provider command 1.2.1: built here, stand-in for 1.2.1 (no Pulumi CLI to install the official plugin with)",
        ]);
        assert.deepStrictEqual(engineRecord(plan!), {
            cli: `built here, ${CLI_VERSION}`,
            providers: {
                command: "built here, stand-in for 1.2.1",
                libvirt: "built here, stand-in for 0.5.4",
                vsphere: "built here, stand-in for 4.17.0",
            },
        });
    });

    it("says what to install where there is neither a CLI nor Go", () => {
        const noGo = "Go is not installed (no `go` on PATH); install Go 1.26.6 or newer";
        const { plan, error } = chooseEngine({ noCli: "no pulumi on PATH", installs: [], noGo });
        assert.strictEqual(plan, undefined);
        assert.match(error!, /no pulumi on PATH, and it cannot be built: Go is not installed/);
        assert.match(error!, /Install the Pulumi CLI \(https:\/\/www\.pulumi\.com\/docs\/install\/\) or Go 1\.26\.6/);
        assert.match(error!, /npm run lab:offline/);
    });

    it("with the official CLI and no Go, leaves a plugin that would not install to the engine, and builds no tools", () => {
        const probe: EngineProbe = { cli: CLI, installs: installs(["vsphere"]), noGo: "Go is not installed" };
        const { plan, lines, error } = chooseEngine(probe);
        assert.strictEqual(error, undefined, "the local, native, kvm and xen labs still run");
        assert.deepStrictEqual(plan!.providers.vsphere, { version: "4.17.0", source: "unavailable" });
        assert.deepStrictEqual(plan!.build, []);
        assert.ok(plan!.acquisition);
        assert.match(lines[3], /^engine: provider vsphere 4\.17\.0: none \(.*403 Forbidden; no stand-in either: Go is not installed\)/);
        assert.match(lines[4], /^engine: vcsim, govc, actionlint: not built \(Go is not installed\)/);
        assert.strictEqual(
            providerRecord("unavailable", "4.17.0"),
            "official 4.17.0",
            "if the lab ran, the engine fetched the official one",
        );
    });

    it("reads back the plan it keeps, and refuses what is not one", () => {
        const { plan } = chooseEngine({ cli: CLI, installs: installs(["libvirt"]) });
        assert.deepStrictEqual(parsePlan(JSON.stringify(plan)), plan);
        assert.strictEqual(parsePlan("{"), undefined);
        assert.strictEqual(parsePlan(JSON.stringify({ cli: { source: "mine" }, providers: {}, build: [], acquisition: true })), undefined);
    });
});

describe("the lab's engine record", () => {
    const record = { cli: "official v3.190.0", providers: { command: "official 1.2.1", libvirt: "built here, stand-in for 0.5.4" } };

    it("names the CLI and the plugins of the lab's platform only", () => {
        const env = { HVNETLAB_ENGINE: JSON.stringify(record) };
        assert.deepStrictEqual(labEngine("kvm", env), record);
        assert.deepStrictEqual(labEngine("local", env), { cli: "official v3.190.0", providers: { command: "official 1.2.1" } });
        assert.deepStrictEqual(labEngine("esx", env).providers, {
            command: "official 1.2.1",
            vsphere: "not recorded (the program asks for 4.17.0)",
        });
    });

    it("says `not recorded` where the program ran without one (a plain `pulumi up`), or it is not a record", () => {
        for (const env of [{}, { HVNETLAB_ENGINE: "{" }, { HVNETLAB_ENGINE: JSON.stringify({ cli: 3, providers: {} }) }]) {
            assert.deepStrictEqual(labEngine("xen", env), {
                cli: "not recorded",
                providers: { command: "not recorded (the program asks for 1.2.1)", libvirt: "not recorded (the program asks for 0.5.4)" },
            });
        }
        assert.strictEqual(parseEngineRecord(undefined), undefined);
    });

    it("covers every plugin the setup chooses", () => {
        const all = Object.assign({}, ...Object.values(PROVIDERS_OF)) as Record<string, string>;
        assert.deepStrictEqual(all, { ...PROVIDERS });
    });
});
