// npm run lab:vcsim [-- --keep | --down]: the whole esx stack (stacks/Pulumi.vcsim.yaml) through the
// real engine, with govmomi's vCenter simulator in vCenter's place and network namespaces in place
// of the guests' OS. The setup:
//   - vcsim on loopback, with a generated password (kept in a 0600 file of the lab's state, never
//     on a command line);
//   - management: the bridge hvs-mgmt (10.216.0.254/24) of this namespace, where the engine and the
//     benchmark runner are; the peer namespace hvs-peer with sshd on 10.216.0.2;
//   - per guest i, the guest OS of VM hvs-g<i>: namespace hvs-g<i> with sshd on the management
//     address that the VM's customization gives it (hvnetlab:guestManagementAddresses), and its
//     benchmark NIC ens224 (where a Linux guest finds a VM's second vmxnet3 NIC) holding the wire
//     address the customization gives it (guest .2, .6 of hvnetlab:subnet), found with MTU 9000 as
//     a template may leave it; the stack's guest MTU script must set the wire's MTU;
//   - the wires: the vSwitch hvs-vs<i>'s only uplink vmnic<i> stands for a veth pair ens224 <->
//     hvs-wire<i-1> of the peer, each end shaped to 1 GbE as lab:native's and lab:qemu's wires.
// Then, on the stack:
//   1. a preview with a wrong vSphere password must fail, naming the refused login;
//   2. `pulumi up` of the whole stack: vSwitches, port groups and VMs in the simulator, then over
//      SSH the guests' wire MTU, the peer's addresses, the netperf check, the netservers and the
//      benchmark; every run must be ok (out/vcsim.outputs.json);
//   3. the VMs were created without waiting for the guests' network (waitForGuestNetTimeout 0), as
//      the engine's event log times them;
//   4. each guest's wire NIC has the wire MTU;
//   5. in the simulator: each VM's vCPUs, memory, disk, vmxnet3 NICs on the management network and
//      its own port group, customization (addresses, host name), each vSwitch with only its port
//      group; in the state: each vSwitch's only uplink its pNIC and the MTU (vcsim keeps neither),
//      and the password only encrypted;
//   6. after the harness's `pulumi destroy`, nothing of the stack is left in the simulator.
import { randomBytes } from "crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { parseCidr, wireAddresses } from "../../components/config";
import type { Cidr } from "../../components/config";
import { outputsFile, up } from "../engine";
import { LabError } from "./lab-error";
import type { Lab, LabHost } from "./lab-host";
import { ethernetShaping, managementNet } from "./lab-network";
import { main } from "./run-lab";
import { readOutputs, runProblems } from "./stack";
import { commOf, listening } from "./this-machine";

const HOST_PORT = { host: "127.0.0.1", port: 18989 };
// vcsim refuses every login when its -username holds an @ (administrator@vsphere.local): a gap of
// the simulator, not of vCenter; the lab logs in as a plain user.
const USER = "hvnetlab";
const HOST = "DC0_H0";
const NET = managementNet("hvs", "10.216.0");
/** The plan of stacks/Pulumi.vcsim.yaml, which the lab stands in for and checks against. */
export const PLAN = {
    guests: 2,
    vcpus: 1,
    memoryMiB: 512,
    diskGiB: 10,
    speedMbps: 1000,
    mtu: 1500,
    subnet: "10.215.0.0/24",
    managementPrefix: 24,
    guestManagementAddresses: ["10.216.0.11", "10.216.0.12"],
    pnics: ["vmnic1", "vmnic2"],
    managementNetwork: "VM Network",
} as const;
/** The MTU the guests' wire NICs are found with, unlike the wire's: the stack's MTU script must set it. */
const FOUND_MTU = 9000;
/** The guest's name for its benchmark NIC (the VM's second vmxnet3 NIC on a Linux guest); the stack finds it by address. */
const GUEST_NIC = "ens224";
/**
 * The longest a VM's creation may take here, s. The official provider's defaults
 * (waitForGuestNetTimeout 5 min, routable) would wait up to 300 s for VMware Tools to report a
 * routable address, which vcsim's VMs (no tools, no default route) never do.
 */
export const MAX_VM_CREATE_S = 60;

interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/**
 * What the state holds of the vSphere resources, against the plan of the stack file; `model` is
 * the benchmark vNIC's adapter type the run asked for (hvnetlab:nic.model, vmxnet3 by default).
 */
export function checkState(exported: string, password: string, guests: number, mtu: number, nics: string[], model = "vmxnet3"): string[] {
    const problems: string[] = [];
    if (exported.includes(password)) problems.push("the vSphere password appears in plain text in `pulumi stack export`");
    const resources = (JSON.parse(exported) as { deployment: { resources: StateResource[] } }).deployment.resources;
    const of = (type: string) => resources.filter((r) => r.type === type);
    const provider = of("pulumi:providers:vsphere")[0];
    const pw = provider?.inputs?.password as Record<string, unknown> | undefined;
    if (!pw || typeof pw !== "object" || !("ciphertext" in pw))
        problems.push("the provider's password is not stored as a secret (no ciphertext)");
    const vswitches = of("vsphere:index/hostVirtualSwitch:HostVirtualSwitch");
    const portGroups = of("vsphere:index/hostPortGroup:HostPortGroup");
    const vms = of("vsphere:index/virtualMachine:VirtualMachine");
    if (vswitches.length !== guests || portGroups.length !== guests || vms.length !== guests)
        problems.push(
            `expected ${guests} vSwitches, port groups and VMs; the state has ${vswitches.length}, ${portGroups.length}, ${vms.length}`,
        );
    // The state lists resources in the order they were created, which varies: guest i's vSwitch
    // is the one named <prefix>-vs<i>.
    for (const s of vswitches) {
        const inp = s.inputs ?? {};
        const pnic = nics[Number(/(\d+)$/.exec(String(inp.name))?.[1]) - 1];
        const uplinks = JSON.stringify(inp.networkAdapters);
        if (!pnic || uplinks !== JSON.stringify([pnic]) || JSON.stringify(inp.activeNics) !== JSON.stringify([pnic]))
            problems.push(
                `vSwitch ${String(inp.name)} has uplinks ${uplinks}, not only its guest's pNIC ${pnic ?? "(no guest of that number)"}`,
            );
        if (inp.mtu !== mtu) problems.push(`vSwitch ${String(inp.name)} has MTU ${String(inp.mtu)}, not ${mtu}`);
    }
    for (const vm of vms) {
        const nicsOf = (vm.inputs?.networkInterfaces as { adapterType?: string }[] | undefined) ?? [];
        if (nicsOf.length !== 2 || nicsOf[0].adapterType !== "vmxnet3" || nicsOf[1].adapterType !== model)
            problems.push(`VM ${String(vm.inputs?.name)} does not have a management vmxnet3 NIC and a benchmark ${model} NIC`);
        if (!vm.outputs?.moid) problems.push(`VM ${String(vm.inputs?.name)} has no moid`);
    }
    return problems;
}

/** One VM as the simulator has it: `govc vm.info -json` (its virtualMachines[0]), the fields checked. */
export interface SimulatedVm {
    readonly name?: string;
    readonly config?: {
        readonly hardware?: {
            readonly numCPU?: number;
            readonly memoryMB?: number;
            readonly device?: readonly {
                readonly deviceInfo?: { readonly label?: string };
                readonly capacityInBytes?: number;
                readonly macAddress?: string;
                readonly backing?: { readonly deviceName?: string };
            }[];
        };
    };
    readonly guest?: {
        readonly hostName?: string;
        readonly net?: readonly { readonly ipAddress?: readonly string[] }[];
    };
}

/** What guest i's VM must be in the simulator. */
export interface VmExpectation {
    readonly name: string;
    readonly vcpus: number;
    readonly memoryMiB: number;
    readonly diskGiB: number;
    /** The networks of its NICs in order: the management network, then its own port group. */
    readonly networks: readonly string[];
    /** The addresses the customization gives its NICs, in order. */
    readonly addresses: readonly string[];
}

/** What guest i's VM must be in the simulator, from the plan of the stack file (prefix hvs). */
export function vmExpectation(i: number): VmExpectation {
    const subnet = parseCidr(PLAN.subnet) as Cidr;
    return {
        name: `hvs-g${i + 1}`,
        vcpus: PLAN.vcpus,
        memoryMiB: PLAN.memoryMiB,
        diskGiB: PLAN.diskGiB,
        networks: [PLAN.managementNetwork, `hvs-pg${i + 1}`],
        addresses: [PLAN.guestManagementAddresses[i], wireAddresses(subnet, i).guest],
    };
}

/**
 * A VM in the simulator against its expectation: vCPUs, memory (MB), one disk of the size, NICs
 * backed by the management network and its own port group, and the customization's host name
 * (the VM's name) and addresses, which vcsim applies to guest.net when the clone powers on.
 */
export function checkSimulatedVm(vm: SimulatedVm | undefined, want: VmExpectation): string[] {
    if (!vm) return [`VM ${want.name} is not in the simulator`];
    const problems: string[] = [];
    const hw = vm.config?.hardware ?? {};
    const devices = hw.device ?? [];
    if (hw.numCPU !== want.vcpus) problems.push(`VM ${want.name} has ${String(hw.numCPU)} vCPUs, not ${want.vcpus}`);
    if (hw.memoryMB !== want.memoryMiB) problems.push(`VM ${want.name} has ${String(hw.memoryMB)} MB of memory, not ${want.memoryMiB}`);
    const disks = devices.filter((d) => d.capacityInBytes !== undefined).map((d) => d.capacityInBytes! / 2 ** 30);
    if (JSON.stringify(disks) !== JSON.stringify([want.diskGiB]))
        problems.push(`VM ${want.name} has disks of ${JSON.stringify(disks)} GiB, not one of ${want.diskGiB} GiB`);
    const networks = devices.filter((d) => d.macAddress !== undefined).map((d) => d.backing?.deviceName ?? "(not a host network)");
    if (JSON.stringify(networks) !== JSON.stringify(want.networks))
        problems.push(`VM ${want.name}'s NICs are on ${JSON.stringify(networks)}, not ${JSON.stringify(want.networks)}`);
    const addresses = (vm.guest?.net ?? []).map((n) => (n.ipAddress ?? []).join(","));
    if (JSON.stringify(addresses) !== JSON.stringify(want.addresses))
        problems.push(`VM ${want.name}'s customization gave its NICs ${JSON.stringify(addresses)}, not ${JSON.stringify(want.addresses)}`);
    if (vm.guest?.hostName !== want.name)
        problems.push(`VM ${want.name}'s customization named the guest ${String(vm.guest?.hostName)}, not ${want.name}`);
    return problems;
}

/** A standard vSwitch as `govc host.vswitch.info -json` shows it, the fields checked. */
export interface SimulatedVswitch {
    readonly name?: string;
    readonly portgroup?: readonly string[];
}

/**
 * The lab's vSwitches in the simulator: guest i's vSwitch hvs-vs<i> carries only its guest's port
 * group hvs-pg<i>, so the VM's benchmark NIC, backed by that port group, has the vSwitch to itself.
 * vcsim's AddVirtualSwitch keeps only the name (not the uplinks or the MTU): those are checked in
 * the state (checkState).
 */
export function checkSimulatedVswitches(vswitches: readonly SimulatedVswitch[], guests: number): string[] {
    const problems: string[] = [];
    for (let i = 1; i <= guests; i++) {
        const vs = vswitches.find((v) => v.name === `hvs-vs${i}`);
        const groups = (vs?.portgroup ?? []).map((k) => k.replace(/^key-vim\.host\.PortGroup-/, ""));
        if (!vs) problems.push(`vSwitch hvs-vs${i} is not in the simulator`);
        else if (JSON.stringify(groups) !== JSON.stringify([`hvs-pg${i}`]))
            problems.push(`vSwitch hvs-vs${i} carries the port groups ${JSON.stringify(groups)}, not only hvs-pg${i}`);
    }
    return problems;
}

/**
 * How long the engine took to create each resource of a type, s, from its event log (`pulumi up
 * --event-log`: one engine event a line, each with a Unix `timestamp` in seconds): from the
 * create step's resourcePreEvent to its resOutputsEvent. Keyed by URN; a resource whose create did
 * not finish is left out.
 */
export function creationSeconds(eventLog: string, type: string): Record<string, number> {
    const began = new Map<string, number>();
    const took: Record<string, number> = {};
    for (const line of eventLog.split("\n")) {
        if (!line.trim().startsWith("{")) continue;
        const e = JSON.parse(line) as {
            timestamp?: number;
            resourcePreEvent?: { metadata?: { op?: string; urn?: string; type?: string } };
            resOutputsEvent?: { metadata?: { op?: string; urn?: string; type?: string } };
        };
        const pre = e.resourcePreEvent?.metadata;
        const done = e.resOutputsEvent?.metadata;
        if (pre?.op === "create" && pre.type === type && pre.urn && e.timestamp !== undefined) began.set(pre.urn, e.timestamp);
        if (done?.op === "create" && done.type === type && done.urn && began.has(done.urn) && e.timestamp !== undefined)
            took[done.urn] = e.timestamp - began.get(done.urn)!;
    }
    return took;
}

const passwordFile = (h: LabHost) => path.join(h.dir, "vsphere-password");
const guestNs = (i: number) => `hvs-g${i + 1}`;

/** govc against the simulator, as the lab's user. */
function govc(h: LabHost, ...args: string[]): { out: string; err: string } {
    const env = {
        ...h.env,
        GOVC_URL: `https://${HOST_PORT.host}:${HOST_PORT.port}/sdk`,
        GOVC_USERNAME: USER,
        GOVC_PASSWORD: readFileSync(passwordFile(h), "utf8"),
        GOVC_INSECURE: "1",
    };
    const r = spawnSync("govc", args, { env, encoding: "utf8" });
    return { out: (r.stdout ?? "").trim(), err: (r.stderr ?? "").trim() };
}

/** vSphere's device type of each adapter type the esx platform offers (govc device.info's Type:). */
export const DEVICE_TYPES: Readonly<Record<string, string>> = { vmxnet3: "VirtualVmxnet3", e1000e: "VirtualE1000e", e1000: "VirtualE1000" };

/**
 * The device types of a VM's NICs, read back from the simulator (govc device.info's text, in
 * device order), against a management vmxnet3 NIC and a benchmark NIC of `model`.
 */
export function checkNicTypes(vm: string, deviceInfo: string, model: string): string[] {
    const types = [...deviceInfo.matchAll(/Type:\s+(\S+)\n?/g)].map((m) => m[1]);
    const want = [DEVICE_TYPES.vmxnet3, DEVICE_TYPES[model] ?? `(no device type for ${model})`];
    return JSON.stringify(types) === JSON.stringify(want)
        ? []
        : [`VM ${vm}'s NICs are ${types.join(", ") || "none"}, not ${want.join(", ")}`];
}

/** The checks in the simulator: VMs, their NICs' device types (the benchmark NIC's `model`), vSwitches. */
function simulatorProblems(h: LabHost, model: string): string[] {
    const problems: string[] = [];
    for (let i = 0; i < PLAN.guests; i++) {
        const want = vmExpectation(i);
        const info = govc(h, "vm.info", "-json", want.name);
        const vm = info.out ? (JSON.parse(info.out) as { virtualMachines?: SimulatedVm[] }).virtualMachines?.[0] : undefined;
        problems.push(...checkSimulatedVm(vm, want).map((p) => (vm ? p : `${p}: ${info.err}`)));
        // The JSON has no device types: the adapter type from device.info's text.
        problems.push(...checkNicTypes(want.name, govc(h, "device.info", "-vm", want.name, "ethernet-*").out, model));
    }
    const vs = govc(h, "host.vswitch.info", "-json", "-host", HOST);
    const vswitches = vs.out ? ((JSON.parse(vs.out) as { vswitch?: SimulatedVswitch[] }).vswitch ?? []) : [];
    problems.push(...checkSimulatedVswitches(vswitches, PLAN.guests).map((p) => (vs.err ? `${p} (${vs.err})` : p)));
    return problems;
}

/** The peer's wire NICs, one per pNIC: their state before the lab is saved by the stack. */
const peerWires = () => PLAN.pnics.map((_, i) => `hvs-wire${i}`);

const lab: Lab = {
    name: "vcsim",
    stack: "vcsim",
    linkPrefix: "hvs-",
    root: true,
    needs: ["sshd", "ssh-keygen", "ip", "tc", "netperf", "netserver"],

    async setUp(h) {
        writeFileSync(passwordFile(h), randomBytes(12).toString("hex"), { mode: 0o600 });
        h.file(passwordFile(h));
        h.log(`starting vcsim on ${HOST_PORT.host}:${HOST_PORT.port}`);
        const address = `${HOST_PORT.host}:${HOST_PORT.port}`;
        // vcsim reads the password from a file when given one: it stays off the command line.
        h.start("vcsim", ["vcsim", "-l", address, "-username", USER, "-password", passwordFile(h)], "vcsim");
        if (!(await listening(HOST_PORT.host, HOST_PORT.port, 30000)))
            throw new LabError(`vcsim did not listen on ${address} (is the engine built? npm run engine -- build)`);

        const subnet = parseCidr(PLAN.subnet) as Cidr;
        h.log(`peer ${NET.peerNs} (${NET.peer}) and guests ${PLAN.guestManagementAddresses.join(", ")} on ${NET.bridge}`);
        h.bridge(NET.bridge, "10.216.0.254/24");
        await h.machine("peer", NET.peerNs, NET, "hvs-pm", NET.peer);
        for (let i = 0; i < PLAN.guests; i++) {
            const ns = guestNs(i);
            const wire = wireAddresses(subnet, i);
            await h.machine(`g${i + 1}`, ns, NET, `hvs-gm${i + 1}`, PLAN.guestManagementAddresses[i]);
            h.veth(GUEST_NIC, ns, `hvs-wire${i}`, NET.peerNs);
            // What the customization leaves in the guest: the wire address on its NIC, up.
            h.run("ip", ["-n", ns, "addr", "add", `${wire.guest}/${wire.prefix}`, "dev", GUEST_NIC]);
            h.link(ns, GUEST_NIC, "mtu", String(FOUND_MTU), "up");
            for (const [where, end] of [
                [ns, GUEST_NIC],
                [NET.peerNs, `hvs-wire${i}`],
            ])
                h.run("tc", ["qdisc", "add", "dev", end, "root", ...ethernetShaping(PLAN.speedMbps, PLAN.mtu)], { ns: where });
        }
        // The stand-in guests log in root (no sudo there); the customization authorizes the lab's key.
        const key = h.clientKey();
        h.set("hvnetlab:guest.user", "root", { path: true });
        h.set("hvnetlab:guest.sshPublicKey", key.publicKey.replace(/ [^ ]*$/, " root@hvnetlab"), { path: true });
        h.secret("hvnetlab:sshPrivateKey", key.privateKey);
    },

    async run(h, s) {
        const problems: string[] = [];
        const password = readFileSync(passwordFile(h), "utf8");
        h.log("1. a wrong vSphere password must be refused, by name");
        s.secret("hvnetlab:vspherePassword", "not-the-password");
        const wrong = await s.pulumi(["preview", "--stack", s.stack, "--non-interactive"]);
        if (wrong.code === 0 || !/refused the login of hvnetlab/.test(wrong.stdout + wrong.stderr))
            problems.push(`a wrong password was not refused by name: ${(wrong.stdout + wrong.stderr).split("\n").slice(-8).join(" | ")}`);
        s.secret("hvnetlab:vspherePassword", password);

        h.log("2. pulumi up of the whole stack");
        const events = path.join(h.dir, "up-events.jsonl");
        rmSync(events, { force: true });
        rmSync(outputsFile(s.stack), { force: true }); // no earlier run's results
        // The engine's event log (`--event-log`) is offered only with PULUMI_DEBUG_COMMANDS set.
        const code = await up(["--stack", s.stack, "--event-log", events], { ...s.env, PULUMI_DEBUG_COMMANDS: "true" });
        if (code !== 0) return [...problems, `pulumi up exited ${code}`];
        const outputs = readOutputs(s.stack);
        problems.push(...runProblems(outputs?.results));
        // The benchmark vNIC's model as the run's plan has it (hvnetlab:nic, --config): read back below.
        const model = outputs?.results?.comparable?.nicPath?.model ?? "vmxnet3";

        h.log("3. the VMs' creation did not wait for the guests' network");
        const took = existsSync(events) ? creationSeconds(readFileSync(events, "utf8"), "vsphere:index/virtualMachine:VirtualMachine") : {};
        rmSync(events, { force: true }); // it holds every resource's inputs (secrets masked): not kept
        if (Object.keys(took).length !== PLAN.guests)
            problems.push(`the event log times ${Object.keys(took).length} VM creations, not ${PLAN.guests}`);
        for (const [urn, seconds] of Object.entries(took)) {
            h.log(`   ${urn.replace(/^.*::/, "")} created in ${seconds} s`);
            if (seconds > MAX_VM_CREATE_S) problems.push(`${urn} took ${seconds} s to create: it waited for the guest's network`);
        }

        h.log("4. the guests' wire NICs have the wire MTU (the stack's guest MTU script)");
        for (let i = 0; i < PLAN.guests; i++) {
            const mtu = Number(/ mtu (\d+)/.exec(h.run("ip", ["-n", guestNs(i), "-o", "link", "show", "dev", GUEST_NIC]))?.[1]);
            if (mtu !== PLAN.mtu) problems.push(`${GUEST_NIC} of guest ${guestNs(i)} has MTU ${mtu}, not the wire's ${PLAN.mtu}`);
        }

        h.log(`5. the VMs (benchmark NIC ${model}) and vSwitches in the simulator, the password in the state`);
        problems.push(...simulatorProblems(h, model));
        const exported = await s.pulumi(["stack", "export", "--stack", s.stack]);
        problems.push(...checkState(exported.stdout, password, PLAN.guests, PLAN.mtu, [...PLAN.pnics], model));
        return problems;
    },

    leftovers(h) {
        const vcsim = h.made.find((m) => m.kind === "process" && m.comm === "vcsim");
        if (!vcsim || vcsim.kind !== "process" || commOf(vcsim.pid) !== "vcsim" || !existsSync(passwordFile(h)))
            return ["vcsim is not running: the simulator's inventory cannot be checked"];
        const left: string[] = [];
        const vms = govc(h, "find", "/DC0/vm", "-type", "m", "-name", "hvs-*");
        if (vms.out) left.push(`in the simulator: ${vms.out}`);
        if (/hvs-pg/.test(govc(h, "host.portgroup.info", "-host", HOST).out)) left.push("port groups in the simulator");
        if (/hvs-vs/.test(govc(h, "host.vswitch.info", "-host", HOST).out)) left.push("vSwitches in the simulator");
        return left;
    },

    dedicatedNics: () => peerWires(),
};

export default lab;

if (require.main === module) main(lab);
