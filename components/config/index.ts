// components/config/: the lab's configuration model: the hvnetlab:* keys with their defaults and
// the shared types (keys.ts), the parsers of the structured blocks (blocks.ts) and the address plan
// (addressing.ts). The platforms build on it; components/lab-config.ts loads a whole config,
// walking the platforms' parsers.
export { PRIVATE_RANGES, contains, formatIpv4, ipv4Number, overlaps, parseCidr, wireAddresses, wireCapacity } from "./addressing";
export type { Cidr } from "./addressing";
export { PATTERNS, parseGuest, parseHost, parseLibvirt, parseObject, parseVsphere, parseXen, repeated } from "./blocks";
export type { GuestShape, HostSpec, LibvirtSpec, VsphereSpec, XenSpec } from "./blocks";
export { DEFAULTS, SECRET_KEYS, STRUCTURED_KEYS } from "./keys";
export type { ConfigContext, ConfigKey, LabSecrets, PlatformConfigParser, Report, SecretKey, SharedConfig, StructuredKey } from "./keys";
export { CPU_LIST, PCI_ADDRESS, defaultNicSpec, parseNic, pinnedCpus } from "./nic-path";
export type { NicSpec } from "./nic-path";
