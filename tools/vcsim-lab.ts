// npm run lab:vcsim: the esx platform against govmomi's vCenter simulator, through the real engine.
//
// It starts vcsim on loopback with a generated password, then, on the `vcsim` stack
// (stacks/Pulumi.vcsim.yaml):
//   1. a preview with a wrong vSphere password must fail, naming the refused login;
//   2. `pulumi preview` of the whole stack must pass (the lookups run against the simulator);
//   3. `pulumi up --target` creates the platform's vSphere resources, and only those: the
//      provider, per guest a vSwitch, a port group and a VM cloned from the template and
//      customized. The simulator's VMs run no guest OS, so the guests' MTU commands, netperf and
//      the benchmark, which need one, are left out;
//   4. the resources are checked in the simulator (govc) and in the state (`pulumi stack export`),
//      and the vSphere password must appear there only encrypted;
//   5. `pulumi destroy` must remove them all from the simulator.
// vcsim is stopped at the end, also on failure.
import type { ChildProcess } from "child_process";
import { spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { createConnection } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { EngineError, engineEnv, prepareWorkingProject, runPulumi, selectStack, setStackConfig } from "./engine";
import { WORK_DIR } from "./lab";

const STACK = "vcsim";
const LISTEN = "127.0.0.1:18989";
// vcsim refuses every login when its -username holds an @ (administrator@vsphere.local): a gap of
// the simulator, not of vCenter; the lab logs in as a plain user.
const USER = "hvnetlab";
const HOST = "DC0_H0";

function log(line: string): void {
    process.stderr.write(`lab:vcsim: ${line}\n`);
}

async function listening(address: string, timeoutMs: number): Promise<boolean> {
    const [host, port] = address.split(":");
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = createConnection({ host, port: Number(port) }, () => {
                s.end();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (ok) return true;
        await new Promise((r) => setTimeout(r, 100));
    }
    return false;
}

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

async function main(): Promise<number> {
    if (process.argv.length > 2) throw new EngineError("usage: npm run lab:vcsim");
    const started = Date.now();
    const env = engineEnv({ workDir: WORK_DIR });
    prepareWorkingProject({ workDir: WORK_DIR, refresh: true });
    const password = randomBytes(12).toString("hex");
    const govcEnv = { ...env, GOVC_URL: `https://${LISTEN}/sdk`, GOVC_USERNAME: USER, GOVC_PASSWORD: password, GOVC_INSECURE: "1" };
    const govc = (...args: string[]) => {
        const r = spawnSync("govc", args, { env: govcEnv, encoding: "utf8" });
        return { ok: r.status === 0, out: (r.stdout ?? "").trim(), err: (r.stderr ?? "").trim() };
    };
    log(`starting vcsim on ${LISTEN}`);
    const keyDir = mkdtempSync(path.join(tmpdir(), "hvnetlab-vcsim-"));
    // vcsim reads the password from a file when given one: it stays off the command line.
    const passwordFile = path.join(keyDir, "password");
    writeFileSync(passwordFile, password, { mode: 0o600 });
    const vcsim: ChildProcess = spawn("vcsim", ["-l", LISTEN, "-username", USER, "-password", passwordFile], { env, stdio: "ignore" });
    const problems: string[] = [];
    try {
        if (!(await listening(LISTEN, 30000)))
            throw new EngineError(`vcsim did not listen on ${LISTEN} (is the engine built? npm run engine -- build)`);
        await selectStack(STACK, { workDir: WORK_DIR, env });
        const setSecret = (key: string, value: string) => setStackConfig(STACK, key, value, { workDir: WORK_DIR, env, secret: true });
        spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keyDir, "key")]);
        setSecret("hvnetlab:sshPrivateKey", readFileSync(path.join(keyDir, "key"), "utf8"));

        log("1. a wrong vSphere password must be refused, by name");
        setSecret("hvnetlab:vspherePassword", "not-the-password");
        const wrong = await runPulumi(["preview", "--stack", STACK, "--non-interactive"], { workDir: WORK_DIR, env });
        if (wrong.code === 0 || !/refused the login of hvnetlab/.test(wrong.stdout + wrong.stderr))
            problems.push(`a wrong password was not refused by name: ${(wrong.stdout + wrong.stderr).split("\n").slice(-8).join(" | ")}`);
        setSecret("hvnetlab:vspherePassword", password);

        log("2. pulumi preview of the whole stack");
        const preview = await runPulumi(["preview", "--stack", STACK, "--non-interactive", "--json"], { workDir: WORK_DIR, env });
        if (preview.code !== 0) throw new EngineError(`pulumi preview failed:\n${preview.stderr || preview.stdout}`);
        const steps = (JSON.parse(preview.stdout) as { steps?: { urn: string }[] }).steps ?? [];
        // A URN ends with [parent types$]type::name. The components that parent them (the lab and
        // the platform) are targeted too: a child needs its parent.
        const targets = steps
            .map((s) => s.urn)
            .filter((u) =>
                /(?:::|\$)(?:pulumi:providers:vsphere|vsphere:index\/\w+:\w+|hvnetlab:lab:Lab|hvnetlab:platforms:EsxLab)::[^:]+$/.test(u),
            );
        if (targets.length === 0) throw new EngineError("the preview lists no vSphere resource to create");
        log(`3. pulumi up of the ${targets.length} vSphere resources (of ${steps.length} in the stack)`);
        const up = await runPulumi(["up", "--stack", STACK, "--yes", "--non-interactive", ...targets.flatMap((t) => ["--target", t])], {
            workDir: WORK_DIR,
            env,
            show: true,
        });
        if (up.code !== 0) throw new EngineError("pulumi up of the vSphere resources failed (see above)");

        log("4. the resources in the simulator and in the state");
        const exported = await runPulumi(["stack", "export", "--stack", STACK], { workDir: WORK_DIR, env });
        problems.push(...checkState(exported.stdout, password, 2, 9000, ["vmnic1", "vmnic2"]));
        const vswitches = govc("host.vswitch.info", "-host", HOST);
        for (const vs of ["hvs-vs1", "hvs-vs2"])
            if (!new RegExp(`Name:\\s+${vs}\\n`).test(vswitches.out)) problems.push(`vSwitch ${vs} is not in the simulator`);
        const portGroups = govc("host.portgroup.info", "-host", HOST);
        for (let i = 1; i <= 2; i++) {
            if (!new RegExp(`Name:\\s+hvs-pg${i}\\n\\s*Virtual switch:\\s+hvs-vs${i}\\n`).test(portGroups.out))
                problems.push(`port group hvs-pg${i} is not on vSwitch hvs-vs${i} in the simulator:\n${portGroups.out}${portGroups.err}`);
            const nics = govc("device.info", "-vm", `hvs-g${i}`, "ethernet-*");
            const backings = [...nics.out.matchAll(/Summary:\s+(.*)/g)].map((m) => m[1]);
            if (JSON.stringify(backings) !== JSON.stringify(["VM Network", `hvs-pg${i}`]))
                problems.push(`VM hvs-g${i}'s NICs are on ${JSON.stringify(backings)}, not [VM Network, hvs-pg${i}] ${nics.err}`);
            if (!/Type:\s+VirtualVmxnet3[\s\S]*Type:\s+VirtualVmxnet3/.test(nics.out))
                problems.push(`VM hvs-g${i}'s NICs are not both vmxnet3`);
        }
    } finally {
        log("5. pulumi destroy");
        const d = await runPulumi(["destroy", "--stack", STACK, "--yes", "--non-interactive"], { workDir: WORK_DIR, env, show: true });
        if (d.code !== 0) problems.push(`pulumi destroy exited ${d.code}`);
        else if (!vcsim.killed && vcsim.exitCode === null) {
            const vms = govc("find", "/DC0/vm", "-type", "m", "-name", "hvs-*");
            const pgs = govc("host.portgroup.info", "-host", HOST);
            const vss = govc("host.vswitch.info", "-host", HOST);
            if (vms.out) problems.push(`left in the simulator: ${vms.out}`);
            if (/hvs-pg/.test(pgs.out)) problems.push("port groups left in the simulator");
            if (/hvs-vs/.test(vss.out)) problems.push("vSwitches left in the simulator");
        }
        vcsim.kill();
        rmSync(keyDir, { recursive: true, force: true });
    }
    for (const p of problems) log(`FAILED: ${p}`);
    log(`${problems.length === 0 ? "passed" : "failed"} in ${Math.round((Date.now() - started) / 1000)} s`);
    return problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`lab:vcsim: ${e.message}\n`);
            process.exit(2);
        },
    );
}
