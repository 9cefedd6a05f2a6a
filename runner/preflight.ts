// The checks before the first run: what every endpoint is (facts, clock), that its wires are the
// plan's, and that every netserver the matrix uses answers. A lab that fails them is unfit to
// measure: they throw, and nothing is measured.
import { factsArgs, parseFacts } from "./netperf";
import type { Cell, StreamPlan } from "../model";
import { streamsOf, wireEnds } from "../model";
import { reachabilityArgs } from "./netperf";
import type { Transport } from "./transport";
import type { ClockReading, EndpointReport, Plan } from "../model";

/** How the checks reach the endpoints. */
export interface PreflightOptions {
    readonly transport: Transport;
    readonly signal?: AbortSignal;
    /** Told how many client-server pairs the reachability check tries, before it tries them. */
    readonly onCheck?: (pairs: number) => void;
}

export class ReachabilityError extends Error {
    readonly name = "ReachabilityError";
}

export class WireMismatchError extends Error {
    readonly name = "WireMismatchError";
}

export class ClockOffsetError extends Error {
    readonly name = "ClockOffsetError";
}

/** Each endpoint's facts (kernel, CPU, hypervisor, its wire NICs) and clock offset, read in parallel. */
export async function describeEndpoints(plan: Plan, options: PreflightOptions): Promise<Record<string, EndpointReport>> {
    const reports = await Promise.all(
        plan.endpoints.map(async (e): Promise<[string, EndpointReport]> => {
            const clock = await options.transport.clock(e, options.signal);
            const r = await options.transport.run(e, factsArgs(wireEnds(plan.wires, e.name).map((end) => `addr:${end.address}`)), {
                timeoutMs: 20000,
                signal: options.signal,
            });
            if (r.code !== 0)
                throw new ReachabilityError(
                    `cannot read the facts of endpoint ${e.name}: ${firstLine(r.stderr || r.stdout) || `exit ${r.code ?? r.signal}`}`,
                );
            return [e.name, { facts: parseFacts(r.stdout), clock }];
        }),
    );
    return Object.fromEntries(reports);
}

/** Refuses to go on when an endpoint's clock is further off than the plan allows. */
export function checkClocks(reports: Record<string, { clock: ClockReading }>, maxOffsetMs: number): void {
    const off = Object.entries(reports).filter(([, r]) => Math.abs(r.clock.offsetMs) > maxOffsetMs);
    if (off.length > 0) {
        throw new ClockOffsetError(
            `clock offset to the runner exceeds hvnetlab:maxClockOffsetMs (${maxOffsetMs} ms) on ${off.map(([n, r]) => `${n} (${r.clock.offsetMs.toFixed(1)} ms)`).join(", ")}: synchronize the clocks (chrony or ntpd against one source) and run again; concurrent streams cannot be aligned otherwise`,
        );
    }
}

/**
 * Every wire end as the plan says, read on its endpoint: a NIC holds the address, with the wire's
 * MTU; and on bare metal with an Ethernet limit, the wire's link speed (virtual NICs report speeds
 * that mean nothing, and the local lab's veths are shaped below theirs). A mismatch stops the run:
 * the limits would be wrong.
 */
export function checkWires(plan: Pick<Plan, "endpoints" | "wires" | "limitBasis">, reports: Record<string, EndpointReport>): void {
    const problems: string[] = [];
    for (const e of plan.endpoints) {
        const facts = reports[e.name]?.facts;
        if (!facts) continue;
        for (const end of wireEnds(plan.wires, e.name)) {
            const nic = facts.nics.find((n) => n.address === end.address);
            if (!nic || nic.name === "missing") {
                problems.push(`${e.name}: no NIC holds the wire address ${end.address}`);
                continue;
            }
            if (nic.mtu !== undefined && nic.mtu !== end.wire.mtu) {
                problems.push(`${e.name}: ${nic.name} (${end.address}) has MTU ${nic.mtu}, the plan says ${end.wire.mtu}`);
            }
            if (
                plan.limitBasis === "ethernet" &&
                facts.virtualization === "none" &&
                nic.speedMbps !== undefined &&
                nic.speedMbps !== end.wire.speedMbps
            ) {
                problems.push(
                    `${e.name}: ${nic.name} (${end.address}) links at ${nic.speedMbps} Mb/s, the plan says ${end.wire.speedMbps}`,
                );
            }
        }
    }
    if (problems.length > 0) {
        throw new WireMismatchError(
            `the wires are not what the plan says:\n  ${problems.join("\n  ")}\nfix the NICs (or hvnetlab:mtu / hvnetlab:nicSpeedMbps) and run again: the limits would be wrong otherwise`,
        );
    }
}

/** One 1-byte transaction from every client to every server the matrix uses, all at once. */
export async function checkReachable(plan: Plan, cells: readonly Cell[], options: PreflightOptions): Promise<void> {
    const pairs = new Map<string, StreamPlan>();
    for (const cell of cells) {
        for (const s of streamsOf(cell, plan.endpoints)) pairs.set(`${s.client.name}>${s.serverAddress}`, s);
    }
    options.onCheck?.(pairs.size);
    const failures = await Promise.all(
        [...pairs.values()].map(async (s) => {
            const r = await options.transport.run(s.client, ["netperf", ...reachabilityArgs(s.serverAddress, plan.netserverPort)], {
                timeoutMs: 15000,
                signal: options.signal,
            });
            return r.code === 0
                ? undefined
                : `${s.client.name} -> netserver on ${s.server.name} at ${s.serverAddress}:${plan.netserverPort}: ${firstLine(r.stderr || r.stdout) || `exit ${r.code ?? r.signal}`}`;
        }),
    );
    const failed = failures.filter((f): f is string => f !== undefined);
    if (failed.length > 0) {
        throw new ReachabilityError(
            `netserver does not answer on ${failed.length} of ${pairs.size} wire(s); check that netserver runs on the port hvnetlab:netserverPort and that the wires are up:\n  ${failed.join("\n  ")}`,
        );
    }
}

function firstLine(text: string): string {
    return text.trim().split(/\r?\n/)[0]?.trim() ?? "";
}
