// Which Pulumi engine the labs run on: the official CLI and the official provider plugins where
// they can be had, this project's builds from Go modules (engine/) only where they cannot.
//
// chooseEngine is pure: it takes what setup probed (a `pulumi` on PATH and its version, the
// outcome of `pulumi plugin install resource NAME VERSION` for each provider, whether Go can
// build) and returns the plan, with one printed line per choice. The plan is kept in the engine
// cache (engine-plan.json) for engineEnv (tools/engine/engine.ts), which also hands the program the
// record of what made the lab (engineRecord) for its `lab.engine` output.
import { COMMAND_VERSION } from "../../components";
import { LIBVIRT_VERSION } from "../../components/providers";
import { VSPHERE_VERSION } from "../../components/providers";
import type { EngineRecord } from "../../model";

/** The CLI version built from engine/pulumi (the version ldflag of the build). */
export const CLI_VERSION = "v3.274.1";

/** The resource plugins the program asks for, by plugin name, with the versions the bindings declare. */
export const PROVIDERS: Readonly<Record<string, string>> = {
    command: COMMAND_VERSION,
    libvirt: LIBVIRT_VERSION,
    vsphere: VSPHERE_VERSION,
};

/** The tools built beside the engine: the vcsim lab's simulator and client, and the workflow linter of the tests. */
export const TOOLS = ["vcsim", "govc", "actionlint"] as const;

/** One `pulumi plugin install resource NAME VERSION` that setup tried. */
export interface PluginInstall {
    readonly name: string;
    readonly version: string;
    readonly ok: boolean;
    /** What the CLI printed (its error, where it failed). */
    readonly output: string;
}

/** What setup found on the machine. */
export interface EngineProbe {
    /** The `pulumi` on PATH (not one built here) and what `pulumi version` answered; absent without one. */
    readonly cli?: { readonly path: string; readonly version: string };
    /** Why there is no usable CLI on PATH (none found, or `pulumi version` failed), when cli is absent. */
    readonly noCli?: string;
    /** Each official plugin install tried with that CLI, into the labs' PULUMI_HOME (none without a CLI). */
    readonly installs: readonly PluginInstall[];
    /** Why Go cannot build (not installed, too old); absent when it can. */
    readonly noGo?: string;
}

/**
 * How a provider is had: the official plugin (installed by setup, or fetched by the engine), this
 * project's stand-in built from Go modules and installed under the official name, or neither
 * (setup could not install the official one and cannot build: the engine tries to fetch it).
 */
export type ProviderSource = "official" | "built" | "unavailable";

/** What setup chose, as kept in engine-plan.json. */
export interface EnginePlan {
    readonly cli:
        | { readonly source: "official"; readonly path: string; readonly version: string }
        | { readonly source: "built"; readonly version: string };
    readonly providers: Readonly<Record<string, { readonly version: string; readonly source: ProviderSource }>>;
    /** The binaries to build from Go modules (tools/engine/engine.ts BUILDS names). */
    readonly build: readonly string[];
    /** Whether the engine may download plugins (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION unset). */
    readonly acquisition: boolean;
}

export interface EngineChoice {
    /** Absent where nothing usable can be had: then `error` says why and what to do. */
    readonly plan?: EnginePlan;
    /** One line per choice, for setup to print. */
    readonly lines: string[];
    readonly error?: string;
}

/** The first line of what a command printed, for a one-line reason. */
function firstLine(text: string): string {
    return (
        text
            .split("\n")
            .map((l) => l.trim())
            .find((l) => l !== "") ?? "(no output)"
    );
}

/**
 * The plan for what was probed:
 * - a CLI on PATH: that CLI, and for each provider the official plugin where its install
 *   succeeded, else this project's stand-in (built where Go can build it; otherwise none, and
 *   the engine tries to fetch it when a lab needs it);
 * - no CLI: everything built from Go modules (CLI, language host, providers), or an error
 *   without Go.
 * The tools (vcsim, govc, actionlint) are built wherever Go can build them.
 */
export function chooseEngine(probe: EngineProbe, providers: Readonly<Record<string, string>> = PROVIDERS): EngineChoice {
    const lines: string[] = [];
    const tools = probe.noGo ? [] : [...TOOLS];
    const toolsLine = probe.noGo
        ? `engine: ${TOOLS.join(", ")}: not built (${probe.noGo}); npm run lab:vcsim and the workflow lint test need them`
        : `engine: ${TOOLS.join(", ")}: built here from Go modules (for npm run lab:vcsim and the tests)`;
    if (!probe.cli) {
        lines.push(
            `engine: Pulumi CLI: built here from Go modules, ${CLI_VERSION}, with this project's Node.js language host (${probe.noCli ?? "no pulumi on PATH"})`,
        );
        if (probe.noGo)
            return {
                lines,
                error:
                    `cannot set up the Pulumi engine: ${probe.noCli ?? "no pulumi on PATH"}, and it cannot be built: ${probe.noGo}. ` +
                    "Install the Pulumi CLI (https://www.pulumi.com/docs/install/) or Go 1.26.6 or newer and run setup again, or use `npm run lab:offline`",
            };
        for (const [name, version] of Object.entries(providers))
            lines.push(
                `engine: provider ${name} ${version}: built here, stand-in for ${version} (no Pulumi CLI to install the official plugin with)`,
            );
        lines.push(toolsLine);
        return {
            lines,
            plan: {
                cli: { source: "built", version: CLI_VERSION },
                providers: Object.fromEntries(
                    Object.entries(providers).map(([name, version]) => [name, { version, source: "built" as const }]),
                ),
                build: ["pulumi", "pulumi-language-nodejs", ...Object.keys(providers).map((n) => `pulumi-resource-${n}`), ...tools],
                acquisition: false,
            },
        };
    }
    lines.push(`engine: Pulumi CLI: official ${probe.cli.version} (${probe.cli.path})`);
    const chosen: Record<string, { version: string; source: ProviderSource }> = {};
    const build: string[] = [];
    for (const [name, version] of Object.entries(providers)) {
        const tried = probe.installs.find((i) => i.name === name && i.version === version);
        if (tried?.ok) {
            chosen[name] = { version, source: "official" };
            lines.push(`engine: provider ${name} ${version}: official (pulumi plugin install resource ${name} ${version})`);
            continue;
        }
        const why = tried ? `the official plugin could not be installed: ${firstLine(tried.output)}` : "the official plugin was not tried";
        if (probe.noGo) {
            chosen[name] = { version, source: "unavailable" };
            lines.push(
                `engine: provider ${name} ${version}: none (${why}; no stand-in either: ${probe.noGo}); the engine tries to fetch it when a lab needs it`,
            );
            continue;
        }
        chosen[name] = { version, source: "built" };
        build.push(`pulumi-resource-${name}`);
        lines.push(`engine: provider ${name} ${version}: built here, stand-in for ${version} (${why})`);
    }
    lines.push(toolsLine);
    return {
        lines,
        plan: {
            cli: { source: "official", path: probe.cli.path, version: probe.cli.version },
            providers: chosen,
            build: [...build, ...tools],
            acquisition: Object.values(chosen).some((p) => p.source !== "built"),
        },
    };
}

/** How the record names a provider's implementation: `official 4.17.0` or `built here, stand-in for 4.17.0`. */
export function providerRecord(source: ProviderSource, version: string): string {
    // An unavailable provider is fetched by the engine when a lab needs it: if the lab ran, it was the official one.
    return source === "built" ? `built here, stand-in for ${version}` : `official ${version}`;
}

/** The record of what a plan runs: the CLI and each provider, for the program's `lab.engine` output. */
export function engineRecord(plan: EnginePlan): EngineRecord {
    return {
        cli: plan.cli.source === "official" ? `official ${plan.cli.version}` : `built here, ${plan.cli.version}`,
        providers: Object.fromEntries(Object.entries(plan.providers).map(([name, p]) => [name, providerRecord(p.source, p.version)])),
    };
}

/** Reads a plan kept in engine-plan.json; undefined where the text is not one. */
export function parsePlan(text: string): EnginePlan | undefined {
    try {
        const p = JSON.parse(text) as Partial<EnginePlan>;
        if (!p || typeof p !== "object" || !p.cli || !p.providers || !Array.isArray(p.build) || typeof p.acquisition !== "boolean")
            return undefined;
        if (p.cli.source !== "official" && p.cli.source !== "built") return undefined;
        return p as EnginePlan;
    } catch {
        return undefined;
    }
}
