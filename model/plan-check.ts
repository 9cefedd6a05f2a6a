// Checks a plan document before anything runs, so a plan written or edited by hand fails with a
// message that says which field is wrong.
import { ABSOLUTE_PATH, HOST, IPV4, NAME, USER } from "./value-patterns";
import type { Plan } from "./plan";
import { EXPERIMENTS, HOST_SAMPLER_KINDS, NETPERF_TESTS, PEER_KINDS } from "./plan";

/** The largest start skew a run may have and count as ok: the plan's, else 5% of the duration. */
export function maxSkewOf(plan: Pick<Plan, "maxSkewMs" | "durationSeconds">): number {
    return plan.maxSkewMs ?? plan.durationSeconds * 50;
}

export class PlanError extends Error {
    readonly name = "PlanError";
}

/** Why an endpoint's access is not usable, or undefined when it is. */
function accessProblem(a: any): string | undefined {
    if (a?.kind === "netns") return typeof a.namespace === "string" && NAME.test(a.namespace) ? undefined : "needs a namespace name";
    if (a?.kind === "ssh") {
        if (typeof a.host !== "string" || !HOST.test(a.host)) return "needs host, an address or DNS name";
        if (typeof a.user !== "string" || !USER.test(a.user)) return "needs user, a login name";
        if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) return "needs port, a port number";
        return undefined;
    }
    return 'must be { kind: "netns", namespace } or { kind: "ssh", host, user, port }';
}

/** Notes `msg` as a problem of the plan when `cond` is false. */
type Need = (cond: boolean, msg: string) => void;

const int = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const num = (v: unknown, min: number, max: number) => typeof v === "number" && v >= min && v <= max;

/**
 * Checks a plan document: its method, SSH options, matrix, endpoints, wires and hypervisor hosts,
 * and that the matrix's guest counts fit the wires. Throws PlanError listing every problem, each
 * naming its field.
 */
export function validatePlan(value: unknown): asserts value is Plan {
    const problems: string[] = [];
    const p = value as Record<string, any>;
    if (typeof p !== "object" || p === null) throw new PlanError("the plan must be a JSON object");
    const need: Need = (cond, msg) => {
        if (!cond) problems.push(msg);
    };
    checkMethod(p, need);
    if (p.ssh !== undefined) checkSsh(p.ssh, need);
    const m = p.matrix ?? {};
    checkMatrix(m, need);
    const names = checkEndpoints(p.endpoints, need);
    const wires: any[] = Array.isArray(p.wires) ? p.wires : [];
    checkWires(wires, names, need);
    if (p.hosts !== undefined) checkHosts(p.hosts, names, need);
    if (Array.isArray(m.guestCounts) && wires.length > 0) {
        const most = Math.max(...m.guestCounts);
        need(most <= wires.length, `matrix.guestCounts goes up to ${most} but there are only ${wires.length} wires`);
    }
    if (problems.length > 0) throw new PlanError(`invalid plan:\n  ${problems.join("\n  ")}`);
}

/** The plan's own fields: its schema, platform, netserver port and the method (duration, intervals, limits, repeats). */
function checkMethod(p: Record<string, any>, need: Need): void {
    need(p.schemaVersion === 1, `schemaVersion must be 1, got ${JSON.stringify(p.schemaVersion)}`);
    need(typeof p.platform === "string" && NAME.test(p.platform), "platform must be a name");
    need(typeof p.fingerprint === "string", "fingerprint must be a string");
    need(int(p.netserverPort, 1, 65535), `netserverPort must be a port number, got ${JSON.stringify(p.netserverPort)}`);
    need(int(p.durationSeconds, 1, 86400), `durationSeconds must be whole seconds, got ${JSON.stringify(p.durationSeconds)}`);
    need(num(p.intervalSeconds, 0.05, 60), `intervalSeconds must be in 0.05..60, got ${JSON.stringify(p.intervalSeconds)}`);
    need(num(p.warmupSeconds, 0, 3600), `warmupSeconds must be in 0..3600, got ${JSON.stringify(p.warmupSeconds)}`);
    need(int(p.startLeadMs, 0, 600000), `startLeadMs must be in 0..600000, got ${JSON.stringify(p.startLeadMs)}`);
    need(typeof p.cpu === "boolean", "cpu must be true or false");
    need(p.limitBasis === "ethernet" || p.limitBasis === "tbf", `limitBasis must be ethernet or tbf, got ${JSON.stringify(p.limitBasis)}`);
    need(num(p.maxClockOffsetMs, 0, 600000), `maxClockOffsetMs must be in 0..600000, got ${JSON.stringify(p.maxClockOffsetMs)}`);
    need(
        p.uplinkMbps === undefined || int(p.uplinkMbps, 1, 1_000_000),
        `uplinkMbps must be a speed in Mb/s, got ${JSON.stringify(p.uplinkMbps)}`,
    );
    need(p.repeats === undefined || int(p.repeats, 1, 100), `repeats must be a whole number in 1..100, got ${JSON.stringify(p.repeats)}`);
    need(p.maxSkewMs === undefined || num(p.maxSkewMs, 0, 600000), `maxSkewMs must be in 0..600000, got ${JSON.stringify(p.maxSkewMs)}`);
}

/** The SSH options: host key checking and the known-hosts file. */
function checkSsh(ssh: any, need: Need): void {
    need(ssh?.hostKeyChecking === "yes" || ssh?.hostKeyChecking === "accept-new", "ssh.hostKeyChecking must be yes or accept-new");
    need(
        typeof ssh?.knownHostsFile === "string" && (ssh.knownHostsFile === "" || ABSOLUTE_PATH.test(ssh.knownHostsFile)),
        "ssh.knownHostsFile must be empty or an absolute path",
    );
}

/** The matrix: experiments, peer kind and tests from the known ones, message sizes (bytes) and guest counts. */
function checkMatrix(m: Record<string, any>, need: Need): void {
    const subset = (v: unknown, allowed: readonly string[]) => Array.isArray(v) && v.length > 0 && v.every((x) => allowed.includes(x));
    need(subset(m.experiments, EXPERIMENTS), `matrix.experiments must list some of ${EXPERIMENTS.join(", ")}`);
    need(PEER_KINDS.includes(m.peer), `matrix.peer must be one of ${PEER_KINDS.join(", ")}`);
    need(subset(m.tests, NETPERF_TESTS), `matrix.tests must list some of ${NETPERF_TESTS.join(", ")}`);
    need(
        Array.isArray(m.messageSizes) && m.messageSizes.length > 0 && m.messageSizes.every((x: unknown) => int(x, 1, 1 << 20)),
        "matrix.messageSizes must list byte counts",
    );
    need(
        Array.isArray(m.guestCounts) && m.guestCounts.length > 0 && m.guestCounts.every((x: unknown) => int(x, 1, 1024)),
        "matrix.guestCounts must list guest counts",
    );
}

/** The endpoints: each named once, a guest or a peer, with a usable access. Returns their names. */
function checkEndpoints(value: unknown, need: Need): Set<string> {
    const endpoints: any[] = Array.isArray(value) ? value : [];
    need(endpoints.length > 0, "endpoints must list the lab's endpoints");
    const names = new Set<string>();
    endpoints.forEach((e, i) => {
        need(typeof e?.name === "string" && NAME.test(e.name), `endpoints[${i}].name must be a name`);
        need(!names.has(e?.name), `endpoints[${i}].name '${e?.name}' is listed twice`);
        names.add(e?.name);
        need(e?.role === "guest" || e?.role === "peer", `endpoints[${i}].role must be guest or peer`);
        const problem = accessProblem(e?.access);
        need(problem === undefined, `endpoints[${i}].access ${problem}`);
    });
    return names;
}

/** The dedicated wires: between endpoints (`names`), with IPv4 addresses, a speed and an MTU. */
function checkWires(wires: readonly any[], names: ReadonlySet<string>, need: Need): void {
    need(wires.length > 0, "wires must list the dedicated wires");
    wires.forEach((w, i) => {
        need(names.has(w?.guest), `wires[${i}].guest '${w?.guest}' is not an endpoint`);
        need(names.has(w?.peer), `wires[${i}].peer '${w?.peer}' is not an endpoint`);
        need(IPV4.test(w?.guestAddress ?? "") && IPV4.test(w?.peerAddress ?? ""), `wires[${i}] needs IPv4 guestAddress and peerAddress`);
        need(int(w?.speedMbps, 1, 1_000_000), `wires[${i}].speedMbps must be a speed in Mb/s`);
        need(int(w?.mtu, 576, 9216), `wires[${i}].mtu must be in 576..9216`);
    });
}

/**
 * The hypervisor hosts whose CPU is sampled: each named apart from the endpoints (`names`), of a
 * known sampler kind, with SSH access or why it has none, its guests endpoints with domain names.
 */
function checkHosts(hosts: unknown, names: ReadonlySet<string>, need: Need): void {
    need(Array.isArray(hosts), "hosts must be a list of the hypervisor hosts whose CPU is sampled");
    (Array.isArray(hosts) ? hosts : []).forEach((h: any, i: number) => {
        need(typeof h?.name === "string" && NAME.test(h.name), `hosts[${i}].name must be a name`);
        need(!names.has(h?.name), `hosts[${i}].name '${h?.name}' is also an endpoint's: give the host a name of its own`);
        need(HOST_SAMPLER_KINDS.includes(h?.sampler), `hosts[${i}].sampler must be one of ${HOST_SAMPLER_KINDS.join(", ")}`);
        if (h?.access !== undefined) {
            const problem = h.access?.kind === "ssh" ? accessProblem(h.access) : 'must be { kind: "ssh", host, user, port }';
            need(problem === undefined, `hosts[${i}].access ${problem}`);
        } else need(typeof h?.unreachable === "string", `hosts[${i}] needs access, or unreachable saying why it has none`);
        const guests = typeof h?.guests === "object" && h.guests !== null ? Object.entries(h.guests) : [];
        need(typeof h?.guests === "object" && h.guests !== null, `hosts[${i}].guests must map guest endpoints to domain names`);
        for (const [g, d] of guests) {
            need(names.has(g), `hosts[${i}].guests names '${g}', which is not an endpoint`);
            need(typeof d === "string" && NAME.test(d), `hosts[${i}].guests.${g} must be a domain or VM name ([A-Za-z0-9_.-]+)`);
        }
    });
}
