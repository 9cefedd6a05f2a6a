// The domains a libvirt stack's program registers, as the project's libvirt provider really
// writes them (the built provider's `domain-xml`: the code that defines domains in Create, with
// xml.xslt applied), and libvirt's own schema's verdict on them (virt-xml-validate).
import * as assert from "assert";
import { spawnSync } from "child_process";
import { existsSync, writeFileSync } from "fs";
import * as path from "path";
import { builtPath, engineBinDir, onPath } from "../tools/engine";
import { runStack } from "./stacks";
import { tempDir } from "./tmp";

const PROVIDER = builtPath(engineBinDir(), "pulumi-resource-libvirt");

/** The domain XML the provider defines for these inputs. */
export function written(inputs: Record<string, unknown>): string {
    const r = spawnSync(PROVIDER, ["domain-xml"], { input: JSON.stringify(inputs), encoding: "utf8" });
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout;
}

/** virt-xml-validate's verdict on a domain XML: "" when it validates. */
export function invalid(xml: string): string {
    const f = path.join(tempDir("xml"), "domain.xml");
    writeFileSync(f, xml);
    const r = spawnSync("virt-xml-validate", [f, "domain"], { encoding: "utf8" });
    return r.status === 0 ? "" : `${r.stdout}${r.stderr}`;
}

/**
 * A mocha `before` hook: skips the suite, saying what is missing, where the built provider,
 * virt-xml-validate or xsltproc is absent; under CI it fails instead.
 */
export function needsProviderAndSchema(this: Mocha.Context): void {
    const missing = [
        ...(existsSync(PROVIDER) ? [] : [`${PROVIDER} (scripts/setup.sh builds it)`]),
        ...(onPath("virt-xml-validate") ? [] : ["virt-xml-validate (Debian: libvirt-clients and libxml2-utils)"]),
        ...(onPath("xsltproc") ? [] : ["xsltproc"]),
    ];
    if (missing.length === 0) return;
    if (process.env.CI) assert.fail(`missing: ${missing.join(", ")}`);
    console.log(`    (skipped: missing ${missing.join(", ")})`);
    this.skip();
}

/**
 * The stack's Domain inputs, with each volume id as libvirt gives it (the volume's key, its
 * path: pool path / volume name), where the mocks gave a placeholder id.
 */
export async function domainsOf(stack: string, overrides: Record<string, string>): Promise<Record<string, unknown>[]> {
    const run = await runStack(stack, overrides);
    const regs = run.mocks.registrations;
    const pool = regs.find((r) => r.type === "libvirt:index/pool:Pool")!.inputs.target.path as string;
    const pathOf = new Map(
        regs
            .filter((r) => r.type === "libvirt:index/volume:Volume" || r.type === "libvirt:index/cloudInitDisk:CloudInitDisk")
            .map((r) => [`${r.name}-id`, `${pool}/${r.inputs.name as string}`]),
    );
    const key = (id: string) => {
        assert.ok(pathOf.has(id), `volume id ${id} is one of the stack's volumes`);
        return pathOf.get(id)!;
    };
    return regs
        .filter((r) => r.type === "libvirt:index/domain:Domain")
        .map((r) => ({
            ...r.inputs,
            disks: (r.inputs.disks as { volumeId: string }[]).map((d) => ({ ...d, volumeId: key(d.volumeId) })),
            cloudinit: key(r.inputs.cloudinit as string),
        }));
}
