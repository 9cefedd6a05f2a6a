// netperf on the lab: the installed version checked on every endpoint that receives, netserver
// started there on the configured port and checked listening; stopped on delete.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { PlanEndpoint } from "../benchmarks/types";
import { die, q, SAFE, script } from "./shell";

/** Prints the installed netperf version, or fails with how to install the wanted one. */
export function netperfVersionCheck(version: string): string[] {
    const want = q(version, SAFE.version);
    return [
        `command -v netperf >/dev/null && command -v netserver >/dev/null || ${die("netperf not found: enable Debian's non-free component and apt-get install -y netperf (see README)")}`,
        `v=$(netperf -V 2>&1 | sed -n 's/.*[Vv]ersion \\([0-9.]*\\).*/\\1/p')`,
        `[ "$v" = ${want} ] || ${die(`netperf $v is installed but hvnetlab:netperfVersion is ${version}: install ${version} or change the key`)}`,
    ];
}

/** Scripts that start and stop netserver inside a network namespace. */
export function netserverScripts(namespace: string, port: number, version: string): { create: string; delete: string } {
    const ns = q(namespace, SAFE.name);
    const p = q(port, SAFE.uint);
    const listening = `[ -n "$(ip netns exec ${ns} ss -Hltn "sport = :$port")" ]`;
    const stop = `for pid in $(ip netns pids ${ns}); do [ "$(cat /proc/$pid/comm 2>/dev/null)" = netserver ] && kill "$pid"; done`;
    return {
        create: script(
            ...netperfVersionCheck(version),
            `port=${p}`,
            `! ${listening} || ${die(`port $port is already in use in namespace ${namespace}: choose another hvnetlab:netserverPort`)}`,
            `ip netns exec ${ns} netserver -p "$port" >/dev/null || ${die(`netserver failed to start in namespace ${namespace}`)}`,
            `tries=0`,
            `until ${listening}; do`,
            `  tries=$((tries + 1))`,
            `  [ "$tries" -lt 50 ] || { ${stop}; ${die(`netserver does not listen on port $port in namespace ${namespace} after 5 s`)}; }`,
            `  sleep 0.1`,
            `done`,
            `echo "$v"`,
        ),
        delete: script(`[ -e /run/netns/${ns} ] || exit 0`, stop, "true"),
    };
}

export interface NetperfDeploymentArgs {
    /** Endpoints that run netserver (every endpoint that receives in some experiment). */
    readonly servers: PlanEndpoint[];
    /** netserver control port. */
    readonly port: number;
    /** netperf version every endpoint must have. */
    readonly version: string;
    /** Resources netserver waits for (the wires). */
    readonly dependsOn: pulumi.Resource[];
}

export class NetperfDeployment extends pulumi.ComponentResource {
    /** One netserver resource per server endpoint; the benchmark depends on all of them. */
    readonly netservers: command.local.Command[];
    /** The netperf version found on each server endpoint. */
    readonly versions: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: NetperfDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:netperf:NetperfDeployment", name, {}, opts);
        this.netservers = args.servers.map((e) => {
            if (e.access.kind !== "netns") throw new pulumi.ResourceError(`endpoint ${e.name}: netserver over ${e.access.kind} is not supported`, this);
            return new command.local.Command(
                `${name}-netserver-${e.name}`,
                netserverScripts(e.access.namespace, args.port, args.version),
                { parent: this, dependsOn: args.dependsOn },
            );
        });
        this.versions = pulumi.all(this.netservers.map((c) => c.stdout)).apply((outs) =>
            Object.fromEntries(args.servers.map((e, i) => [e.name, outs[i].trim()])));
        this.registerOutputs({ versions: this.versions });
    }
}
