// lab:vcsim's checks: of the state (the password only encrypted, one uplink per vSwitch (its
// guest's pNIC), the wire MTU, a management and a benchmark vmxnet3 NIC per VM), of the VMs and
// vSwitches in the simulator, of the VMs' creation time in the engine's event log, and the
// lab's plan against the stack file.
import * as assert from "assert";
import * as path from "path";
import { formatIpv4 } from "../../../../components/config/addressing";
import { parseLabConfig } from "../../../../components";
import { loadStackConfig } from "../../../../tools/engine/stack-config";
import type { SimulatedVm, SimulatedVswitch } from "../../../../tools/labs";
import {
    checkSimulatedVm,
    checkSimulatedVswitches,
    checkNicTypes,
    checkState,
    creationSeconds,
    MAX_VM_CREATE_S,
    PLAN,
    vmExpectation,
} from "../../../../tools/labs";

const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" };
const vswitch = (i: number, adapters: string[], mtu = 9000) => ({
    urn: `urn:pulumi:vcsim::hvnetlab::vsphere:index/hostVirtualSwitch:HostVirtualSwitch::vs${i}`,
    type: "vsphere:index/hostVirtualSwitch:HostVirtualSwitch",
    inputs: { name: `hvs-vs${i}`, networkAdapters: adapters, activeNics: adapters, mtu },
});
const vm = (i: number) => ({
    urn: `urn:pulumi:vcsim::hvnetlab::vsphere:index/virtualMachine:VirtualMachine::g${i}`,
    type: "vsphere:index/virtualMachine:VirtualMachine",
    inputs: { name: `hvs-g${i}`, networkInterfaces: [{ adapterType: "vmxnet3" }, { adapterType: "vmxnet3" }] },
    outputs: { moid: `vm-${i}` },
});
const pg = (i: number) => ({ urn: `pg${i}`, type: "vsphere:index/hostPortGroup:HostPortGroup", inputs: { name: `hvs-pg${i}` } });
const exported = (resources: unknown[]) => JSON.stringify({ deployment: { resources } });
const good = () => [
    { urn: "p", type: "pulumi:providers:vsphere", inputs: { password: secret } },
    vswitch(1, ["vmnic1"]),
    vswitch(2, ["vmnic2"]),
    pg(1),
    pg(2),
    vm(1),
    vm(2),
];

describe("lab:vcsim's check of the state", () => {
    it("passes the planned resources with an encrypted password", () => {
        assert.deepStrictEqual(checkState(exported(good()), "pw-123", 2, 9000, ["vmnic1", "vmnic2"]), []);
    });

    it("matches each vSwitch to its guest by name, whatever the state's order, and finds swapped uplinks", () => {
        const r = good();
        [r[1], r[2]] = [r[2], r[1]];
        assert.deepStrictEqual(checkState(exported(r), "pw-123", 2, 9000, ["vmnic1", "vmnic2"]), []);
        r[1] = vswitch(2, ["vmnic1"]);
        r[2] = vswitch(1, ["vmnic2"]);
        assert.strictEqual(
            checkState(exported(r), "pw-123", 2, 9000, ["vmnic1", "vmnic2"]).filter((p) => /not only its guest's pNIC/.test(p)).length,
            2,
        );
    });

    it("finds a plain password, a shared uplink, a wrong MTU and a missing VM", () => {
        const r = good();
        r[0] = { urn: "p", type: "pulumi:providers:vsphere", inputs: { password: "pw-123" as never } };
        r[2] = vswitch(2, ["vmnic1", "vmnic2"]);
        r[1] = vswitch(1, ["vmnic1"], 1500);
        r.pop();
        const problems = checkState(exported(r), "pw-123", 2, 9000, ["vmnic1", "vmnic2"]);
        assert.ok(
            problems.some((p) => /plain text/.test(p)),
            problems.join("\n"),
        );
        assert.ok(problems.some((p) => /not stored as a secret/.test(p)));
        assert.ok(problems.some((p) => /hvs-vs2 has uplinks \["vmnic1","vmnic2"\]/.test(p)));
        assert.ok(problems.some((p) => /hvs-vs1 has MTU 1500/.test(p)));
        assert.ok(problems.some((p) => /expected 2 vSwitches, port groups and VMs/.test(p)));
    });

    it("holds the benchmark NIC to the model the run asked for (hvnetlab:nic.model), the management NIC to vmxnet3", () => {
        const asked: { type: string; inputs: Record<string, unknown> }[] = good();
        assert.deepStrictEqual(
            checkState(exported(asked), "pw-123", 2, 9000, ["vmnic1", "vmnic2"], "e1000e").filter((p) => /benchmark e1000e NIC/.test(p))
                .length,
            2,
        );
        for (const r of asked)
            if (r.type.endsWith("VirtualMachine"))
                r.inputs = { ...r.inputs, networkInterfaces: [{ adapterType: "vmxnet3" }, { adapterType: "e1000e" }] };
        assert.deepStrictEqual(checkState(exported(asked), "pw-123", 2, 9000, ["vmnic1", "vmnic2"], "e1000e"), []);
    });
});

describe("lab:vcsim's NICs read back from the simulator", () => {
    const info = (...types: string[]) =>
        types
            .map((t, i) => `Name:               ethernet-${i}\n  Type:             ${t}\n  Label:            Network adapter ${i + 1}\n`)
            .join("");
    it("passes a management vmxnet3 and a benchmark NIC of the model asked for", () => {
        assert.deepStrictEqual(checkNicTypes("hvs-g1", info("VirtualVmxnet3", "VirtualVmxnet3"), "vmxnet3"), []);
        assert.deepStrictEqual(checkNicTypes("hvs-g1", info("VirtualVmxnet3", "VirtualE1000e"), "e1000e"), []);
        assert.deepStrictEqual(checkNicTypes("hvs-g1", info("VirtualVmxnet3", "VirtualE1000"), "e1000"), []);
    });
    it("names the VM and both lists where they differ", () => {
        assert.deepStrictEqual(checkNicTypes("hvs-g2", info("VirtualVmxnet3", "VirtualVmxnet3"), "e1000e"), [
            "VM hvs-g2's NICs are VirtualVmxnet3, VirtualVmxnet3, not VirtualVmxnet3, VirtualE1000e",
        ]);
        assert.deepStrictEqual(checkNicTypes("hvs-g2", "", "vmxnet3"), ["VM hvs-g2's NICs are none, not VirtualVmxnet3, VirtualVmxnet3"]);
    });
});

describe("lab:vcsim's checks in the simulator", () => {
    const want = vmExpectation(1);
    const simulated = (): SimulatedVm => ({
        name: "hvs-g2",
        config: {
            hardware: {
                numCPU: 1,
                memoryMB: 512,
                device: [
                    { deviceInfo: { label: "disk-202-0" }, capacityInBytes: 10 * 2 ** 30 },
                    { deviceInfo: { label: "ethernet-0" }, macAddress: "00:50:56:00:00:01", backing: { deviceName: "VM Network" } },
                    { deviceInfo: { label: "ethernet-1" }, macAddress: "00:50:56:00:00:02", backing: { deviceName: "hvs-pg2" } },
                ],
            },
        },
        guest: { hostName: "hvs-g2", net: [{ ipAddress: ["10.216.0.12"] }, { ipAddress: ["10.215.0.6"] }] },
    });

    it("expects guest 2 of the stack file: 1 vCPU, 512 MB, 10 GiB, its port group, its customized addresses", () => {
        assert.deepStrictEqual(want, {
            name: "hvs-g2",
            vcpus: 1,
            memoryMiB: 512,
            diskGiB: 10,
            networks: ["VM Network", "hvs-pg2"],
            addresses: ["10.216.0.12", "10.215.0.6"],
        });
        assert.deepStrictEqual(checkSimulatedVm(simulated(), want), []);
    });

    it("finds wrong vCPUs, memory, disk, NIC backing, addresses and host name, each by name", () => {
        const vm = simulated() as { config: { hardware: Record<string, unknown> }; guest: Record<string, unknown> };
        vm.config.hardware.numCPU = 2;
        vm.config.hardware.memoryMB = 1024;
        const devices = vm.config.hardware.device as Record<string, unknown>[];
        devices[0].capacityInBytes = 20 * 2 ** 30;
        devices[2].backing = { deviceName: "VM Network" };
        vm.guest.net = [{ ipAddress: ["10.216.0.12"] }, {}];
        vm.guest.hostName = "DC0_H0_VM0";
        const problems = checkSimulatedVm(vm as SimulatedVm, want);
        for (const p of [
            /has 2 vCPUs, not 1/,
            /1024 MB of memory, not 512/,
            /disks of \[20\] GiB, not one of 10 GiB/,
            /NICs are on \["VM Network","VM Network"\], not \["VM Network","hvs-pg2"\]/,
            /gave its NICs \["10.216.0.12",""\], not \["10.216.0.12","10.215.0.6"\]/,
            /named the guest DC0_H0_VM0, not hvs-g2/,
        ])
            assert.ok(
                problems.some((x) => p.test(x)),
                `${String(p)} in ${problems.join("\n")}`,
            );
        assert.deepStrictEqual(checkSimulatedVm(undefined, want), ["VM hvs-g2 is not in the simulator"]);
    });

    it("wants each vSwitch to carry only its guest's port group", () => {
        const vswitch = (i: number, groups: string[]): SimulatedVswitch => ({ name: `hvs-vs${i}`, portgroup: groups });
        const good = [vswitch(2, ["hvs-pg2"]), { name: "vSwitch0", portgroup: ["VM Network"] }, vswitch(1, ["hvs-pg1"])];
        assert.deepStrictEqual(checkSimulatedVswitches(good, 2), []);
        assert.deepStrictEqual(checkSimulatedVswitches([vswitch(1, ["hvs-pg1", "hvs-pg2"]), vswitch(3, [])], 2), [
            'vSwitch hvs-vs1 carries the port groups ["hvs-pg1","hvs-pg2"], not only hvs-pg1',
            "vSwitch hvs-vs2 is not in the simulator",
        ]);
    });
});

describe("lab:vcsim's timing of the VMs' creation", () => {
    const VM = "vsphere:index/virtualMachine:VirtualMachine";
    const event = (timestamp: number, kind: "resourcePreEvent" | "resOutputsEvent", urn: string, type = VM, op = "create") =>
        JSON.stringify({ sequence: 1, timestamp, [kind]: { metadata: { op, urn, type } } });

    it("times each create from its step's start to its outputs, per URN, in the engine's event log", () => {
        const log = [
            JSON.stringify({ sequence: 0, timestamp: 100, preludeEvent: { config: {} } }),
            event(101, "resourcePreEvent", "urn:vm1"),
            event(101, "resourcePreEvent", "urn:vm2"),
            event(102, "resourcePreEvent", "urn:pg", "vsphere:index/hostPortGroup:HostPortGroup"),
            event(103, "resOutputsEvent", "urn:vm2"),
            event(104, "resOutputsEvent", "urn:pg", "vsphere:index/hostPortGroup:HostPortGroup"),
            event(401, "resOutputsEvent", "urn:vm1"),
            event(500, "resourcePreEvent", "urn:vm3"),
            "",
        ].join("\n");
        assert.deepStrictEqual(creationSeconds(log, VM), { "urn:vm1": 300, "urn:vm2": 2 });
        assert.ok(creationSeconds(log, VM)["urn:vm1"] > MAX_VM_CREATE_S, "the official provider's 5-minute wait is caught");
    });

    it("leaves out steps that are not creates", () => {
        const log = [event(1, "resourcePreEvent", "urn:vm1", VM, "same"), event(9, "resOutputsEvent", "urn:vm1", VM, "same")].join("\n");
        assert.deepStrictEqual(creationSeconds(log, VM), {});
    });
});

describe("lab:vcsim's plan", () => {
    it("is stacks/Pulumi.vcsim.yaml's, read by the program's own parser: the namespaces stand where the stack looks", () => {
        const values: Record<string, string> = {
            ...loadStackConfig(path.resolve(__dirname, "..", "..", "..", ".."), "vcsim"),
            "hvnetlab:sshPrivateKey": "k",
            "hvnetlab:vspherePassword": "p",
        };
        const config = parseLabConfig((key) => values[`hvnetlab:${key}`]);
        assert.strictEqual(config.platform, "esx");
        if (config.platform !== "esx") return;
        assert.deepStrictEqual(
            {
                guests: config.guests,
                vcpus: config.guest.vcpus,
                memoryMiB: config.guest.memoryMiB,
                diskGiB: config.guest.diskGiB,
                speedMbps: config.nicSpeedMbps,
                mtu: config.mtu,
                subnet: `${formatIpv4(config.subnet.base)}/${config.subnet.prefix}`,
                managementPrefix: config.managementSubnet.prefix,
                guestManagementAddresses: config.guestManagementAddresses,
                pnics: config.host.nics,
                managementNetwork: config.vsphere.managementNetwork,
            },
            PLAN,
        );
        // The peer namespace of the lab, with sshd on the management network.
        assert.deepStrictEqual([config.peerHost.address, config.peerHost.managementNic], ["10.216.0.2", "mgmt0"]);
        assert.deepStrictEqual(config.peerHost.nics, ["hvs-wire0", "hvs-wire1"]);
    });
});
