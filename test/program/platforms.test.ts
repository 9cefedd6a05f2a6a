import * as assert from "assert";
import { writeFileSync } from "fs";
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../../model";
import { Benchmark } from "../../components/benchmark";
import { ESX_CUSTOMIZE_TIMEOUT_MINUTES } from "../../components/platforms/esx";
import { connectionTo } from "../../components/platforms/remote";
import type { Registration } from "../mocks";
import { isSecretValue, plainOccurrences, promiseOf } from "../mocks";
import type { StackRun } from "../stacks";
import { knownHostsFile, knownHostsOf, runStack, SECRETS, TEST_HOST_KEYS } from "../stacks";

const NICS = ["enp3s0f0", "enp3s0f1", "enp4s0f0", "enp4s0f1"];
const of = (run: StackRun, type: string) => run.mocks.ofType(type);
const indexOf = (run: StackRun, pred: (r: Registration) => boolean) => run.mocks.registrations.findIndex(pred);
const named = (suffix: string) => (r: Registration) => r.name.endsWith(suffix);

/** netserver on each server endpoint registers after what it needs, and the benchmark after all netservers. */
function assertOrder(run: StackRun, guestReady: (guest: string) => string): void {
    const plan = run.outputs.plan as Plan;
    const bench = indexOf(run, named("-benchmark-run"));
    for (const e of plan.endpoints) {
        const install = indexOf(run, named(`-netperf-install-${e.name}`));
        const netserver = indexOf(run, named(`-netperf-netserver-${e.name}`));
        assert.ok(install >= 0 && netserver > install, `${e.name}: netserver after the netperf install`);
        const ready = e.role === "guest" ? indexOf(run, named(guestReady(e.name))) : indexOf(run, named("-peer-wire-1"));
        assert.ok(ready >= 0 && install > ready, `${e.name}: netperf after its machine and NIC`);
        assert.ok(bench > netserver, `benchmark after ${e.name}'s netserver`);
    }
}

describe("the hypervisor stacks under Pulumi's mock runtime", function () {
    this.timeout(60000);
    const runs: Record<string, StackRun> = {};
    before(async () => {
        for (const stack of ["esx", "kvm", "xen", "native"]) runs[stack] = await runStack(stack);
    });

    it("a send-only benchmark waits for netperf on every endpoint, not only for the netservers", async () => {
        // Guests only run netperf clients in send: they have an install and no netserver. A slow
        // install shows whether the benchmark waits for it.
        const run = await runStack(
            "kvm",
            { "hvnetlab:experiments": '["send"]' },
            { creationMs: (r) => (/-netperf-install-g\d$/.test(r.name) ? 300 : 0) },
        );
        const at = (event: string) => run.mocks.events.indexOf(event);
        const bench = at("register hvnetlab-benchmark-run");
        assert.ok(bench >= 0);
        for (const g of ["g1", "g2", "g3", "g4"]) {
            assert.ok(at(`register hvnetlab-netperf-netserver-${g}`) < 0, `${g} runs no netserver in a send-only matrix`);
            assert.ok(bench > at(`created hvnetlab-netperf-install-${g}`), `the benchmark registers after ${g}'s netperf install`);
        }
    });

    it("esx: every guest's wire NIC gets the wire MTU before netperf is set up on it", async () => {
        const run = await runStack("esx", { "hvnetlab:mtu": "9000" }, { creationMs: (r) => (/-mtu-g\d$/.test(r.name) ? 200 : 0) });
        const mtus = of(run, "command:remote:Command").filter((r) => /-mtu-g\d$/.test(r.name));
        assert.strictEqual(mtus.length, 4);
        // The esx stack's file sets the guests' management addresses; each MTU command dials its own.
        const addresses = JSON.parse(run.config["hvnetlab:guestManagementAddresses"] ?? "[]") as string[];
        assert.deepStrictEqual(addresses, ["192.168.10.101", "192.168.10.102", "192.168.10.103", "192.168.10.104"]);
        mtus.forEach((m, i) => {
            assert.match(m.inputs.create, new RegExp(`a='10\\.77\\.0\\.${4 * i + 2}'`));
            assert.match(m.inputs.create, /mtu '9000'/);
            assert.strictEqual(m.inputs.connection.host, addresses[i], `${m.name} dials ${m.inputs.connection.host}`);
        });
        const at = (event: string) => run.mocks.events.indexOf(event);
        for (const g of ["g1", "g2", "g3", "g4"]) {
            const mtu = mtus.find((m) => m.name.endsWith(`-mtu-${g}`))!.name;
            assert.ok(at(`register hvnetlab-netperf-install-${g}`) > at(`created ${mtu}`), `${g}: netperf after the MTU is set`);
        }
    });

    it("esx: a guest's MTU command dials it only once its VM is created, customization waited for", async () => {
        const VM = "vsphere:index/virtualMachine:VirtualMachine";
        const run = await runStack("esx", {}, { creationMs: (r) => (r.type === VM ? 200 : 0) });
        const at = (event: string) => run.mocks.events.indexOf(event);
        for (const vm of of(run, VM)) {
            const guest = /-vm-(g\d)$/.exec(vm.name)![1];
            const mtu = of(run, "command:remote:Command").find(named(`-mtu-${guest}`))!.name;
            // A VM whose customization fails is not created: its error is the guest's only one.
            assert.ok(at(`register ${mtu}`) > at(`created ${vm.name}`), `${guest}: the MTU command waits for the VM`);
        }
    });

    it("kvm and xen guests of the same prefix get MACs of their own on a shared management LAN", () => {
        const macs = (stack: string) =>
            of(runs[stack], "libvirt:index/domain:Domain").flatMap((d) => d.inputs.networkInterfaces.map((n: any) => n.mac as string));
        const kvm = macs("kvm");
        const xen = macs("xen");
        assert.strictEqual(runs.kvm.config["hvnetlab:labPrefix"] ?? "hvnetlab", runs.xen.config["hvnetlab:labPrefix"] ?? "hvnetlab");
        assert.strictEqual(new Set([...kvm, ...xen]).size, kvm.length + xen.length, `${kvm} / ${xen}`);
        for (const mac of [...kvm, ...xen]) {
            assert.match(mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
            assert.strictEqual(parseInt(mac.slice(0, 2), 16) & 0x03, 0x02, `${mac}: locally administered, unicast`);
        }
    });

    it("esx: every guest has one vmxnet3 benchmark NIC on its own port group, whose vSwitch has only that guest's pNIC", () => {
        const run = runs.esx;
        const vswitches = of(run, "vsphere:index/hostVirtualSwitch:HostVirtualSwitch");
        const portGroups = of(run, "vsphere:index/hostPortGroup:HostPortGroup");
        const vms = of(run, "vsphere:index/virtualMachine:VirtualMachine");
        assert.strictEqual(vms.length, 4);
        vms.forEach((vm, i) => {
            assert.deepStrictEqual(vswitches[i].inputs.networkAdapters, [NICS[i].replace(/^enp.*/, `vmnic${i + 1}`)]);
            assert.deepStrictEqual(vswitches[i].inputs.activeNics, vswitches[i].inputs.networkAdapters);
            assert.strictEqual(portGroups[i].inputs.virtualSwitchName, vswitches[i].inputs.name);
            const nics = vm.inputs.networkInterfaces;
            assert.strictEqual(nics.length, 2, "one management NIC and one benchmark NIC");
            assert.ok(nics.every((n: any) => n.adapterType === "vmxnet3"));
            assert.strictEqual(nics[0].networkId, "network-VMNetwork", "management NIC on the management port group");
            assert.strictEqual(
                nics[1].networkId,
                `network-${portGroups[i].inputs.name.replace(/\W/g, "")}`,
                "benchmark NIC on its own port group, by network id",
            );
            assert.strictEqual(vm.inputs.hostSystemId, "host-12", "pinned to the host");
            assert.strictEqual(vm.inputs.resourcePoolId, "resgroup-8");
            const addrs = vm.inputs.clone.customize.networkInterfaces;
            assert.deepStrictEqual(addrs[1], { ipv4Address: `10.77.0.${4 * i + 2}`, ipv4Netmask: 30 });
            // Left unset, the official provider waits 5 minutes for a routable address, which the
            // stack's empty managementGateway never gives: every create would time out.
            assert.strictEqual(vm.inputs.waitForGuestNetTimeout, 0, "the guest-net waiter is off: SSH with retries waits instead");
            assert.strictEqual(vm.inputs.waitForGuestNetRoutable, false);
            // The customization waiter is not: the official provider waits for its outcome (10
            // minutes unless set), so the program sets it, and a failed customization is the VM's error.
            assert.strictEqual(vm.inputs.clone.customize.timeout, ESX_CUSTOMIZE_TIMEOUT_MINUTES);
            assert.ok(
                ESX_CUSTOMIZE_TIMEOUT_MINUTES >= 1 && ESX_CUSTOMIZE_TIMEOUT_MINUTES < 10,
                "set, and shorter than the official default",
            );
        });
        assert.strictEqual(new Set(vswitches.map((v) => v.inputs.networkAdapters[0])).size, 4, "no pNIC shared");
        const lookups = run.mocks.calls.filter((c) => c.token === "vsphere:index/getNetwork:getNetwork").map((c) => c.inputs.name);
        assert.deepStrictEqual(lookups.sort(), ["VM Network", "hvnetlab-pg1", "hvnetlab-pg2", "hvnetlab-pg3", "hvnetlab-pg4"]);
    });

    it("kvm: every guest's benchmark NIC is a macvtap on its own pNIC, over qemu+ssh", () => {
        const run = runs.kvm;
        const domains = of(run, "libvirt:index/domain:Domain");
        assert.deepStrictEqual(
            domains.map((d) => d.inputs.networkInterfaces[1].macvtap),
            NICS,
        );
        assert.ok(domains.every((d) => d.inputs.networkInterfaces.length === 2 && d.inputs.networkInterfaces[0].bridge === "br0"));
        assert.ok(
            domains.every((d) => d.inputs.type === "kvm" && /<xsl:template match="\/domain\/devices\/graphics"\/>/.test(d.inputs.xml.xslt)),
        );
        const provider = of(run, "pulumi:providers:libvirt")[0];
        assert.strictEqual(provider.inputs.uri, "qemu+ssh://root@kvm1.lab.example/system?sshauth=agent");
        const inits = of(run, "libvirt:index/cloudInitDisk:CloudInitDisk");
        assert.match(inits[2].inputs.networkConfig, /10\.77\.0\.10\/30/);
        assert.match(
            inits[2].inputs.networkConfig,
            new RegExp(domains[2].inputs.networkInterfaces[1].mac),
            "the address goes to the benchmark NIC, matched by MAC",
        );
    });

    it("xen: every guest's benchmark NIC joins the bridge of its own pNIC, and the domain XML goes through the XSLT", () => {
        const run = runs.xen;
        const domains = of(run, "libvirt:index/domain:Domain");
        assert.deepStrictEqual(
            domains.map((d) => d.inputs.networkInterfaces[1].bridge),
            ["hvnetlabbr1", "hvnetlabbr2", "hvnetlabbr3", "hvnetlabbr4"],
        );
        assert.ok(
            domains.every((d) => d.inputs.networkInterfaces[1].macvtap === undefined),
            "no macvtap: libxl rejects it",
        );
        assert.ok(domains.every((d) => d.inputs.type === "xen" && /xsl:stylesheet/.test(d.inputs.xml.xslt)));
        const bridges = of(run, "command:remote:Command").filter((r) => /-host-bridge-\d$/.test(r.name));
        bridges.forEach((b, i) => assert.match(b.inputs.create, new RegExp(`'${NICS[i]}' master 'hvnetlabbr${i + 1}'`)));
        assert.match(of(run, "pulumi:providers:libvirt")[0].inputs.uri, /^xen\+ssh:\/\/root@xen1\.lab\.example\/system/);
    });

    it("prepares only the pNICs of the guests the lab runs", async () => {
        const two = await runStack("xen", { "hvnetlab:guests": "2" });
        const host = of(two, "command:remote:Command").filter((r) => /-host-(preflight|bridge-\d)$/.test(r.name));
        assert.deepStrictEqual(
            host.map((r) => r.name.replace(/^.*-host-/, "")),
            ["preflight", "bridge-1", "bridge-2"],
        );
        assert.ok(!host[0].inputs.create.includes(NICS[2]), "the preflight leaves the unused NICs alone");
    });

    it("kvm, xen and esx name their hypervisor host in the plan, with its sampler, its SSH access (or why none) and the guests' domains", () => {
        const hostOf = (r: typeof runs.kvm) => (r.outputs.plan as Plan).hosts;
        assert.deepStrictEqual(hostOf(runs.kvm), [
            {
                name: "host",
                sampler: "kvm",
                access: { kind: "ssh", host: "kvm1.lab.example", user: "root", port: 22 },
                guests: { g1: "hvnetlab-g1", g2: "hvnetlab-g2", g3: "hvnetlab-g3", g4: "hvnetlab-g4" },
                guestVcpus: (runs.kvm.outputs.plan as Plan).comparable!.guest!.vcpus,
            },
        ]);
        assert.deepStrictEqual(
            hostOf(runs.xen)!.map((h) => [h.name, h.sampler, h.access?.host]),
            [["dom0", "xen", "xen1.lab.example"]],
        );
        const esx = hostOf(runs.esx)![0];
        assert.deepStrictEqual([esx.name, esx.sampler, esx.access], ["host", "esx", undefined]);
        assert.match(esx.unreachable!, /hvnetlab:host.user is not set/);
        assert.strictEqual(hostOf(runs.native), undefined);
    });

    it("native: the host's dedicated NICs carry the wires, each with its own address", () => {
        const plan = runs.native.outputs.plan as Plan;
        assert.deepStrictEqual(
            plan.wires.map((w) => w.guestNic),
            NICS,
        );
        assert.deepStrictEqual(
            plan.endpoints.map((e) => [e.name, e.access.kind]),
            [
                ["host", "ssh"],
                ["peer", "ssh"],
            ],
        );
        const hostWires = of(runs.native, "command:remote:Command").filter((r) => /-host-wire-\d$/.test(r.name));
        hostWires.forEach((w, i) =>
            assert.match(w.inputs.create, new RegExp(`ip addr replace '10\\.77\\.0\\.${4 * i + 2}/30' dev '${NICS[i]}'`)),
        );
    });

    it("gives esx, kvm and xen the same guest shape for the same guest block, and fingerprints apart only by the NIC path", () => {
        const esx = of(runs.esx, "vsphere:index/virtualMachine:VirtualMachine")[0].inputs;
        for (const stack of ["kvm", "xen"]) {
            const d = of(runs[stack], "libvirt:index/domain:Domain")[0].inputs;
            assert.deepStrictEqual([d.vcpu, d.memory], [esx.numCpus, esx.memory], `${stack} vCPUs and memory match esx`);
            const disk = of(runs[stack], "libvirt:index/volume:Volume").find((v) => v.inputs.baseVolumeId)!;
            assert.strictEqual(disk.inputs.size, esx.disks[0].size * 1024 ** 3, `${stack} disk matches esx`);
            assert.deepStrictEqual(runs[stack].outputs.lab.guest, runs.esx.outputs.lab.guest);
        }
        // Each platform's default NIC path is its own (virtio on macvtap, vmxnet3 on a vSwitch, netfront on a bridge):
        // it is in the fingerprint, and the rules never hold it against another lab.
        const paths = ["esx", "kvm", "xen"].map((s) => runs[s].outputs.plan.comparable.nicPath);
        assert.deepStrictEqual(paths, [
            { model: "vmxnet3", queues: 1, attach: "vswitch", pinned: false },
            { model: "virtio", queues: 1, attach: "macvtap", pinned: false },
            { model: "netfront", queues: 1, attach: "bridge", pinned: false },
        ]);
        assert.notStrictEqual(runs.kvm.outputs.lab.fingerprint, runs.esx.outputs.lab.fingerprint);
        // xen's also holds how Xen runs the guests (HVM by default), which the rules compare only between xen labs.
        const { xenGuestMode, nicPath: _x, ...rest } = runs.xen.outputs.plan.comparable;
        const { nicPath: _k, ...kvm } = runs.kvm.outputs.plan.comparable;
        const { nicPath: _e, ...esx2 } = runs.esx.outputs.plan.comparable;
        assert.strictEqual(xenGuestMode, "hvm");
        assert.deepStrictEqual(rest, esx2);
        assert.deepStrictEqual(kvm, esx2);
        assert.notStrictEqual(runs.native.outputs.lab.fingerprint, runs.esx.outputs.lab.fingerprint, "no guest block, another shape");
    });

    it("runs the qemu stack as emulated kvm guests with a direct kernel boot, and says so in the fingerprint", async () => {
        const qemu = await runStack("qemu");
        const domains = of(qemu, "libvirt:index/domain:Domain").map((d) => d.inputs);
        assert.strictEqual(domains.length, 2);
        for (const d of domains) {
            assert.strictEqual(d.type, "qemu");
            assert.strictEqual(d.cpu, undefined, "no host-passthrough CPU under emulation");
            assert.strictEqual(d.kernel, "/var/lib/libvirt/boot/hvnetlab-vmlinuz");
            // The form the official provider reads back (sorted, split), so a second up plans no change.
            assert.deepStrictEqual(d.cmdlines, [{ console: "ttyS0", root: "LABEL=root" }, { _: "rw" }]);
            assert.strictEqual(d.machine, undefined, "kvm takes libvirt's default machine");
            assert.match(
                String(d.xml?.xslt),
                /<xsl:template match="\/domain\/devices\/graphics"\/>/,
                "kvm domains drop the default spice graphics",
            );
        }
        const provider = qemu.mocks.registrations.find((r) => r.type === "pulumi:providers:libvirt")!;
        // The official provider reads knownhosts= and checks strictly (accept-new is the runner's, for the guests).
        assert.match(
            String(provider.inputs.uri),
            /^qemu\+ssh:\/\/root@10\.213\.0\.1\/system\?keyfile=.*&knownhosts=\/var\/lib\/hvnetlab\/qemu\/known_hosts$/,
        );
        const kvmDomain = of(runs.kvm, "libvirt:index/domain:Domain")[0].inputs;
        assert.deepStrictEqual([kvmDomain.type, kvmDomain.cpu], ["kvm", { mode: "host-passthrough" }]);
        const emulated = await runStack("kvm", { "hvnetlab:libvirt": JSON.stringify({ managementBridge: "br0", domainType: "qemu" }) });
        assert.notStrictEqual(
            emulated.outputs.lab.fingerprint,
            runs.kvm.outputs.lab.fingerprint,
            "emulated guests are not comparable with KVM's",
        );
    });

    it("kvm with sshHostKeyChecking yes: the remote commands check the host's and the peer's keys from sshKnownHostsFile, no guest's", async () => {
        const file = knownHostsFile(runs.kvm.config);
        const run = await runStack("kvm", { "hvnetlab:sshKnownHostsFile": file });
        const remote = of(run, "command:remote:Command");
        const to = (address: RegExp) => remote.filter((r) => address.test(r.inputs.connection.host));
        const host = to(/^kvm1\.lab\.example$/);
        const peer = to(/^peer1\.lab\.example$/);
        const guests = to(/^192\.168\.10\.10\d$/);
        assert.ok(host.length > 1 && peer.length > 1 && guests.length > 3, "commands to the host, the peer and the guests");
        assert.deepStrictEqual(new Set(host.map((r) => r.inputs.connection.hostKey)), new Set([TEST_HOST_KEYS.host]));
        assert.deepStrictEqual(new Set(peer.map((r) => r.inputs.connection.hostKey)), new Set([TEST_HOST_KEYS.peer]));
        assert.ok(
            guests.every((r) => !("hostKey" in r.inputs.connection)),
            "a guest's key is new on every boot: not checked",
        );
        assert.ok(isSecretValue(host[0].raw.connection), "the connection stays a secret");
        const uri = of(run, "pulumi:providers:libvirt")[0].inputs.uri;
        assert.strictEqual(uri, `qemu+ssh://root@kvm1.lab.example/system?sshauth=agent&knownhosts=${file}`);
    });

    it("kvm with sshHostKeyChecking accept-new: no remote command checks a host key; libvirt still checks the host's in the file", async () => {
        const file = knownHostsFile(runs.kvm.config);
        const run = await runStack("kvm", { "hvnetlab:sshKnownHostsFile": file, "hvnetlab:sshHostKeyChecking": "accept-new" });
        assert.ok(of(run, "command:remote:Command").every((r) => !("hostKey" in r.inputs.connection)));
        assert.strictEqual(
            of(run, "pulumi:providers:libvirt")[0].inputs.uri,
            `qemu+ssh://root@kvm1.lab.example/system?sshauth=agent&knownhosts=${file}`,
        );
        assert.ok(
            of(runs.kvm, "command:remote:Command").every((r) => !("hostKey" in r.inputs.connection)),
            "without a file: none",
        );
    });

    it("refuses a known_hosts file without the peer, or with only hashed lines, naming the file and the address", async () => {
        const onlyHost = knownHostsFile(runs.kvm.config, ["host"]);
        await assert.rejects(
            runStack("kvm", { "hvnetlab:sshKnownHostsFile": onlyHost }),
            new RegExp(`hvnetlab:sshKnownHostsFile ${onlyHost} has no line for peer1\\.lab\\.example`),
        );
        const hashed = knownHostsFile(runs.kvm.config, ["host"]);
        writeFileSync(hashed, `${knownHostsOf(runs.kvm.config, ["host"])}|1|c2FsdA==|aGFzaA== ${TEST_HOST_KEYS.peer}\n`);
        await assert.rejects(
            runStack("kvm", { "hvnetlab:sshKnownHostsFile": hashed }),
            /no plain line for peer1\.lab\.example, and its 1 hashed line\(s\) \(\|1\|\.\.\., HashKnownHosts\) cannot be matched/,
        );
    });

    it("changes the fingerprint when the guest shape changes", async () => {
        const guest = JSON.parse(runs.kvm.config["hvnetlab:guest"]);
        const bigger = await runStack("kvm", { "hvnetlab:guest": JSON.stringify({ ...guest, vcpus: 2 }) });
        assert.notStrictEqual(bigger.outputs.lab.fingerprint, runs.kvm.outputs.lab.fingerprint);
    });

    it("sets netperf up after each machine and NIC, and benchmarks after every netserver", () => {
        assertOrder(runs.esx, (g) => `-vm-${g}`);
        assertOrder(runs.kvm, (g) => `-domain-${g}`);
        assertOrder(runs.xen, (g) => `-domain-${g}`);
        assertOrder(runs.native, () => "-host-wire-4");
    });

    it("records the netperf version of every endpoint and the host facts in lab", () => {
        const lab = runs.kvm.outputs.lab;
        assert.deepStrictEqual(Object.keys(lab.netperfVersions).sort(), ["g1", "g2", "g3", "g4", "peer"]);
        assert.ok(Object.values(lab.netperfVersions).every((v) => v === "2.7.0"));
        assert.strictEqual(lab.hostFacts.host.nics[0].driver, "ixgbe");
        assert.strictEqual(lab.hostFacts.peer.kernel, "6.1.0-28-amd64");
    });

    it("keeps every secret out of every output, and sends it to the engine only as a secret", () => {
        for (const [stack, run] of Object.entries(runs)) {
            const outputs = JSON.stringify(run.outputs);
            for (const secret of Object.values(SECRETS)) assert.ok(!outputs.includes(secret), `${stack}: a stack output holds a secret`);
            for (const r of run.mocks.registrations) {
                for (const secret of Object.values(SECRETS)) {
                    assert.deepStrictEqual(
                        plainOccurrences(r.raw, secret),
                        [],
                        `${stack}: ${r.name} holds a secret outside a Pulumi secret`,
                    );
                }
            }
        }
        const remote = of(runs.kvm, "command:remote:Command")[0];
        assert.ok(isSecretValue(remote.raw.connection), "the SSH connection is a secret");
        assert.strictEqual(remote.inputs.connection.privateKey, SECRETS.sshPrivateKey);
        const provider = of(runs.esx, "pulumi:providers:vsphere")[0];
        assert.ok(isSecretValue(provider.raw.password), "the vSphere password is a secret");
        assert.strictEqual(provider.inputs.password, SECRETS.vspherePassword);
        const bench = of(runs.native, "command:local:Command").find(named("-benchmark-run"))!;
        assert.ok(isSecretValue(bench.raw.environment), "the runner's environment is a secret");
    });

    it("makes the SSH connection and the runner's environment Pulumi secrets", async () => {
        const key = pulumi.secret("k");
        const connection = connectionTo({ kind: "ssh", host: "h", user: "root", port: 22 }, key);
        assert.ok(await pulumi.isSecret(connection));
        assert.deepStrictEqual((await promiseOf(connection)).host, "h");
        const bench = new Benchmark("secret-check", {
            plan: runs.native.outputs.plan,
            runId: "1",
            dependsOn: [],
            sshPrivateKey: key,
            resultsFile: "/tmp/r.json",
            failOn: "failed",
        });
        assert.ok(bench.environment && (await pulumi.isSecret(bench.environment)));
    });

    it("rejects a stack with a missing secret or block before registering anything", async () => {
        await assert.rejects(
            runStack("esx", { "hvnetlab:vspherePassword": "" }),
            /hvnetlab:vspherePassword is not set; set it as a secret/,
        );
        await assert.rejects(runStack("kvm", { "hvnetlab:libvirt": "" }), /hvnetlab:libvirt is missing but hvnetlab:platform kvm needs it/);
    });

    it("refuses an SSH key or vSphere password stored in plain text in the stack file", async () => {
        await assert.rejects(
            runStack("kvm", {}, { plain: ["hvnetlab:sshPrivateKey"] }),
            /hvnetlab:sshPrivateKey is stored in plain text in the stack file; remove it \(pulumi config rm hvnetlab:sshPrivateKey\) and set it again with --secret/,
        );
        await assert.rejects(
            runStack("esx", {}, { plain: ["hvnetlab:vspherePassword"] }),
            /hvnetlab:vspherePassword is stored in plain text/,
        );
    });
});
