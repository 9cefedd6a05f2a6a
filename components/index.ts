// components/: the Pulumi program. The Lab component (lab.ts) builds a platform's lab
// (platforms/), deploys netperf (netperf-deployment.ts) and runs the benchmark on the lab's plan
// (lab-plan.ts, benchmark.ts); lab-config.ts loads the typed configuration (config/ holds the keys
// and blocks); scripts/ builds what machines are handed; providers/ the typed vSphere and libvirt
// resources. This file is its surface for the root index.ts, the tools and the tests.
export { COMMAND_VERSION, ENGINE_RECORD_VAR } from "./engine-record";
export { ConfigError, PLAIN_SECRET, loadLabConfig, parseLabConfig } from "./lab-config";
export type { PlatformName } from "./lab-config";
export { buildPlan } from "./lab-plan";
export { Lab } from "./lab";
export { netserverScripts } from "./netperf-deployment";
