// A guest of the local lab held to a small share of one CPU: a cgroup with a CPU quota (cgroup v1's
// cpu.cfs_quota_us / cfs_period_us, or v2's cpu.max, whichever this machine mounts;
// Documentation/scheduler/sched-bwc.rst, Documentation/admin-guide/cgroup-v2.rst) and a transport
// that starts that guest's netperf clients inside it. Used by tools/experiments/cpu-limited.ts and
// test/integration/cpu-limit.test.ts.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "fs";
import * as path from "path";
import type { ProcessResult, RunOptions, Transport } from "../../runner/transport";
import { bashTimedArgv, NetnsTransport, runProcess } from "../../runner/transport";
import type { PlanEndpoint } from "../../model";

/** The cgroup period, in microseconds (the kernel's default). */
export const PERIOD_US = 100000;

/**
 * Makes cgroup `name` with a CPU quota of `cpus` CPUs at /sys/fs/cgroup (v1's cpu controller, or
 * v2 with cpu in the root's subtree_control). Undefined where neither is writable.
 */
export function makeCgroup(name: string, cpus: number): { procs: string; remove: () => void } | undefined {
    const v1 = "/sys/fs/cgroup/cpu";
    const v2 = "/sys/fs/cgroup";
    const quota = String(Math.round(cpus * PERIOD_US));
    try {
        if (existsSync(path.join(v1, "cpu.cfs_quota_us"))) {
            const dir = path.join(v1, name);
            mkdirSync(dir);
            writeFileSync(path.join(dir, "cpu.cfs_period_us"), String(PERIOD_US));
            writeFileSync(path.join(dir, "cpu.cfs_quota_us"), quota);
            return { procs: path.join(dir, "cgroup.procs"), remove: () => rmdirSync(dir) };
        }
        if (
            existsSync(path.join(v2, "cgroup.controllers")) &&
            readFileSync(path.join(v2, "cgroup.subtree_control"), "utf8").includes("cpu")
        ) {
            const dir = path.join(v2, name);
            mkdirSync(dir);
            writeFileSync(path.join(dir, "cpu.max"), `${quota} ${PERIOD_US}`);
            return { procs: path.join(dir, "cgroup.procs"), remove: () => rmdirSync(dir) };
        }
    } catch {
        return undefined;
    }
    return undefined;
}

/**
 * The namespace transport, except that guest `guest`'s netperf clients start inside a cgroup:
 * `nsenter --net` (which, unlike `ip netns exec`, keeps /sys/fs/cgroup in view) enters the
 * guest's namespace, bash waits for the start time, sh joins the cgroup and becomes netperf.
 */
export class CgroupTransport implements Transport {
    private readonly inner = new NetnsTransport();
    constructor(
        private readonly guest: string,
        private readonly procs: string,
    ) {}
    run(endpoint: PlanEndpoint, argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        if (endpoint.name !== this.guest || argv[0] !== "netperf" || endpoint.access.kind !== "netns")
            return this.inner.run(endpoint, argv, options);
        const join = ["sh", "-c", 'echo $$ > "$1" && shift && exec "$@"', "hvnetlab-cgroup", this.procs, ...argv];
        return runProcess(
            "nsenter",
            [`--net=/run/netns/${endpoint.access.namespace}`, ...bashTimedArgv(options.startAtMs ?? Date.now(), join)],
            {
                ...options,
                holdStdin: true,
            },
        );
    }
    runHere(argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
        return this.inner.runHere(argv, options);
    }
    clock(): Promise<{ offsetMs: number; rttMs: number }> {
        return this.inner.clock();
    }
    canRelease(endpoint: PlanEndpoint): boolean {
        return endpoint.name !== this.guest;
    }
    close(): Promise<void> {
        return this.inner.close();
    }
}
