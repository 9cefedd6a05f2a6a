// The lab: the platform's hosts and wires, netperf on them, and the benchmark that measures them.
import * as pulumi from "@pulumi/pulumi";
import { serverEndpoints, wireEnds } from "../model";
import type { SummaryRow } from "../analysis";
import type { EngineRecord, HostFacts, Plan, PlanEndpoint, PlanWire, ResultsDocument } from "../model";
import { resultsFileOf } from "../runner";
import { Benchmark, PROJECT_ROOT } from "./benchmark";
import type { GuestShape, LabSecrets } from "./config";
import type { LabConfig } from "./lab-config";
import { loadLabSecrets } from "./lab-config";
import { labEngine } from "./engine-record";
import { NetperfDeployment } from "./netperf-deployment";
import { buildPlan } from "./lab-plan";
import { connectionTo, createPlatform, GUEST_BOOT_DIALS, machineHostKey } from "./platforms";

/** The `lab` stack output: what was built, and the fingerprint that says what it is comparable to. */
export interface LabInventory {
    readonly platform: string;
    readonly labPrefix: string;
    readonly fingerprint: string;
    readonly subnet: string;
    readonly nicSpeedMbps: number;
    readonly mtu: number;
    /** The matched guest shape (hypervisor platforms). */
    readonly guest?: Omit<GuestShape, "sshPublicKey">;
    /** netperf version found on every endpoint. */
    readonly netperfVersions: Record<string, string>;
    /** How each netserver started (a systemd unit, or a plain process and why), per endpoint. */
    readonly netservers: Record<string, string>;
    /** What the lab's machines are (kernel, CPU, NIC drivers and speeds, hypervisor version). */
    readonly hostFacts: Record<string, HostFacts>;
    readonly endpoints: (PlanEndpoint & { nics: { name: string; address: string; wire: number; speedMbps: number; mtu: number }[] })[];
    readonly wires: PlanWire[];
    /** Which implementation made the lab: the Pulumi CLI, and each provider as `official 4.17.0` or `built here, stand-in for 4.17.0`. */
    readonly engine: EngineRecord;
}

export interface LabArgs {
    /** The validated lab configuration. */
    readonly config: LabConfig;
    /** Reads the secrets; called only by labs that need them. */
    readonly secrets?: () => LabSecrets;
    /** What runs the program (default: the record in HVNETLAB_ENGINE, components/engine-record.ts). */
    readonly engine?: EngineRecord;
}

/**
 * The whole lab of one stack: the platform's hosts, peer and guests with one dedicated wire each
 * (the platform component), netperf on every endpoint (NetperfDeployment, after each endpoint is
 * ready), and the benchmark that measures once every netperf is ready (Benchmark). Outputs the
 * inventory with the fingerprint (`lab`), the `plan`, the `results` and their `summary`.
 */
export class Lab extends pulumi.ComponentResource {
    readonly plan: Plan;
    readonly inventory: pulumi.Output<LabInventory>;
    readonly results: pulumi.Output<ResultsDocument>;
    readonly summary: pulumi.Output<SummaryRow[]>;

    constructor(name: string, args: LabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:lab:Lab", name, {}, opts);
        const config = args.config;
        let loaded: LabSecrets | undefined;
        const secrets = () => (loaded ??= (args.secrets ?? loadLabSecrets)());
        const platform = createPlatform(`${name}-${config.platform}`, config, secrets, { parent: this });
        this.plan = buildPlan(config, platform);
        const netperf = new NetperfDeployment(
            `${name}-netperf`,
            {
                endpoints: this.plan.endpoints,
                servers: serverEndpoints(this.plan),
                port: config.netserverPort,
                labPrefix: config.labPrefix,
                version: config.netperfVersion,
                source: config.netperfSource,
                ready: platform.ready,
                connection: (e) => {
                    if (e.access.kind !== "ssh") throw new pulumi.ResourceError(`endpoint ${e.name} is not reached over ssh`, this);
                    const hostKey = machineHostKey(config, e.access);
                    return connectionTo(e.access, secrets().sshPrivateKey, e.role === "guest" ? GUEST_BOOT_DIALS : undefined, hostKey);
                },
            },
            { parent: this },
        );
        const benchmark = new Benchmark(
            `${name}-benchmark`,
            {
                plan: this.plan,
                runId: config.runId,
                dependsOn: netperf.ready,
                ...(this.plan.ssh ? { sshPrivateKey: secrets().sshPrivateKey } : {}),
                resultsFile: resultsFileOf(config.resultsFile, pulumi.getStack(), PROJECT_ROOT),
                failOn: config.failOn,
            },
            { parent: this },
        );
        const plan = this.plan;
        const engine = args.engine ?? labEngine(config.platform);
        const guest = "guest" in config ? (({ sshPublicKey: _key, ...shape }) => shape)(config.guest) : undefined;
        this.inventory = pulumi
            .all([netperf.versions, netperf.started, platform.hostFacts])
            .apply(([netperfVersions, netservers, hostFacts]) => ({
                platform: config.platform,
                labPrefix: config.labPrefix,
                fingerprint: plan.fingerprint,
                subnet: config.subnetText,
                nicSpeedMbps: config.nicSpeedMbps,
                mtu: config.mtu,
                ...(guest ? { guest } : {}),
                netperfVersions,
                netservers,
                hostFacts,
                endpoints: inventoryEndpoints(plan),
                wires: plan.wires,
                engine,
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
        nics: wireEnds(plan.wires, e.name).map(({ wire, nic, address }) => ({
            name: nic,
            address,
            wire: wire.index,
            speedMbps: wire.speedMbps,
            mtu: wire.mtu,
        })),
    }));
}
