// The platforms a lab can be built on, by the name used in hvnetlab:platform.
import { PlatformName } from "../config";
import { LocalLab } from "./local";
import { PlatformFactory, PlatformNotAvailableError } from "./platform";

const PLATFORMS: Partial<Record<PlatformName, PlatformFactory>> = {
    local: (name, config, opts) => new LocalLab(name, { config }, opts),
};

export function platformFactory(platform: PlatformName): PlatformFactory {
    const factory = PLATFORMS[platform];
    if (!factory) {
        const available = Object.keys(PLATFORMS).join(", ");
        throw new PlatformNotAvailableError(`hvnetlab:platform = "${platform}" is not available in this version of hvnetlab; use ${available}`);
    }
    return factory;
}
