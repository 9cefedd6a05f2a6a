// npm run lab:vcsim [-- --keep | --down]: the esx platform against govmomi's vCenter simulator,
// through the real engine. The setup starts vcsim on loopback with a generated password (kept in a
// 0600 file of the lab's state, never on a command line); then, on the `vcsim` stack
// (stacks/Pulumi.vcsim.yaml):
//   1. a preview with a wrong vSphere password must fail, naming the refused login;
//   2. `pulumi preview` of the whole stack must pass (the lookups run against the simulator);
//   3. `pulumi up --target` creates the platform's vSphere resources, and only those: the
//      provider, per guest a vSwitch, a port group and a VM cloned from the template and
//      customized. The simulator's VMs run no guest OS, so the guests' MTU commands, netperf and
//      the benchmark, which need one, are left out;
//   4. the resources are checked in the simulator (govc) and in the state (`pulumi stack export`),
//      and the vSphere password must appear there only encrypted;
//   5. after the harness's `pulumi destroy`, none of them may be left in the simulator.
import { randomBytes } from "crypto";
import { existsSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import type { Lab, LabHost } from "./harness";
import { commOf, LabError, listening, main } from "./harness";

const HOST_PORT = { host: "127.0.0.1", port: 18989 };
// vcsim refuses every login when its -username holds an @ (administrator@vsphere.local): a gap of
// the simulator, not of vCenter; the lab logs in as a plain user.
const USER = "hvnetlab";
const HOST = "DC0_H0";
const GUESTS = 2;

interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/** What the state holds of the vSphere resources, against the plan of the stack file. */
export function checkState(exported: string, password: string, guests: number, mtu: number, nics: string[]): string[] {
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
        if (nicsOf.length !== 2 || nicsOf.some((n) => n.adapterType !== "vmxnet3"))
            problems.push(`VM ${String(vm.inputs?.name)} does not have a management and a benchmark vmxnet3 NIC`);
        if (!vm.outputs?.moid) problems.push(`VM ${String(vm.inputs?.name)} has no moid`);
    }
    return problems;
}

const passwordFile = (h: LabHost) => path.join(h.dir, "vsphere-password");

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

const lab: Lab = {
    name: "vcsim",
    stack: "vcsim",
    linkPrefix: "hvs-",
    root: false,
    needs: ["ssh-keygen"],

    async setUp(h) {
        writeFileSync(passwordFile(h), randomBytes(12).toString("hex"), { mode: 0o600 });
        h.file(passwordFile(h));
        h.log(`starting vcsim on ${HOST_PORT.host}:${HOST_PORT.port}`);
        const address = `${HOST_PORT.host}:${HOST_PORT.port}`;
        // vcsim reads the password from a file when given one: it stays off the command line.
        h.start("vcsim", ["vcsim", "-l", address, "-username", USER, "-password", passwordFile(h)], "vcsim");
        if (!(await listening(HOST_PORT.host, HOST_PORT.port, 30000)))
            throw new LabError(`vcsim did not listen on ${address} (is the engine built? npm run engine -- build)`);
        h.secret("hvnetlab:sshPrivateKey", h.clientKey().privateKey);
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

        h.log("2. pulumi preview of the whole stack");
        const preview = await s.pulumi(["preview", "--stack", s.stack, "--non-interactive", "--json"]);
        if (preview.code !== 0) throw new LabError(`pulumi preview failed:\n${preview.stderr || preview.stdout}`);
        const steps = (JSON.parse(preview.stdout) as { steps?: { urn: string }[] }).steps ?? [];
        // A URN ends with [parent types$]type::name. The components that parent them (the lab and
        // the platform) are targeted too: a child needs its parent.
        const targets = steps
            .map((st) => st.urn)
            .filter((u) =>
                /(?:::|\$)(?:pulumi:providers:vsphere|vsphere:index\/\w+:\w+|hvnetlab:lab:Lab|hvnetlab:platforms:EsxLab)::[^:]+$/.test(u),
            );
        if (targets.length === 0) throw new LabError("the preview lists no vSphere resource to create");
        h.log(`3. pulumi up of the ${targets.length} vSphere resources (of ${steps.length} in the stack)`);
        const up = await s.pulumi(
            ["up", "--stack", s.stack, "--yes", "--non-interactive", ...targets.flatMap((t) => ["--target", t])],
            true,
        );
        if (up.code !== 0) throw new LabError("pulumi up of the vSphere resources failed (see above)");

        h.log("4. the resources in the simulator and in the state");
        const exported = await s.pulumi(["stack", "export", "--stack", s.stack]);
        problems.push(...checkState(exported.stdout, password, GUESTS, 1500, ["vmnic1", "vmnic2"]));
        const vswitches = govc(h, "host.vswitch.info", "-host", HOST);
        for (const vs of ["hvs-vs1", "hvs-vs2"])
            if (!new RegExp(`Name:\\s+${vs}\\n`).test(vswitches.out)) problems.push(`vSwitch ${vs} is not in the simulator`);
        const portGroups = govc(h, "host.portgroup.info", "-host", HOST);
        for (let i = 1; i <= GUESTS; i++) {
            if (!new RegExp(`Name:\\s+hvs-pg${i}\\n\\s*Virtual switch:\\s+hvs-vs${i}\\n`).test(portGroups.out))
                problems.push(`port group hvs-pg${i} is not on vSwitch hvs-vs${i} in the simulator:\n${portGroups.out}${portGroups.err}`);
            const nics = govc(h, "device.info", "-vm", `hvs-g${i}`, "ethernet-*");
            const backings = [...nics.out.matchAll(/Summary:\s+(.*)/g)].map((m) => m[1]);
            if (JSON.stringify(backings) !== JSON.stringify(["VM Network", `hvs-pg${i}`]))
                problems.push(`VM hvs-g${i}'s NICs are on ${JSON.stringify(backings)}, not [VM Network, hvs-pg${i}] ${nics.err}`);
            if (!/Type:\s+VirtualVmxnet3[\s\S]*Type:\s+VirtualVmxnet3/.test(nics.out))
                problems.push(`VM hvs-g${i}'s NICs are not both vmxnet3`);
        }
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
};

export default lab;

if (require.main === module) main(lab);
