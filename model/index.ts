// model/: its public surface, what other folders import from it.
export { canonical } from "./canonical-json";
export type { Bottleneck, CpuUse, HostThreadFigures, MachineCpuFigures, ProcessCpuFigures, RunCpuFigures } from "./cpu";
export { ETHERNET_OVERHEAD, TBF_OVERHEAD, goodputLimit, round } from "./limits";
export { expandMatrix, serverEndpoints, streamsOf, wireEnds } from "./matrix";
export type { Cell, StreamPlan, WireEnd } from "./matrix";
export { OFFLOADS, isAvailable } from "./nic";
export type { NicChannels, NicOffloads, NicRings, Offload, Unavailable } from "./nic";
export { PlanError, maxSkewOf, validatePlan } from "./plan-check";
export { EXPERIMENTS, NETPERF_TESTS, PEER_KINDS, SSH_KEY_ENV } from "./types";
export type {
    ClockCheck,
    ClockReading,
    Comparable,
    EndpointReport,
    EngineRecord,
    Experiment,
    HostFacts,
    HostSamplerKind,
    LatencyFigures,
    LimitBasis,
    Limits,
    Measurement,
    NetnsAccess,
    NetperfTest,
    NicFacts,
    PeerKind,
    Plan,
    PlanEndpoint,
    PlanHost,
    PlanWire,
    ResultsDocument,
    RunKey,
    RunResult,
    Sample,
    SshAccess,
    StartRecord,
    StreamResult,
} from "./types";
export {
    ABSOLUTE_PATH,
    CIDR,
    EMULATION,
    HOST,
    HOST_PORT,
    HTTPS_URL,
    IFNAME,
    IMAGE,
    INVENTORY,
    IPV4,
    KERNEL_CMDLINE,
    LAB_PREFIX,
    NAME,
    RESULTS_FILE,
    RUN_ID,
    SHA256,
    SSH_PUBLIC_KEY,
    UINT,
    USER,
    VERSION,
    VSPHERE_USER,
} from "./value-patterns";
