// components/scripts/: what the program hands to machines, built from validated values: shell
// scripts of command resources (every value quoted, shell.ts), cloud-init documents of the
// libvirt guests (cloud-init.ts), and the pinned SSH host keys (known-hosts.ts).
export { guestMac, metaData, networkConfig, userData } from "./cloud-init";
export type { GuestNetwork } from "./cloud-init";
export { knownHostKey } from "./known-hosts";
export { AS_ROOT, SAFE, checked, exitWithError, script, shellQuote } from "./shell";
