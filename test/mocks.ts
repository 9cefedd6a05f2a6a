// Pulumi's mock runtime for program tests: records every registration, returns
// { id, state: { ...inputs, ...outputsByType } } and answers invokes from a map.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { expandMatrix } from "../model";
import type { Plan, ResultsDocument } from "../model";

export interface Registration {
    readonly type: string;
    readonly name: string;
    /** Inputs with secrets unwrapped. */
    readonly inputs: Record<string, any>;
    /** Inputs as the engine would receive them, secrets still wrapped. */
    readonly raw: Record<string, any>;
}

/** The wire form of a secret value in the mock runtime's inputs. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export function isSecretValue(v: any): boolean {
    return v !== null && typeof v === "object" && v[SIG_KEY] === SECRET_SIG;
}

export function unwrapSecrets(v: any): any {
    if (isSecretValue(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    return v;
}

/** Paths at which `needle` occurs in a string that is not inside a secret. */
export function plainOccurrences(v: any, needle: string, at = "$"): string[] {
    if (isSecretValue(v)) return [];
    if (typeof v === "string") return v.includes(needle) ? [at] : [];
    if (Array.isArray(v)) return v.flatMap((x, i) => plainOccurrences(x, needle, `${at}[${i}]`));
    if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => plainOccurrences(x, needle, `${at}.${k}`));
    return [];
}

export type OutputsByType = Record<string, (r: Registration) => Record<string, unknown>>;

export interface Invocation {
    readonly token: string;
    readonly inputs: Record<string, any>;
}

export class MockLab {
    readonly registrations: Registration[] = [];
    /** In order: `register <name>` when the SDK registers a resource, `created <name>` when its creation completes. */
    readonly events: string[] = [];
    readonly calls: Invocation[] = [];
    /** Plugin version each resource and invoke asked the engine for, by type token or invoke token. */
    readonly versions: { token: string; version: string }[] = [];

    constructor(
        private readonly outputsByType: OutputsByType = {},
        private readonly invokes: Record<string, (inputs: any) => Record<string, unknown>> = {},
        /** How long each resource's creation takes (ms): slow ones show what waits for them. */
        private readonly creationMs: (r: Registration) => number = () => 0,
    ) {}

    async install(stack = "test"): Promise<void> {
        await pulumi.runtime.setMocks(
            {
                newResource: async (args) => {
                    const r = { type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs), raw: args.inputs };
                    this.registrations.push(r);
                    this.events.push(`register ${args.name}`);
                    const ms = this.creationMs(r);
                    if (ms > 0) await new Promise((done) => setTimeout(done, ms));
                    this.events.push(`created ${args.name}`);
                    return { id: `${args.name}-id`, state: { ...r.inputs, ...(this.outputsByType[args.type]?.(r) ?? {}) } };
                },
                call: (args) => {
                    this.calls.push({ token: args.token, inputs: args.inputs });
                    const answer = this.invokes[args.token];
                    if (!answer) throw new Error(`unexpected invoke ${args.token}`);
                    return answer(args.inputs);
                },
            },
            "hvnetlab",
            stack,
            false,
        );
        // The mock runtime does not hand the requested plugin version to newResource/call: read it
        // off the requests on their way to the mock monitor.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, loaded as the program does
        const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, cb: any) => {
            this.versions.push({ token: req.getType(), version: req.getVersion() });
            return register(req, cb);
        };
        const invoke = monitor.invoke.bind(monitor);
        monitor.invoke = (req: any, cb: any) => {
            this.versions.push({ token: req.getTok(), version: req.getVersion() });
            return invoke(req, cb);
        };
    }

    ofType(type: string): Registration[] {
        return this.registrations.filter((r) => r.type === type);
    }
}

/** What the benchmark command prints for a plan under mocks: one ok run per cell, at 95% of line rate. */
export function fakeResults(plan: Plan): ResultsDocument {
    return {
        schemaVersion: 1,
        platform: plan.platform,
        fingerprint: plan.fingerprint,
        startedAt: "t0",
        finishedAt: "t1",
        notes: [],
        endpoints: {},
        maxClockOffsetMs: plan.maxClockOffsetMs,
        runs: expandMatrix(plan.matrix, plan.wires).map((c) => ({
            id: c.id,
            experiment: c.experiment,
            peer: c.peer,
            test: c.test,
            messageBytes: c.messageBytes,
            guests: c.guests,
            status: "ok",
            skewMs: 1,
            window: { start: 1, end: 2, seconds: 1 },
            limits: { lineRateMbps: 1000 * c.guests, goodputMbps: 941.5 * c.guests, basis: plan.limitBasis },
            aggregate: { throughputMbps: 950 * c.guests, lineRatePct: 95, goodputPct: 100.9 },
            streams: [],
        })),
    };
}

/** The benchmark command's outputs under mocks, from the plan on its stdin. */
export function fakeBenchmarkRun(r: Registration): Record<string, unknown> {
    return { stdout: JSON.stringify(fakeResults(JSON.parse(r.inputs.stdin) as Plan)), stderr: "" };
}

/** Resolves an output's value. */
export function promiseOf<T>(output: pulumi.Output<T> | T): Promise<T> {
    if (!pulumi.Output.isInstance(output)) return Promise.resolve(output as T);
    return new Promise((resolve) => (output as pulumi.Output<T>).apply(resolve));
}

const ROOT = path.resolve(__dirname, "..");

/**
 * Sets the config and loads the program afresh (the project's modules are reloaded; Pulumi's are
 * not), returning its exports.
 */
export function loadProgram(config: Record<string, string>, secretKeys: string[] = []): Record<string, any> {
    const full = (k: string) => (k.includes(":") ? k : `hvnetlab:${k}`);
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [full(k), v])), secretKeys.map(full));
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(ROOT) && !id.includes(`${path.sep}node_modules${path.sep}`) && !id.includes(`${path.sep}test${path.sep}`))
            delete require.cache[id];
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program must load after setMocks, fresh each time
    return require(path.join(ROOT, "index.ts"));
}
