// Which implementation made the lab: the Pulumi CLI and each provider plugin the lab uses, as
// whoever ran the program recorded it (`npm run lab` and the labs through engineEnv, from the
// plan setup chose; the offline runner, itself). It becomes the `lab` output's `engine`.
import type { EngineRecord } from "../model";
import type { PlatformName } from "./lab-config";
import { LIBVIRT_VERSION } from "./providers";
import { VSPHERE_VERSION } from "./providers";

/** The environment variable that carries the record (JSON) to the program. */
export const ENGINE_RECORD_VAR = "HVNETLAB_ENGINE";

/** The @pulumi/command version in package.json: the command plugin's version. */
export const COMMAND_VERSION = "1.2.1";

/** The plugins each platform's resources need, with the versions the program asks for. */
export const PROVIDERS_OF: Readonly<Record<PlatformName, Readonly<Record<string, string>>>> = {
    local: { command: COMMAND_VERSION },
    native: { command: COMMAND_VERSION },
    esx: { command: COMMAND_VERSION, vsphere: VSPHERE_VERSION },
    kvm: { command: COMMAND_VERSION, libvirt: LIBVIRT_VERSION },
    xen: { command: COMMAND_VERSION, libvirt: LIBVIRT_VERSION },
};

/** The record as the program received it, or undefined where none was given or it is not one. */
export function parseEngineRecord(text: string | undefined): EngineRecord | undefined {
    if (!text) return undefined;
    try {
        const r = JSON.parse(text) as Partial<EngineRecord>;
        if (!r || typeof r.cli !== "string" || !r.providers || typeof r.providers !== "object") return undefined;
        if (!Object.values(r.providers).every((v) => typeof v === "string")) return undefined;
        return r as EngineRecord;
    } catch {
        return undefined;
    }
}

/**
 * What made a lab of `platform`: the CLI, and each provider the platform uses, from the record in
 * HVNETLAB_ENGINE; `not recorded` where the program ran without one (a plain `pulumi up`) or the
 * record does not name the provider.
 */
export function labEngine(platform: PlatformName, env: NodeJS.ProcessEnv = process.env): EngineRecord {
    const record = parseEngineRecord(env[ENGINE_RECORD_VAR]);
    return {
        cli: record?.cli ?? "not recorded",
        providers: Object.fromEntries(
            Object.entries(PROVIDERS_OF[platform]).map(([name, version]) => [
                name,
                record?.providers[name] ?? `not recorded (the program asks for ${version})`,
            ]),
        ),
    };
}
