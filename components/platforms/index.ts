// The platforms a lab can be built on, by the name used in hvnetlab:platform: for each, the parser
// of its part of the configuration and the component that builds it. A new platform is one file
// in this folder and one line here. The rest of the lab imports the platforms through this file.
import type * as pulumi from "@pulumi/pulumi";
import type { LabSecrets, PlatformConfigParser, SharedConfig } from "../config";
import { EsxLab, parseEsxConfig } from "./esx";
import { KvmLab } from "./kvm";
import { libvirtConfigParser } from "./libvirt-lab";
import { LocalLab, parseLocalConfig } from "./local";
import { NativeLab, parseNativeConfig } from "./native";
import type { PlatformLab } from "./platform";
import { XenLab } from "./xen";

// What the rest of the lab uses of the platforms besides the registry: the interface every
// platform implements, and the SSH connection its machines are reached through.
export type { PlatformLab } from "./platform";
export type { Connection } from "./remote";
export { connectionTo, GUEST_BOOT_DIALS, machineHostKey, nicStateFile } from "./remote";
export { localTopology, namespaceScripts, tbfBurstKb, wireScripts } from "./local";

/** A platform: how to read its configuration, and how to build it from that configuration. */
export interface Platform<C extends SharedConfig> {
    readonly parseConfig: PlatformConfigParser<C>;
    readonly create: (name: string, config: C, secrets: () => LabSecrets, opts: pulumi.ComponentResourceOptions) => PlatformLab;
}

function platform<C extends SharedConfig>(parseConfig: PlatformConfigParser<C>, create: Platform<C>["create"]): Platform<C> {
    return { parseConfig, create };
}

/** Every platform, in the order the config's messages list them. */
export const PLATFORM_REGISTRY = {
    local: platform(parseLocalConfig, (name, config, _secrets, opts) => new LocalLab(name, { config }, opts)),
    native: platform(parseNativeConfig, (name, config, secrets, opts) => new NativeLab(name, { config, secrets: secrets() }, opts)),
    esx: platform(parseEsxConfig, (name, config, secrets, opts) => new EsxLab(name, { config, secrets: secrets() }, opts)),
    kvm: platform(libvirtConfigParser("kvm"), (name, config, secrets, opts) => new KvmLab(name, { config, secrets: secrets() }, opts)),
    xen: platform(libvirtConfigParser("xen"), (name, config, secrets, opts) => new XenLab(name, { config, secrets: secrets() }, opts)),
};

/** Builds the lab's platform: the component its configuration names. */
export function createPlatform(
    name: string,
    config: { readonly platform: keyof typeof PLATFORM_REGISTRY } & SharedConfig,
    secrets: () => LabSecrets,
    opts: pulumi.ComponentResourceOptions,
): PlatformLab {
    // The registry pairs each platform's parser with its component, so the configuration that
    // names a platform is the one its parser made: the cast only restates that pairing.
    const chosen = PLATFORM_REGISTRY[config.platform] as unknown as Platform<SharedConfig>;
    return chosen.create(name, config, secrets, opts);
}
