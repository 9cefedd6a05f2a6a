// tools/labs/: the labs that stand up real software on this machine (`npm run lab:<name>`), one
// file each, and the harness they share. This file is the folder's surface: what the rest of the
// project (tools/study.ts, tools/experiments/ssh-namespaces.ts, the tests) imports from it.
//   run-lab.ts       runLab and main: a lab's whole run (arguments, setup, stack, destroy, leftovers, teardown)
//   command-line.ts  the command line every lab shares (--keep, --down, the lab's own options)
//   lab-host.ts      Lab (what a lab says) and LabHost (the setup's steps, each recorded in the ledger)
//   ledger.ts        what the setup made (<lab state>/<lab>/made.json), and its undoing
//   leftovers.ts     what the stack left behind after `pulumi destroy`
//   stack.ts         the lab's stack: selected and configured (StackRun), its outputs read back and checked
//   this-machine.ts  commands, processes by pid, links and listening ports on this machine
//   lab-network.ts   the wires' Ethernet shaping and the management network
//   lab-error.ts     LabError
//   preview.ts       what a `pulumi preview --json` plans
//   native.ts, qemu.ts, vcsim.ts, xen.ts: the labs, each an entry point (`npm run lab:<name>`) that
//   runs only when executed (require.main), so importing them here runs nothing.
export type { LabArgs, LabOption } from "./command-line";
export { labHelp, parseLabArgs, usage } from "./command-line";
export { LabError } from "./lab-error";
export type { Lab } from "./lab-host";
export { LabHost } from "./lab-host";
export type { ManagementNet } from "./lab-network";
export { ethernetShaping, managementNet } from "./lab-network";
export type { Ledger, Made } from "./ledger";
export { labStateRoot, undo } from "./ledger";
export type { Leftover, Observed } from "./leftovers";
export { leftoversOf } from "./leftovers";
export { main, runLab, settle, upAndCheck } from "./run-lab";
export type { StackConfigValue, StackOutputs, StackRun } from "./stack";
export { readOutputs, runProblems } from "./stack";
export type { ProcessSeen } from "./this-machine";
export { commOf, listening, run, sleepMs, stopProcess } from "./this-machine";

export type { PlannedStep } from "./preview";
export { plannedChanges, replaced } from "./preview";
export { default as nativeLab, nicStateProblems } from "./native";
export type { DomainNicView } from "./qemu";
export { default as qemuLab, domainPathProblems, kvmHostCpuProblems, pnicChangeProblems } from "./qemu";
export type { SimulatedVm, SimulatedVswitch, VmExpectation } from "./vcsim";
export {
    checkSimulatedVm,
    checkSimulatedVswitches,
    checkNicTypes,
    checkState,
    creationSeconds,
    MAX_VM_CREATE_S,
    PLAN,
    default as vcsimLab,
    vmExpectation,
} from "./vcsim";
export { default as xenLab } from "./xen";
