// The error of the labs' harness: a command line, a setup step or a command on this machine that
// went wrong, said in one line (what, where, and what to do where there is something to do).
export class LabError extends Error {
    readonly name = "LabError";
}
