// The one small interface every platform implements: build hosts, peer and guests with one
// dedicated NIC each, and hand back what the plan needs. Adding a platform means one new file in
// this folder and one line in ./index.ts.
import type * as pulumi from "@pulumi/pulumi";
import type { HostFacts, LimitBasis, PlanEndpoint, PlanHost, PlanWire } from "../../model";

export interface PlatformLab {
    /** Every guest and peer, with how the runner reaches it. */
    readonly endpoints: PlanEndpoint[];
    /** One dedicated wire per guest, in guest order. */
    readonly wires: PlanWire[];
    /** Which frame overhead bounds goodput on these wires. */
    readonly limitBasis: LimitBasis;
    /** Where the wires share one uplink to the peer: its speed (Mb/s). */
    readonly uplinkMbps?: number;
    /** Per endpoint: what must exist before netperf is set up there (its machine and its NICs). */
    readonly ready: Readonly<Record<string, pulumi.Resource[]>>;
    /** The hypervisor host(s) whose CPU the runner samples over every run (kvm, xen, esx); absent on local and native. */
    readonly hosts?: PlanHost[];
    /** What the lab's machines are, read when they were prepared (e.g. the hypervisor host). */
    readonly hostFacts: pulumi.Output<Record<string, HostFacts>>;
}
