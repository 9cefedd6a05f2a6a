// The policy pack's rules on recorded resources (the policy library's test approach): the stacks'
// own registrations pass, and each rule catches the resource that breaks it.
import * as assert from "assert";
import type { SeenResource } from "../../policy/rules";
import {
    enslavedBy,
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

    it("dedicated pNICs on xen: a bridge that carries two guests' vifs, and one that enslaves two pNICs", async () => {
        const xen = await recorded("xen");
        assert.deepStrictEqual(sharedPnicFindings(xen.resources), [], "as the program registers it");
        const domains = xen.resources.filter((r) => r.type === TYPES.domain);
        assert.ok(domains.length >= 2);
        const bridges = domains.map((d) => d.props.networkInterfaces[1].bridge);
        assert.strictEqual(new Set(bridges).size, domains.length, "each guest on its own bridge as registered");
        // Every guest's benchmark NIC on the first guest's bridge (the management bridge stays shared).
        const oneBridge = xen.resources.map((r) =>
            r.type === TYPES.domain
                ? {
                      ...r,
                      props: {
                          ...r.props,
                          networkInterfaces: [r.props.networkInterfaces[0], { ...r.props.networkInterfaces[1], bridge: bridges[0] }],
                      },
                  }
                : r,
        );
        assert.deepStrictEqual(
            sharedPnicFindings(oneBridge).map((f) => f.message),
            [`bridge ${bridges[0]} is used by ${domains.map((d) => d.name).join(" and ")}: every guest needs a pNIC of its own`],
        );
        // The second guest's pNIC enslaved to the first guest's bridge too.
        const enslaving = xen.resources.filter((r) => enslavedBy(r).length > 0);
        assert.strictEqual(enslaving.length, domains.length, "one bridge command per guest");
        const [, firstBridge] = enslavedBy(enslaving[0])[0];
        const [secondNic, secondBridge] = enslavedBy(enslaving[1])[0];
        const rewired = xen.resources.map((r) =>
            r === enslaving[1] ? { ...r, props: { ...r.props, create: r.props.create.replaceAll(secondBridge, firstBridge) } } : r,
        );
        assert.ok(
            sharedPnicFindings(rewired).some((f) =>
                f.message.startsWith(`bridge ${firstBridge} enslaves ${enslavedBy(enslaving[0])[0][0]} and ${secondNic}:`),
            ),
            JSON.stringify(sharedPnicFindings(rewired)),
        );
    });

    it("matched guests: a libvirt guest's disk of another size (a 1-byte disk)", async () => {
        for (const stack of ["kvm", "xen"]) {
            const { resources } = await recorded(stack);
            assert.deepStrictEqual(guestShapeFindings(resources), [], stack);
            const disk = resources.find((r) => r.type === TYPES.volume && r.props.baseVolumeId !== undefined)!;
            const tiny = resources.map((r) => (r === disk ? { ...r, props: { ...r.props, size: 1 } } : r));
            assert.match(
                guestShapeFindings(tiny)[0]?.message ?? "",
                new RegExp(`^the guests' disks are not matched \\(.*${disk.name}: 1 bytes.*\\): give every guest the same disk size$`),
                stack,
            );
        }
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
