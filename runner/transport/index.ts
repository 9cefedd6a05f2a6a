// runner/transport/: how the runner runs a program on an endpoint (a network namespace, a local
// process, OpenSSH with one reused connection per machine), the start gate that releases armed
// netperf clients together, and POSIX shell quoting.
export { quoteWord, shellCommandLine } from "./shell-words";
export { SshTransport } from "./ssh";
export type { SshOptions } from "./ssh";
export { StartGate } from "./start-gate";
export { AccessTransport, NetnsTransport, bashTimedArgv, runProcess } from "./transport";
export type { ProcessResult, RunOptions, Transport } from "./transport";
