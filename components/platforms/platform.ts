// The one small interface every platform implements: build hosts, peer and guests with one
// dedicated NIC each, and hand back what the plan needs. Adding a platform means one new file in
// this folder and one line in ./index.ts.
import * as pulumi from "@pulumi/pulumi";
import { LimitBasis, PlanEndpoint, PlanWire } from "../../benchmarks/types";
import { LabConfig } from "../config";

export interface PlatformLab {
    /** Every guest and peer, with how the runner reaches it. */
    readonly endpoints: PlanEndpoint[];
    /** One dedicated wire per guest, in guest order. */
    readonly wires: PlanWire[];
    /** Which frame overhead bounds goodput on these wires. */
    readonly limitBasis: LimitBasis;
    /** Resources that must exist before netserver can start on the endpoints. */
    readonly ready: pulumi.Resource[];
}

/** A platform's host component: a ComponentResource that is also a PlatformLab. */
export type PlatformFactory = (name: string, config: LabConfig, opts: pulumi.ComponentResourceOptions) => PlatformLab;

export class PlatformNotAvailableError extends Error {
    readonly name = "PlatformNotAvailableError";
}
