// The platforms a lab can be built on, by the name used in hvnetlab:platform.
import type { PlatformName } from "../config";
import { EsxLab } from "./esx";
import { KvmLab } from "./kvm";
import { LocalLab } from "./local";
import { NativeLab } from "./native";
import type { PlatformFactory } from "./platform";
import { XenLab } from "./xen";

const PLATFORMS: Record<PlatformName, PlatformFactory> = {
    local: (name, config, _secrets, opts) => new LocalLab(name, { config }, opts),
    native: (name, config, secrets, opts) => new NativeLab(name, { config, secrets: secrets() }, opts),
    esx: (name, config, secrets, opts) => new EsxLab(name, { config, secrets: secrets() }, opts),
    kvm: (name, config, secrets, opts) => new KvmLab(name, { config, secrets: secrets() }, opts),
    xen: (name, config, secrets, opts) => new XenLab(name, { config, secrets: secrets() }, opts),
};

export function platformFactory(platform: PlatformName): PlatformFactory {
    return PLATFORMS[platform];
}
