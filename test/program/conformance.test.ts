// Holds every vSphere and libvirt resource, provider and invoke the program registers, for every
// stack, against the official providers' schemas (test/fixtures/provider-schemas, taken from the
// @pulumi/vsphere 4.17.0 and @pulumi/libvirt 0.5.4 packages: see its README): the token exists,
// every input name exists, every required input is set, and every value has the schema's type.
// Then against the schemas the providers this project builds report, where the engine is built.
import * as assert from "assert";
import { existsSync, lstatSync, readFileSync } from "fs";
import * as path from "path";
import type { PlatformName } from "../../components";
import { COMMAND_VERSION, PROVIDERS_OF } from "../../components/engine-record";
import { LIBVIRT_VERSION } from "../../components/providers/libvirt";
import { VSPHERE_VERSION } from "../../components/providers/vsphere";
import { spawnSync } from "child_process";
import { builtPath, engineBinDir, EngineError, engineEnv, locateEngine } from "../../tools/engine";
import { listStacks } from "../../tools/engine/stack-config";
import type { StackRun } from "../stacks";
import { ROOT, runStack } from "../stacks";
import { tempDir } from "../tmp";

/** The official schemas' facts, kept in the repository (see the folder's README for their source). */
export const SCHEMA_DIR = path.join(ROOT, "test", "fixtures", "provider-schemas");

/**
 * Why this project's built providers cannot be asked for their schemas here, or undefined when
 * they can: an engine is set up (locateEngine) and the libvirt and vSphere stand-ins are built
 * (setup builds them where the official plugins cannot be installed).
 */
export function engineMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
    try {
        locateEngine(ROOT, env);
    } catch (e) {
        if (e instanceof EngineError) return e.message;
        throw e;
    }
    const missing = ["libvirt", "vsphere"].map((pkg) => builtPlugin(pkg, env)).filter((f) => !existsSync(f));
    return missing.length > 0
        ? `this project's providers are not built (no ${missing.join(", ")}): setup builds them where the official plugins cannot be installed`
        : undefined;
}

/**
 * Skips the suite, saying why; under CI (CI=true, as GitHub Actions and .ci/run set it) a skip is
 * a failure, since CI builds the engine and must run every check.
 */
export function skipOrFail(ctx: Mocha.Context, why: string, env: NodeJS.ProcessEnv = process.env): never {
    if (env.CI === "true") throw new Error(`${why} (CI=true: this check must run in CI, not skip)`);
    console.log(`      (skipped: ${why})`);
    ctx.skip();
}

/** The path of the resource plugin binary this project builds for pkg, in the built cache. */
function builtPlugin(pkg: string, env: NodeJS.ProcessEnv = process.env): string {
    return builtPath(engineBinDir(ROOT, env), `pulumi-resource-${pkg}`);
}

interface Property {
    type?: string;
    required?: boolean;
}
interface Schema {
    version: string;
    provider: { token: string; inputs: Record<string, Property> };
    resources: Record<string, { inputs: Record<string, Property> }>;
    functions: Record<string, { inputs?: Record<string, Property> }>;
    types: Record<string, { properties?: Record<string, Property> } & Record<string, Property>>;
}

/** Problems of `value` against a schema type string (string|integer|number|boolean|array<T>|map<T>|ref:token). */
export function typeProblems(schema: Schema, type: string, value: unknown, at: string, jsonEncoded = false): string[] {
    if (jsonEncoded && typeof value === "string" && type !== "string") {
        try {
            value = JSON.parse(value);
        } catch {
            return [`${at}: expected JSON-encoded ${type}, got ${JSON.stringify(value)}`];
        }
    }
    const fail = [`${at}: expected ${type}, got ${JSON.stringify(value)}`];
    if (type === "string") return typeof value === "string" ? [] : fail;
    if (type === "integer") return Number.isInteger(value) ? [] : fail;
    if (type === "number") return typeof value === "number" ? [] : fail;
    if (type === "boolean") return typeof value === "boolean" ? [] : fail;
    let m = /^array<(.+)>$/.exec(type);
    if (m) return Array.isArray(value) ? value.flatMap((v, i) => typeProblems(schema, m![1], v, `${at}[${i}]`)) : fail;
    m = /^map<(.+)>$/.exec(type);
    if (m)
        return value !== null && typeof value === "object"
            ? Object.entries(value).flatMap(([k, v]) => typeProblems(schema, m![1], v, `${at}.${k}`))
            : fail;
    m = /^ref:(.+)$/.exec(type);
    if (m) {
        const t = schema.types[m[1]];
        if (!t) return [`${at}: schema has no type ${m[1]}`];
        if (value === null || typeof value !== "object" || Array.isArray(value)) return fail;
        return objectProblems(schema, (t.properties ?? t) as Record<string, Property>, value as Record<string, unknown>, at);
    }
    return [`${at}: unknown schema type ${type}`];
}

export function objectProblems(
    schema: Schema,
    props: Record<string, Property>,
    value: Record<string, unknown>,
    at: string,
    jsonEncoded = false,
): string[] {
    const problems: string[] = [];
    for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        const p = props[k];
        if (!p) problems.push(`${at}.${k}: no such input`);
        else if (p.type) problems.push(...typeProblems(schema, p.type, v, `${at}.${k}`, jsonEncoded));
    }
    for (const [k, p] of Object.entries(props)) {
        if (p.required && value[k] === undefined) problems.push(`${at}.${k}: required but not set`);
    }
    return problems;
}

function conformance(schema: Schema, pkg: string, run: StackRun): { problems: string[]; checked: number; versions: number } {
    const problems: string[] = [];
    let checked = 0;
    let versions = 0;
    for (const r of run.mocks.registrations) {
        if (r.type === `pulumi:providers:${pkg}`) {
            checked++;
            // The official SDKs send non-string provider inputs JSON-encoded.
            problems.push(...objectProblems(schema, schema.provider.inputs, r.inputs, r.name, true));
        } else if (r.type.startsWith(`${pkg}:`)) {
            checked++;
            const res = schema.resources[r.type];
            if (!res) problems.push(`${r.name}: ${r.type} is not a resource of ${pkg} ${schema.version}`);
            else problems.push(...objectProblems(schema, res.inputs, r.inputs, r.name));
        }
    }
    for (const c of run.mocks.calls.filter((x) => x.token.startsWith(`${pkg}:`))) {
        checked++;
        const fn = schema.functions[c.token];
        if (!fn) problems.push(`${c.token} is not a function of ${pkg} ${schema.version}`);
        else problems.push(...objectProblems(schema, fn.inputs ?? {}, c.inputs, c.token));
    }
    for (const v of run.mocks.versions.filter((x) => x.token.startsWith(`${pkg}:`) || x.token === `pulumi:providers:${pkg}`)) {
        versions++;
        if (v.version !== schema.version)
            problems.push(`${v.token} asks for plugin version ${v.version || "(none)"}, not ${schema.version}`);
    }
    return { problems, checked, versions };
}

describe("conformance with the vSphere and libvirt provider schemas", function () {
    this.timeout(60000);
    const schemas: Record<string, Schema> = {};
    before(function () {
        for (const pkg of ["vsphere", "libvirt"]) schemas[pkg] = JSON.parse(readFileSync(path.join(SCHEMA_DIR, `${pkg}.json`), "utf8"));
    });

    it("declares the schemas' plugin versions", () => {
        assert.strictEqual(VSPHERE_VERSION, schemas.vsphere.version);
        assert.strictEqual(LIBVIRT_VERSION, schemas.libvirt.version);
    });

    // Each stack against both schemas: what it uses must be registered and conform; what it does
    // not use must not be registered at all (a stack that registered nothing would pass vacuously).
    for (const [stack, uses] of [
        ["esx", ["vsphere"]],
        ["kvm", ["libvirt"]],
        ["xen", ["libvirt"]],
        ["native", []],
        ["local", []],
    ] as const) {
        it(`${stack}: every vsphere and libvirt registration and invoke matches the schema`, async () => {
            const run = await runStack(stack);
            if (stack === "esx") {
                const asked = new Set(run.mocks.versions.map((v) => v.token));
                for (const t of [
                    "pulumi:providers:vsphere",
                    "vsphere:index/virtualMachine:VirtualMachine",
                    "vsphere:index/getNetwork:getNetwork",
                ])
                    assert.ok(asked.has(t), `no version seen for ${t}`);
            }
            for (const pkg of ["vsphere", "libvirt"]) {
                const { problems, checked, versions } = conformance(schemas[pkg], pkg, run);
                assert.deepStrictEqual(problems, [], `${stack} against ${pkg}.json`);
                if ((uses as readonly string[]).includes(pkg)) {
                    assert.ok(checked > 0, `${stack} registered nothing of ${pkg}`);
                    assert.ok(versions > 0, `${stack} asked for no ${pkg} plugin version: none was checked`);
                } else assert.strictEqual(checked, 0, `${stack} registered ${checked} ${pkg} resources or invokes`);
            }
        });
    }

    // Where `pulumi install` and the engine's plugin acquisition learn which plugins the program
    // needs: a package in node_modules whose package.json has a `pulumi` block, as the official
    // SDKs declare theirs. The official language host finds only a real folder there (it walks the
    // project in name order and skips a folder it has seen, so a link to components/ is missed).
    for (const [pkg, version] of [
        ["libvirt", LIBVIRT_VERSION],
        ["vsphere", VSPHERE_VERSION],
    ] as const) {
        it(`declares the ${pkg} plugin ${version} where \`pulumi install\` finds it`, () => {
            const want = { resource: true, name: pkg, version: schemas[pkg].version };
            assert.strictEqual(version, schemas[pkg].version);
            const source = path.join(ROOT, "components", "providers", "plugins", pkg, "package.json");
            assert.deepStrictEqual(JSON.parse(readFileSync(source, "utf8")).pulumi, want, source);
            const installed = path.join(ROOT, "node_modules", "@hvnetlab", `${pkg}-plugin`);
            assert.ok(lstatSync(installed).isDirectory(), `${installed} is a folder of its own (npm's install-links), not a link`);
            assert.deepStrictEqual(
                JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")).pulumi,
                want,
                `${installed}: run npm ci`,
            );
        });
    }

    it("declares the command plugin the program asks for", () => {
        const pkg = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "@pulumi", "command", "package.json"), "utf8"));
        assert.deepStrictEqual(pkg.pulumi, { resource: true, name: "command", version: COMMAND_VERSION });
    });

    // The lab's `engine` output names the plugins of its platform (PROVIDERS_OF): exactly those the
    // stack's registrations and invokes ask for, at the versions they ask for.
    for (const stack of listStacks(ROOT)) {
        it(`${stack}: the lab's engine record names exactly the plugins the stack asks for`, async () => {
            const run = await runStack(stack);
            const asked: Record<string, string> = {};
            for (const v of run.mocks.versions.filter((x) => x.version !== "" && !/^(hvnetlab|pulumi:pulumi):/.test(x.token))) {
                const pkg = v.token.startsWith("pulumi:providers:") ? v.token.split(":")[2] : v.token.split(":")[0];
                assert.ok(
                    asked[pkg] === undefined || asked[pkg] === v.version,
                    `${v.token} asks for ${pkg} ${v.version}, another for ${asked[pkg]}`,
                );
                asked[pkg] = v.version;
            }
            const platform = (run.config["hvnetlab:platform"] ?? "local") as PlatformName;
            assert.deepStrictEqual(asked, PROVIDERS_OF[platform]);
            assert.deepStrictEqual(Object.keys(run.outputs.lab.engine.providers).sort(), Object.keys(asked).sort());
        });
    }

    it("catches an unknown input, a missing required input and a wrong type", () => {
        const s = schemas.vsphere;
        const props = s.resources["vsphere:index/hostPortGroup:HostPortGroup"].inputs;
        assert.deepStrictEqual(objectProblems(s, props, { name: "pg", hostSystemId: "h", virtualSwitchName: "vs", vlan: 3 }, "pg"), [
            "pg.vlan: no such input",
        ]);
        assert.deepStrictEqual(objectProblems(s, props, { name: "pg", hostSystemId: "h" }, "pg"), [
            "pg.virtualSwitchName: required but not set",
        ]);
        assert.deepStrictEqual(objectProblems(s, props, { name: "pg", hostSystemId: "h", virtualSwitchName: "vs", vlanId: "3" }, "pg"), [
            'pg.vlanId: expected integer, got "3"',
        ]);
        const vm = s.resources["vsphere:index/virtualMachine:VirtualMachine"].inputs;
        assert.deepStrictEqual(objectProblems(s, vm, { resourcePoolId: "r", clone: { linkedClone: true } }, "vm"), [
            "vm.clone.templateUuid: required but not set",
        ]);
    });
});

/** A property of a Pulumi package schema, as `pulumi package get-schema` prints it. */
interface PackageProperty {
    type?: string;
    $ref?: string;
    items?: PackageProperty;
    additionalProperties?: PackageProperty;
    properties?: Record<string, PackageProperty>;
    required?: string[];
}

/** A package schema's type written the way the stored excerpts write it (array<T>, map<T>, ref:token). */
function compactType(p: PackageProperty): string {
    if (p.$ref) return `ref:${p.$ref.replace(/^#\/types\//, "")}`;
    if (p.type === "array") return `array<${compactType(p.items ?? {})}>`;
    if (p.type === "object" && p.additionalProperties) return `map<${compactType(p.additionalProperties)}>`;
    return p.type ?? "object";
}

function compactProperties(props: Record<string, PackageProperty> = {}, required: string[] = []): Record<string, Property> {
    return Object.fromEntries(
        Object.entries(props).map(([k, p]) => [k, { type: compactType(p), ...(required.includes(k) ? { required: true } : {}) }]),
    );
}

/** The package schema a provider binary reports, in the stored excerpts' shape. */
export function compactSchema(pkg: {
    name: string;
    version: string;
    provider?: { inputProperties?: Record<string, PackageProperty>; requiredInputs?: string[] };
    resources?: Record<string, { inputProperties?: Record<string, PackageProperty>; requiredInputs?: string[] }>;
    functions?: Record<string, { inputs?: PackageProperty }>;
    types?: Record<string, PackageProperty>;
}): Schema {
    return {
        version: pkg.version,
        provider: {
            token: `pulumi:providers:${pkg.name}`,
            inputs: compactProperties(pkg.provider?.inputProperties, pkg.provider?.requiredInputs),
        },
        resources: Object.fromEntries(
            Object.entries(pkg.resources ?? {}).map(([t, r]) => [t, { inputs: compactProperties(r.inputProperties, r.requiredInputs) }]),
        ),
        functions: Object.fromEntries(
            Object.entries(pkg.functions ?? {}).map(([t, f]) => [
                t,
                { inputs: compactProperties(f.inputs?.properties, f.inputs?.required) },
            ]),
        ),
        types: Object.fromEntries(
            Object.entries(pkg.types ?? {}).map(([t, p]) => [t, { properties: compactProperties(p.properties, p.required) }]),
        ),
    };
}

const builtSchemas = new Map<string, Schema>();

/** The schema a provider binary this project builds reports, through `pulumi package get-schema` (asked once). */
function builtSchema(pkg: string): Schema {
    const known = builtSchemas.get(pkg);
    if (known) return known;
    const binary = builtPlugin(pkg);
    const env = engineEnv({ workDir: tempDir("schema") });
    const r = spawnSync("pulumi", ["package", "get-schema", binary], { env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    assert.strictEqual(r.status, 0, `pulumi package get-schema ${binary}: ${r.stderr}`);
    const schema = compactSchema(JSON.parse(r.stdout));
    builtSchemas.set(pkg, schema);
    return schema;
}

for (const [pkg, version, stacks] of [
    ["libvirt", LIBVIRT_VERSION, ["kvm", "xen", "qemu"]],
    ["vsphere", VSPHERE_VERSION, ["esx", "vcsim"]],
] as const) {
    describe(`conformance with the ${pkg} provider this project builds`, function () {
        this.timeout(120000);
        let schema: Schema;
        before(function () {
            const missing = engineMissing();
            if (missing) skipOrFail(this, missing);
            schema = builtSchema(pkg);
        });

        it("reports the version the bindings ask for", () => {
            assert.strictEqual(schema.version, version);
        });

        for (const stack of stacks) {
            it(`${stack}: every ${pkg} registration and invoke uses only what the provider implements`, async () => {
                const run = await runStack(stack);
                const { problems, checked } = conformance(schema, pkg, run);
                assert.deepStrictEqual(problems, []);
                assert.ok(checked > 0, `${stack} registered nothing of ${pkg}`);
            });
        }
    });
}

describe("the built providers' schemas", function () {
    this.timeout(120000);
    before(function () {
        const missing = engineMissing();
        if (missing) skipOrFail(this, missing);
    });

    it("would catch an input the provider does not implement", () => {
        const schema = builtSchema("libvirt");
        const domain = schema.resources["libvirt:index/domain:Domain"].inputs;
        assert.deepStrictEqual(objectProblems(schema, domain, { name: "d", graphics: { type: "spice" } }, "d"), [
            "d.graphics: no such input",
        ]);
    });
});
