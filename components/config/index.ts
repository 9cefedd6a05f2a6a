// The lab's configuration, as the rest of the project uses it: load it from the stack
// (loadLabConfig, loadLabSecrets) or parse it from a key lookup (parseLabConfig), and its types.
// Inside: keys.ts declares the keys and the shared types, blocks.ts parses the structured blocks,
// and load.ts reads them all and walks the platforms. The platforms import keys.ts and blocks.ts
// directly, never this file, since the loader imports the platforms.
export type { LabConfig, PlatformName, ConfigOf } from "./load";
export {
    ConfigError,
    loadLabConfig,
    loadLabSecrets,
    MAX_TCP_MESSAGE,
    MAX_UDP_MESSAGE,
    parseLabConfig,
    PLAIN_SECRET,
    PLATFORMS,
} from "./load";
export type { ConfigContext, ConfigKey, LabSecrets, PlatformConfigParser, Report, SecretKey, SharedConfig, StructuredKey } from "./keys";
export { DEFAULTS, SECRET_KEYS, STRUCTURED_KEYS } from "./keys";
export type { GuestShape, HostSpec, LibvirtSpec, VsphereSpec, XenSpec } from "./blocks";
export { GUEST_MAX_VCPUS } from "./blocks";
