// Runs one of the stacks in stacks/ under the mock runtime, with test secrets, answering the
// vSphere lookups and the remote commands as real machines would.
import { writeFileSync } from "fs";
import * as path from "path";
import { loadStackConfig } from "../tools/engine/stack-config";
import type { Registration } from "./mocks";
import { fakeBenchmarkRun, loadProgram, MockLab, promiseOf } from "./mocks";
import { tempDir } from "./tmp";

export const ROOT = path.resolve(__dirname, "..");
/** Secret values no plain output may contain. */
export const SECRETS = {
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1mb3ItdGVzdHM=\n-----END OPENSSH PRIVATE KEY-----",
    vspherePassword: "vsphere-Secret-Pa55",
};

const FACTS = "kernel=6.1.0-28-amd64\ncpu=Intel(R) Xeon(R) E5-2680\nvirt=none\nhypervisor=\nnic=|enp3s0f0|ixgbe|1000\n";

function commandOutputs(r: Registration): Record<string, unknown> {
    if (r.name.endsWith("-benchmark-run")) return fakeBenchmarkRun(r);
    if (r.name.includes("-install-") || r.name.includes("-netserver-")) return { stdout: "2.7.0\n", stderr: "" };
    if (r.name.endsWith("-preflight")) return { stdout: FACTS, stderr: "" };
    return { stdout: "", stderr: "" };
}

export const VSPHERE_INVOKES = {
    "vsphere:index/getDatacenter:getDatacenter": (a: any) => ({ id: "datacenter-3", name: a.name }),
    "vsphere:index/getHost:getHost": (a: any) => ({
        id: "host-12",
        name: a.name,
        datacenterId: a.datacenterId,
        resourcePoolId: "resgroup-8",
    }),
    "vsphere:index/getDatastore:getDatastore": (a: any) => ({ id: "datastore-14", name: a.name }),
    "vsphere:index/getNetwork:getNetwork": (a: any) => ({ id: `network-${a.name.replace(/\W/g, "")}`, name: a.name, type: "Network" }),
    "vsphere:index/getVirtualMachine:getVirtualMachine": (a: any) => ({
        id: "4217c3a2-0000-4c1e-9a55-template",
        name: a.name,
        guestId: "debian12_64Guest",
        scsiType: "pvscsi",
        firmware: "efi",
        disks: [{ label: "Hard disk 1", size: 8, thinProvisioned: true, eagerlyScrub: false }],
    }),
};

/** The host keys of the machines in the known_hosts file labKnownHosts writes: host and peer. */
export const TEST_HOST_KEYS = {
    host: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhvnetlabTestHostKeyOfTheHostMachine000000",
    peer: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhvnetlabTestHostKeyOfThePeerMachine000000",
};

/** known_hosts text with TEST_HOST_KEYS for the host and peerHost blocks of a stack's config. */
export function knownHostsOf(config: Record<string, string>, machines: readonly ("host" | "peer")[] = ["host", "peer"]): string {
    const lines = machines.flatMap((m) => {
        const block = config[m === "host" ? "hvnetlab:host" : "hvnetlab:peerHost"];
        if (!block) return [];
        const spec = JSON.parse(block) as { address: string; port?: number };
        const name = spec.port && spec.port !== 22 ? `[${spec.address}]:${spec.port}` : spec.address;
        return [`${name} ${TEST_HOST_KEYS[m]} ${m}@test`];
    });
    return `${lines.join("\n")}\n`;
}

/** A known_hosts file with knownHostsOf's lines, in a folder of its own. */
export function knownHostsFile(config: Record<string, string>, machines?: readonly ("host" | "peer")[]): string {
    const file = path.join(tempDir("known-hosts"), "known_hosts");
    writeFileSync(file, knownHostsOf(config, machines));
    return file;
}

/**
 * For a stack whose remote commands check host keys (sshHostKeyChecking yes and a
 * sshKnownHostsFile: the labs' stacks), the file its lab writes before a run (tools/labs/lab-host.ts
 * LabHost.knownHost) stands in: the host's and the peer's keys (TEST_HOST_KEYS).
 */
function labKnownHosts(config: Record<string, string>): Record<string, string> {
    if (config["hvnetlab:sshHostKeyChecking"] !== "yes" || !config["hvnetlab:sshKnownHostsFile"]) return {};
    return { "hvnetlab:sshKnownHostsFile": knownHostsFile(config) };
}

export interface StackRun {
    readonly mocks: MockLab;
    readonly config: Record<string, string>;
    readonly outputs: Record<string, any>;
}

/** Loads stacks/Pulumi.<stack>.yaml (plus overrides) with the test secrets and runs the program. */
export async function runStack(
    stack: string,
    overrides: Record<string, string> = {},
    opts: {
        /** How long each resource's creation takes under the mocks (ms). */
        creationMs?: (r: Registration) => number;
        /** Secret keys whose values are given as plain config instead (as `pulumi config set` without --secret). */
        plain?: string[];
    } = {},
): Promise<StackRun> {
    const mocks = new MockLab(
        { "command:local:Command": commandOutputs, "command:remote:Command": commandOutputs },
        VSPHERE_INVOKES,
        opts.creationMs,
    );
    await mocks.install(stack);
    const stackConfig = loadStackConfig(ROOT, stack);
    const config = {
        ...stackConfig,
        "hvnetlab:sshPrivateKey": SECRETS.sshPrivateKey,
        "hvnetlab:vspherePassword": SECRETS.vspherePassword,
        ...("hvnetlab:sshKnownHostsFile" in overrides ? {} : labKnownHosts({ ...stackConfig, ...overrides })),
        ...overrides,
    };
    const program = loadProgram(
        config,
        ["hvnetlab:sshPrivateKey", "hvnetlab:vspherePassword"].filter((k) => !opts.plain?.includes(k)),
    );
    const [lab, plan, results, summary] = await Promise.all([program.lab, program.plan, program.results, program.summary].map(promiseOf));
    // Let registrations that no output waits for settle.
    await new Promise((r) => setTimeout(r, 50));
    return { mocks, config, outputs: { lab, plan, results, summary } };
}
