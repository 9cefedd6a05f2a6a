// runner/sampling/: its public surface, what other folders import from it.
export { hostDemandUsPerKB, parseSamplerOutput, processDemandUsPerKB, runCpu, samplerArgs } from "./endpoint-sampler";
export type { SamplerSource } from "./endpoint-sampler";
export { hostSamplerArgs, parseHostSamplerOutput, withHostCpu } from "./host-sampler";
export type { HostSamplerSource } from "./host-sampler";
