// The lab's rules as pure functions over resource properties, so that they are tested on recorded
// resources as well as run by the policy pack (index.ts) under the engine.

/** The resource types the rules look at (the tokens the program registers). */
export const TYPES = {
    command: "command:local:Command",
    remoteCommand: "command:remote:Command",
    domain: "libvirt:index/domain:Domain",
    volume: "libvirt:index/volume:Volume",
    virtualMachine: "vsphere:index/virtualMachine:VirtualMachine",
    vSwitch: "vsphere:index/hostVirtualSwitch:HostVirtualSwitch",
    vsphereProvider: "pulumi:providers:vsphere",
} as const;

/** One resource as a rule sees it. */
export interface SeenResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, any>;
}

/** A rule's finding: what is wrong, and on which resource. */
export interface Finding {
    readonly message: string;
    readonly urn?: string;
}

/** The plan the benchmark command carries on its stdin, as far as the rules read it. */
interface PlanView {
    readonly platform?: string;
    readonly uplinkMbps?: number;
    readonly endpoints?: { readonly name: string; readonly role: string }[];
    readonly wires?: { readonly guest: string; readonly guestNic: string; readonly peer: string; readonly peerNic: string }[];
}

/** The plan of a benchmark command (the command resource named `*-benchmark-run`), or undefined. */
export function planOf(r: SeenResource): PlanView | undefined {
    if (r.type !== TYPES.command || !r.name.endsWith("-benchmark-run") || typeof r.props.stdin !== "string") return undefined;
    try {
        return JSON.parse(r.props.stdin) as PlanView;
    } catch {
        return undefined;
    }
}

/**
 * Rule 1 on a plan: every guest is cabled by exactly one wire. On the native platform the one
 * bare-metal host stands for the guests, with a wire (and a NIC, rule 2) per guest.
 */
export function planGuestNicFindings(plan: PlanView): string[] {
    const wires = plan.wires ?? [];
    return (plan.endpoints ?? [])
        .filter((e) => e.role === "guest")
        .flatMap((e) => {
            const n = wires.filter((w) => w.guest === e.name).length;
            const ok = n === 1 || (plan.platform === "native" && n >= 1);
            return ok ? [] : [`guest ${e.name} has ${n} benchmark NICs in the plan: every guest needs exactly one dedicated wire`];
        });
}

/** Rule 2 on a plan: no NIC carries two wires (on the peer, unless the plan's wires share an uplink on purpose). */
export function planSharedNicFindings(plan: PlanView): string[] {
    const seen = new Map<string, number>();
    for (const w of plan.wires ?? []) {
        for (const nic of [`${w.guest}/${w.guestNic}`, ...(plan.uplinkMbps === undefined ? [`${w.peer}/${w.peerNic}`] : [])]) {
            seen.set(nic, (seen.get(nic) ?? 0) + 1);
        }
    }
    return [...seen].filter(([, n]) => n > 1).map(([nic, n]) => `NIC ${nic} carries ${n} wires: every wire needs a NIC of its own`);
}

/** Rule 1 on a guest VM or domain: its management NIC and exactly one benchmark NIC. */
export function guestNicFindings(r: SeenResource): string[] {
    if (r.type !== TYPES.domain && r.type !== TYPES.virtualMachine) return [];
    const nics = Array.isArray(r.props.networkInterfaces) ? r.props.networkInterfaces.length : 0;
    return nics === 2 ? [] : [`guest ${r.name} has ${nics} NICs: a guest has its management NIC and exactly one benchmark NIC`];
}

/**
 * The dedicated pNICs a resource puts a guest on: a domain's macvtap devices and, on Xen, the
 * bridge its benchmark NIC joins (a domain's NICs after the first, the management NIC); a
 * vSwitch's uplinks.
 */
function pnicsOf(r: SeenResource): string[] {
    if (r.type === TYPES.domain) {
        const nics: { macvtap?: string; bridge?: string }[] = r.props.networkInterfaces ?? [];
        const named = (v: unknown): v is string => typeof v === "string" && v !== "";
        return [
            ...nics.map((n) => n.macvtap).filter(named),
            ...nics
                .slice(1)
                .map((n) => n.bridge)
                .filter(named)
                .map((b) => `bridge ${b}`),
        ];
    }
    if (r.type === TYPES.vSwitch) return (r.props.networkAdapters ?? []).filter((a: unknown): a is string => typeof a === "string");
    return [];
}

/**
 * The pNICs a host command enslaves to bridges (`ip link set dev NIC master BRIDGE` in its create
 * script, as components/platforms/remote.ts's pnicBridgeScripts writes it), as [pNIC, bridge].
 */
export function enslavedBy(r: SeenResource): [string, string][] {
    if (r.type !== TYPES.remoteCommand || typeof r.props.create !== "string") return [];
    const word = "'?([A-Za-z0-9_.-]+)'?";
    return [...r.props.create.matchAll(new RegExp(`ip link set dev ${word} master ${word}`, "g"))].map((m) => [m[1], m[2]]);
}

/**
 * Rule 2 across the stack: a vSwitch has one uplink, a bridge enslaves one pNIC, and no pNIC (or
 * Xen bridge) serves two guests.
 */
export function sharedPnicFindings(resources: readonly SeenResource[]): Finding[] {
    const findings: Finding[] = [];
    const users = new Map<string, string[]>();
    const uplinks = new Map<string, string[]>();
    for (const r of resources) {
        const pnics = pnicsOf(r);
        if (r.type === TYPES.vSwitch && pnics.length !== 1) {
            findings.push({
                urn: r.urn,
                message: `vSwitch ${r.name} has ${pnics.length} uplinks: a guest's vSwitch has exactly its one dedicated pNIC`,
            });
        }
        for (const p of pnics) users.set(p, [...(users.get(p) ?? []), r.name]);
        for (const [nic, bridge] of enslavedBy(r)) uplinks.set(bridge, [...(uplinks.get(bridge) ?? []), nic]);
    }
    for (const [bridge, nics] of uplinks) {
        if (new Set(nics).size > 1)
            findings.push({
                message: `bridge ${bridge} enslaves ${[...new Set(nics)].join(" and ")}: a guest's bridge has exactly its one dedicated pNIC`,
            });
    }
    for (const [pnic, names] of users) {
        if (names.length > 1)
            findings.push({
                message: `${pnic.startsWith("bridge ") ? "" : "pNIC "}${pnic} is used by ${names.join(" and ")}: every guest needs a pNIC of its own`,
            });
    }
    return findings;
}

/**
 * What makes two guests matched: vCPUs and memory, and the disk sizes (a VM's own; a domain's disk
 * is a copy-on-write volume over the base image, compared in guestDiskFindings).
 */
function shapeOf(r: SeenResource): string | undefined {
    if (r.type === TYPES.domain) return JSON.stringify({ vcpu: r.props.vcpu, memory: r.props.memory });
    if (r.type === TYPES.virtualMachine) {
        const disks = (r.props.disks ?? []).map((d: { size?: number }) => d.size);
        return JSON.stringify({ numCpus: r.props.numCpus, memory: r.props.memory, disks });
    }
    return undefined;
}

/** Rule 3 across the stack: every guest of the lab has the same shape. */
export function guestShapeFindings(resources: readonly SeenResource[]): Finding[] {
    const shapes = new Map<string, string[]>();
    for (const r of resources) {
        const s = shapeOf(r);
        if (s !== undefined) shapes.set(s, [...(shapes.get(s) ?? []), r.name]);
    }
    const findings: Finding[] = [];
    if (shapes.size > 1) {
        const described = [...shapes].map(([s, names]) => `${names.join(", ")}: ${s}`).join("; ");
        findings.push({ message: `the guests are not matched (${described}): give every guest the same shape` });
    }
    // libvirt guests' disks: every volume over a base image (a guest's disk) has one size.
    const disks = new Map<string, string[]>();
    for (const r of resources) {
        if (r.type !== TYPES.volume || r.props.baseVolumeId === undefined) continue;
        const size = String(r.props.size ?? "the base image's");
        disks.set(size, [...(disks.get(size) ?? []), r.name]);
    }
    if (disks.size > 1) {
        const described = [...disks].map(([size, names]) => `${names.join(", ")}: ${size} bytes`).join("; ");
        findings.push({ message: `the guests' disks are not matched (${described}): give every guest the same disk size` });
    }
    return findings;
}

/** The inputs, per resource type, that carry a password or a private key. */
export const KEY_PATHS: Readonly<Record<string, readonly string[][]>> = {
    [TYPES.command]: [["environment", "HVNETLAB_SSH_PRIVATE_KEY"]],
    [TYPES.remoteCommand]: [
        ["connection", "privateKey"],
        ["connection", "password"],
    ],
    [TYPES.vsphereProvider]: [["password"]],
};

/**
 * Rule 4: the key-carrying inputs that hold a plain value. `isSecret` says whether a value is a
 * secret wrapper (whatever lies under a secret is secret).
 */
export function plainKeyPaths(type: string, raw: Record<string, unknown>, isSecret: (v: unknown) => boolean): string[] {
    const plain: string[] = [];
    for (const path of KEY_PATHS[type] ?? []) {
        let v: unknown = raw;
        let secret = false;
        for (const step of path) {
            if (isSecret(v)) {
                secret = true;
                break;
            }
            v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[step] : undefined;
        }
        if (!secret && !isSecret(v) && typeof v === "string" && v !== "") plain.push(path.join("."));
    }
    return plain;
}
