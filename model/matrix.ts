// The test matrix: every cell the runner measures, and who talks to whom in each cell.
import type { Plan, PlanEndpoint, PlanMatrix, PlanWire } from "./plan";
import type { RunKey } from "./results";

export interface Cell extends RunKey {
    /** The first `guests` wires. */
    readonly wires: PlanWire[];
}

/** One netperf client and the netserver it measures against, on one dedicated wire. */
export interface StreamPlan {
    readonly wire: PlanWire;
    readonly client: PlanEndpoint;
    readonly server: PlanEndpoint;
    /** Benchmark address of the server side, on this wire. */
    readonly serverAddress: string;
}

/** Cells in run order: experiment, test, message size, then guests 1..N (the scale-out). */
export function expandMatrix(matrix: PlanMatrix, wires: readonly PlanWire[]): Cell[] {
    const cells: Cell[] = [];
    for (const experiment of matrix.experiments) {
        for (const test of matrix.tests) {
            for (const messageBytes of matrix.messageSizes) {
                for (const guests of matrix.guestCounts) {
                    if (guests > wires.length) {
                        throw new RangeError(`the matrix asks for ${guests} guests but the plan has ${wires.length} wires`);
                    }
                    cells.push({
                        id: `${experiment}-${matrix.peer}-${test}-${messageBytes}B-${guests}g`,
                        experiment,
                        peer: matrix.peer,
                        test,
                        messageBytes,
                        guests,
                        wires: wires.slice(0, guests),
                    });
                }
            }
        }
    }
    return cells;
}

/** send: the guest runs netperf against its peer; receive: the peer runs netperf against the guest. */
export function streamsOf(cell: Cell, endpoints: readonly PlanEndpoint[]): StreamPlan[] {
    const byName = new Map(endpoints.map((e) => [e.name, e]));
    const find = (name: string): PlanEndpoint => {
        const e = byName.get(name);
        if (!e) throw new RangeError(`wire refers to endpoint '${name}', which the plan does not list`);
        return e;
    };
    return cell.wires.map((wire) =>
        cell.experiment === "send"
            ? { wire, client: find(wire.guest), server: find(wire.peer), serverAddress: wire.peerAddress }
            : { wire, client: find(wire.peer), server: find(wire.guest), serverAddress: wire.guestAddress },
    );
}

/** One end of a dedicated wire: the NIC and address an endpoint has on it. */
export interface WireEnd {
    readonly wire: PlanWire;
    readonly nic: string;
    readonly address: string;
}

/** The ends of the wires an endpoint terminates, in wire order. */
export function wireEnds(wires: readonly PlanWire[], endpoint: string): WireEnd[] {
    return wires.flatMap((wire) => [
        ...(wire.guest === endpoint ? [{ wire, nic: wire.guestNic, address: wire.guestAddress }] : []),
        ...(wire.peer === endpoint ? [{ wire, nic: wire.peerNic, address: wire.peerAddress }] : []),
    ]);
}

/** Endpoints that must run a netserver for this plan: every server of every cell. */
export function serverEndpoints(plan: Pick<Plan, "matrix" | "wires" | "endpoints">): string[] {
    const names = new Set<string>();
    for (const experiment of plan.matrix.experiments) {
        for (const wire of plan.wires) names.add(experiment === "send" ? wire.peer : wire.guest);
    }
    return plan.endpoints.map((e) => e.name).filter((n) => names.has(n));
}
