// The comparability rules: which labs' results may stand side by side, and, where two may not,
// which part of what they measured differs. Pure; compare.ts applies them to sources.
//
// The rules follow the study behind hvnetlab (native, ESX and Xen on matched hosts, 1-4 VMs):
// 1. What every lab must share: the wires (speed, shared uplink), the MTU, the netperf version,
//    the matrix (experiments, peer, tests, message sizes, guest counts) and the method (duration,
//    interval, warm-up). Each of these changes the figure itself.
// 2. Native is the baseline by definition: a lab without guests (native, and the local lab of
//    namespaces) has no guest shape, and compares with any lab whose parts of rule 1 match.
// 3. The guest shape (vCPUs, memory, disk, image or template, direct kernel boot) must match
//    between virtualized labs only (esx, kvm, xen): that is what "matched hosts" means.
// 4. Emulated labs (guests under QEMU's TCG, Xen under QEMU, stand-in guests or hosts made of
//    network namespaces) compare with each other, never with labs on real hardware: their figures
//    are the emulator's. What each one emulates is shown, but need not be the same.
// 5. The Xen guest mode (HVM or PV) is compared between xen labs only.
// 6. The virtual NIC path (device model, queues, attachment, vhost, pinning) is what a tuning
//    study varies: it is shown, and never held against another lab.
import { canonical } from "../model";
import type { Comparable } from "../model";

/** A lab's role in a comparison: the baseline (no guests) or a virtualized lab. */
export type Role = "baseline" | "virtualized";

/** Rule 2: a lab without a guest shape (native, local) is a baseline. */
export function roleOf(c: Comparable): Role {
    return c.guest === undefined ? "baseline" : "virtualized";
}

/** One part of the comparable block that the rules hold two labs to. */
interface Part {
    readonly name: string;
    readonly get: (c: Comparable) => unknown;
    /** Whether the part is compared between these two labs (rules 2 and 3). */
    readonly applies?: (a: Comparable, b: Comparable) => boolean;
}

const bothVirtualized = (a: Comparable, b: Comparable) => roleOf(a) === "virtualized" && roleOf(b) === "virtualized";

/** The parts, in the order a difference is reported. */
export const PARTS: readonly Part[] = [
    { name: "testbed", get: (c) => (c.emulation ? "emulated" : "hardware") },
    { name: "guest shape", get: (c) => c.guest, applies: bothVirtualized },
    // HVM against PV is another experiment on Xen; a xen lab in either mode still compares with the others.
    { name: "Xen guest mode", get: (c) => c.xenGuestMode, applies: (a, b) => a.xenGuestMode !== undefined && b.xenGuestMode !== undefined },
    { name: "wire speed (Mb/s)", get: (c) => c.nicSpeedMbps },
    { name: "shared uplink (Mb/s)", get: (c) => c.uplinkMbps ?? "none" },
    { name: "MTU", get: (c) => c.mtu },
    { name: "netperf version", get: (c) => c.netperfVersion },
    { name: "matrix: experiments", get: (c) => c.matrix.experiments },
    { name: "matrix: peer", get: (c) => c.matrix.peer },
    { name: "matrix: tests", get: (c) => c.matrix.tests },
    { name: "matrix: message sizes", get: (c) => c.matrix.messageSizes },
    { name: "matrix: guest counts", get: (c) => c.matrix.guestCounts ?? `1..${c.matrix.guests}` },
    { name: "matrix: guests", get: (c) => c.matrix.guests },
    { name: "method: duration (s)", get: (c) => c.method.durationSeconds },
    { name: "method: interval (s)", get: (c) => c.method.intervalSeconds },
    { name: "method: warm-up (s)", get: (c) => c.method.warmupSeconds },
];

const show = (v: unknown) => (v === undefined ? "none" : typeof v === "string" ? v : canonical(v));

/** How a lab's testbed reads in a difference: "emulated (QEMU TCG guests)" or "hardware". */
function describe(part: Part, c: Comparable): string {
    return part.name === "testbed" && c.emulation ? `emulated (${c.emulation})` : show(part.get(c));
}

/**
 * The parts in which two labs differ under the rules, as "part: <labelA> <valueA>, <labelB>
 * <valueB>"; empty when they are comparable. A field the rules do not name (a newer version's)
 * is reported as "other".
 */
export function differences(a: Comparable, b: Comparable, labelA: string, labelB: string): string[] {
    const applying = PARTS.filter((p) => p.applies?.(a, b) ?? true);
    const diffs = applying
        .filter((p) => canonical(p.get(a)) !== canonical(p.get(b)))
        .map((p) => `${p.name}: ${labelA} ${describe(p, a)}, ${labelB} ${describe(p, b)}`);
    if (diffs.length > 0) return diffs;
    const rest = (c: Comparable) => canonical(withoutKnown(c));
    return rest(a) === rest(b) ? [] : [`other: ${labelA} ${rest(a)}, ${labelB} ${rest(b)} (made by another version of hvnetlab?)`];
}

/** What is left of a comparable block once the named parts are taken out. */
function withoutKnown(c: Comparable): Record<string, unknown> {
    const known = new Set([
        "emulation",
        "xenGuestMode",
        "nicPath",
        "nicSpeedMbps",
        "uplinkMbps",
        "mtu",
        "netperfVersion",
        "matrix",
        "method",
        "guest",
    ]);
    return Object.fromEntries(Object.entries(c).filter(([k]) => !known.has(k)));
}

/** The rules in words, for the report's method section and `compare --help`. */
export const RULES_TEXT = [
    "Every lab must share the wires (speed, shared uplink), the MTU, the netperf version, the matrix and the method.",
    "Native (and the local lab) is the baseline: it has no guests, so its guest shape is never compared.",
    "Virtualized labs (esx, kvm, xen) must also share the guest shape.",
    "Emulated labs (QEMU TCG guests, Xen under QEMU, stand-in guests or hosts) compare only with each other.",
    "The virtual NIC path (model, queues, attachment, vhost, pinning) may differ: paths of one platform compare with each other and with native.",
];
