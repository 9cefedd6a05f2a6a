// The policy pack's rules on recorded resources (the policy library's test approach): the stacks'
// own registrations pass, and each rule catches the resource that breaks it.
import * as assert from "assert";
import type { SeenResource } from "../../policy/rules";
import {
    guestNicFindings,
    guestShapeFindings,
    planGuestNicFindings,
    planOf,
    planSharedNicFindings,
    plainKeyPaths,
    sharedPnicFindings,
    TYPES,
} from "../../policy/rules";
import { SECRET_SIG } from "../mocks";
import { runStack } from "../stacks";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const isWireSecret = (v: unknown) => v !== null && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;

async function recorded(stack: string): Promise<{ resources: SeenResource[]; raw: Map<string, Record<string, unknown>> }> {
    const run = await runStack(stack);
    const regs = run.mocks.registrations;
    return {
        resources: regs.map((r) => ({ urn: `${r.type}::${r.name}`, type: r.type, name: r.name, props: r.inputs })),
        raw: new Map(regs.map((r) => [`${r.type}::${r.name}`, r.raw])),
    };
}

/** Every finding the rules make on a stack's resources. */
function findings(resources: readonly SeenResource[], raw: Map<string, Record<string, unknown>>): string[] {
    return [
        ...resources.flatMap((r) => {
            const plan = planOf(r);
            return [...(plan ? [...planGuestNicFindings(plan), ...planSharedNicFindings(plan)] : []), ...guestNicFindings(r)];
        }),
        ...sharedPnicFindings(resources).map((f) => f.message),
        ...guestShapeFindings(resources).map((f) => f.message),
        ...resources.flatMap((r) => plainKeyPaths(r.type, raw.get(r.urn) ?? {}, isWireSecret).map((p) => `${r.name}: ${p} is plain`)),
    ];
}

describe("the policy pack's rules, on recorded resources", function () {
    this.timeout(60000);

    for (const stack of ["local", "native", "esx", "kvm", "xen"]) {
        it(`passes the ${stack} stack as the program registers it`, async () => {
            const { resources, raw } = await recorded(stack);
            assert.ok(
                resources.some((r) => planOf(r)),
                "the benchmark's plan is among the resources",
            );
            assert.deepStrictEqual(findings(resources, raw), []);
        });
    }

    it("one benchmark NIC per guest: a domain with a third NIC, a plan with a guest on two wires and one on none", async () => {
        const { resources } = await recorded("kvm");
        const domain = resources.find((r) => r.type === TYPES.domain)!;
        const extra = { ...domain, props: { ...domain.props, networkInterfaces: [...domain.props.networkInterfaces, { bridge: "br9" }] } };
        assert.deepStrictEqual(guestNicFindings(extra), [
            `guest ${domain.name} has 3 NICs: a guest has its management NIC and exactly one benchmark NIC`,
        ]);
        const plan = planOf(resources.find((r) => planOf(r))!)!;
        const n = plan.wires!.length;
        const moved = { ...plan, wires: plan.wires!.map((w) => ({ ...w, guest: "g1" })) };
        assert.deepStrictEqual(planGuestNicFindings(moved), [
            `guest g1 has ${n} benchmark NICs in the plan: every guest needs exactly one dedicated wire`,
            ...Array.from(
                { length: n - 1 },
                (_, i) => `guest g${i + 2} has 0 benchmark NICs in the plan: every guest needs exactly one dedicated wire`,
            ),
        ]);
    });

    it("dedicated pNICs: two domains on one macvtap pNIC, a vSwitch with two uplinks, a peer NIC with two wires", async () => {
        const kvm = await recorded("kvm");
        const domains = kvm.resources.filter((r) => r.type === TYPES.domain);
        const pnic = domains[0].props.networkInterfaces.find((n: { macvtap?: string }) => n.macvtap).macvtap;
        const shared = domains.map((d) => ({
            ...d,
            props: {
                ...d.props,
                networkInterfaces: d.props.networkInterfaces.map((n: { macvtap?: string }) => (n.macvtap ? { macvtap: pnic } : n)),
            },
        }));
        assert.match(
            sharedPnicFindings(shared)[0].message,
            new RegExp(`^pNIC ${pnic} is used by .* and .*: every guest needs a pNIC of its own`),
        );
        const esx = await recorded("esx");
        const vSwitch = esx.resources.find((r) => r.type === TYPES.vSwitch)!;
        const doubled = { ...vSwitch, props: { ...vSwitch.props, networkAdapters: ["vmnic1", "vmnic2"] } };
        assert.strictEqual(
            sharedPnicFindings([doubled])[0].message,
            `vSwitch ${vSwitch.name} has 2 uplinks: a guest's vSwitch has exactly its one dedicated pNIC`,
        );
        const plan = planOf(kvm.resources.find((r) => planOf(r))!)!;
        const onePeerNic = { ...plan, wires: plan.wires!.map((w) => ({ ...w, peerNic: "enp5s0f0" })) };
        assert.deepStrictEqual(planSharedNicFindings(onePeerNic), [
            `NIC peer/enp5s0f0 carries ${plan.wires!.length} wires: every wire needs a NIC of its own`,
        ]);
        assert.deepStrictEqual(planSharedNicFindings({ ...onePeerNic, uplinkMbps: 1000 }), [], "a shared uplink is shared on purpose");
    });

    it("matched guests: a VM with more memory than the others", async () => {
        const { resources } = await recorded("esx");
        const vms = resources.filter((r) => r.type === TYPES.virtualMachine);
        assert.deepStrictEqual(guestShapeFindings(vms), []);
        const bigger = [{ ...vms[0], props: { ...vms[0].props, memory: vms[0].props.memory * 2 } }, ...vms.slice(1)];
        assert.match(guestShapeFindings(bigger)[0].message, /^the guests are not matched \(.*\): give every guest the same shape$/);
    });

    it("keys are secrets: a plain private key on a remote command or in the runner's environment is named", async () => {
        const { resources, raw } = await recorded("native");
        const remote = resources.find((r) => r.type === TYPES.remoteCommand)!;
        assert.deepStrictEqual(plainKeyPaths(remote.type, raw.get(remote.urn)!, isWireSecret), [], "the program passes it as a secret");
        const plainConnection = { connection: { host: "h", user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----" } };
        assert.deepStrictEqual(plainKeyPaths(TYPES.remoteCommand, plainConnection, isWireSecret), ["connection.privateKey"]);
        assert.deepStrictEqual(plainKeyPaths(TYPES.command, { environment: { HVNETLAB_SSH_PRIVATE_KEY: "k" } }, isWireSecret), [
            "environment.HVNETLAB_SSH_PRIVATE_KEY",
        ]);
        assert.deepStrictEqual(plainKeyPaths(TYPES.vsphereProvider, { password: "p" }, isWireSecret), ["password"]);
    });
});
