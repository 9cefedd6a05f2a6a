// Pulumi's mock runtime for program tests: records every registration, returns
// { id, state: { ...inputs, ...outputsByType } } and answers invokes from a map.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";

export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
}

export type OutputsByType = Record<string, (r: Registration) => Record<string, unknown>>;

export class MockLab {
    readonly registrations: Registration[] = [];

    constructor(
        private readonly outputsByType: OutputsByType = {},
        private readonly invokes: Record<string, (inputs: any) => Record<string, unknown>> = {},
    ) {}

    async install(stack = "test"): Promise<void> {
        await pulumi.runtime.setMocks({
            newResource: (args) => {
                const r = { type: args.type, name: args.name, inputs: args.inputs };
                this.registrations.push(r);
                return { id: `${args.name}-id`, state: { ...args.inputs, ...(this.outputsByType[args.type]?.(r) ?? {}) } };
            },
            call: (args) => {
                const answer = this.invokes[args.token];
                if (!answer) throw new Error(`unexpected invoke ${args.token}`);
                return answer(args.inputs);
            },
        }, "hvnetlab", stack, false);
    }

    ofType(type: string): Registration[] {
        return this.registrations.filter((r) => r.type === type);
    }
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
export function loadProgram(config: Record<string, string>): Record<string, any> {
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `hvnetlab:${k}`, v])));
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(ROOT) && !id.includes(`${path.sep}node_modules${path.sep}`) && !id.includes(`${path.sep}test${path.sep}`)) delete require.cache[id];
    }
    return require(path.join(ROOT, "index.ts"));
}
