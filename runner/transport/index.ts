// runner/transport/: its public surface, what other folders import from it.
export { quoteWord, shellCommandLine } from "./shell-words";
export { SshTransport } from "./ssh";
export type { SshOptions } from "./ssh";
export { StartGate } from "./start-gate";
export { AccessTransport, NetnsTransport, bashTimedArgv, runProcess } from "./transport";
export type { ProcessResult, RunOptions, Transport } from "./transport";
