// model/: the vocabulary every other folder shares, and a leaf: the plan (plan.ts) and the results
// document (results.ts), the CPU and NIC figures they carry (cpu.ts, nic.ts), the test matrix,
// the wire's goodput limits, the patterns every value is checked against, the plan's check, and
// canonical JSON. It imports nothing of ours.
export * from "./canonical-json";
export * from "./cpu";
export * from "./limits";
export * from "./matrix";
export * from "./nic";
export * from "./plan-check";
export * from "./plan";
export * from "./results";
export * from "./value-patterns";
