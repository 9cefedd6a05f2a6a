// runner/sampling/: the CPU samplers started with every run: the endpoints' /proc/stat sampler and
// one hypervisor host sampler per kind (kvm, xen, esx), with the figures over a run's window.
export { hostDemandUsPerKB, parseSamplerOutput, processDemandUsPerKB, runCpu, samplerArgs } from "./endpoint-sampler";
export type { SamplerSource } from "./endpoint-sampler";
export { hostSamplerArgs, parseHostSamplerOutput, withHostCpu } from "./host-sampler";
export type { HostSamplerSource } from "./host-sampler";
