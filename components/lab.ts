// The lab: the platform's hosts and wires, netperf on them, and the benchmark that measures them.
import * as pulumi from "@pulumi/pulumi";
import { serverEndpoints } from "../benchmarks/matrix";
import { SummaryRow } from "../benchmarks/summary";
import { Plan, PlanEndpoint, PlanWire, ResultsDocument } from "../benchmarks/types";
import { Benchmark } from "./benchmark";
import { LabConfig } from "./config";
import { NetperfDeployment } from "./netperf";
import { buildPlan } from "./plan";
import { platformFactory } from "./platforms";

/** The `lab` stack output: what was built, and the fingerprint that says what it is comparable to. */
export interface LabInventory {
    readonly platform: string;
    readonly labPrefix: string;
    readonly fingerprint: string;
    readonly subnet: string;
    readonly nicSpeedMbps: number;
    readonly mtu: number;
    /** netperf version found on every endpoint that runs netserver. */
    readonly netperfVersions: Record<string, string>;
    readonly endpoints: (PlanEndpoint & { nics: { name: string; address: string; wire: number; speedMbps: number; mtu: number }[] })[];
    readonly wires: PlanWire[];
}

export interface LabArgs {
    /** The validated lab configuration. */
    readonly config: LabConfig;
}

export class Lab extends pulumi.ComponentResource {
    readonly plan: Plan;
    readonly inventory: pulumi.Output<LabInventory>;
    readonly results: pulumi.Output<ResultsDocument>;
    readonly summary: pulumi.Output<SummaryRow[]>;

    constructor(name: string, args: LabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:lab:Lab", name, {}, opts);
        const config = args.config;
        const platform = platformFactory(config.platform)(`${name}-${config.platform}`, config, { parent: this });
        this.plan = buildPlan(config, platform);
        const servers = new Set(serverEndpoints(this.plan));
        const netperf = new NetperfDeployment(`${name}-netperf`, {
            servers: this.plan.endpoints.filter((e) => servers.has(e.name)),
            port: config.netserverPort,
            version: config.netperfVersion,
            dependsOn: platform.ready,
        }, { parent: this });
        const benchmark = new Benchmark(`${name}-benchmark`, {
            plan: this.plan,
            runId: config.runId,
            dependsOn: netperf.netservers,
        }, { parent: this });
        const plan = this.plan;
        this.inventory = netperf.versions.apply((netperfVersions) => ({
            platform: config.platform,
            labPrefix: config.labPrefix,
            fingerprint: plan.fingerprint,
            subnet: config.subnetText,
            nicSpeedMbps: config.nicSpeedMbps,
            mtu: config.mtu,
            netperfVersions,
            endpoints: inventoryEndpoints(plan),
            wires: plan.wires,
        }));
        this.results = benchmark.results;
        this.summary = benchmark.summary;
        this.registerOutputs({ lab: this.inventory, plan: this.plan, results: this.results, summary: this.summary });
    }
}

/** Each endpoint with the NICs it has on the dedicated wires. */
export function inventoryEndpoints(plan: Pick<Plan, "endpoints" | "wires">): LabInventory["endpoints"] {
    return plan.endpoints.map((e) => ({
        ...e,
        nics: plan.wires.flatMap((w) => {
            const nic = (name: string, address: string) => ({ name, address, wire: w.index, speedMbps: w.speedMbps, mtu: w.mtu });
            if (w.guest === e.name) return [nic(w.guestNic, w.guestAddress)];
            if (w.peer === e.name) return [nic(w.peerNic, w.peerAddress)];
            return [];
        }),
    }));
}
