// The leftover check: what the stack left on this machine after `pulumi destroy`, from what the
// setup made (the ledger) and what is there now (processes and links in the lab's namespaces, links
// of this namespace, netservers started since the lab began).
import { existsSync } from "fs";
import type { Made } from "./ledger";
import type { ProcessSeen } from "./this-machine";
import { linksIn, netserversSince, processesIn } from "./this-machine";

/** One thing the stack left; a process is stopped by its pid once reported, as the lab's namespaces go. */
export interface Leftover {
    readonly what: string;
    readonly process?: ProcessSeen;
}

/** What is on this machine after `pulumi destroy`, where the lab's things are. */
export interface Observed {
    /** For each namespace in the ledger that still exists: its processes and links. */
    readonly namespaces: Readonly<Record<string, { readonly processes: readonly ProcessSeen[]; readonly links: readonly string[] }>>;
    /** The links of this (the root) namespace. */
    readonly rootLinks: readonly string[];
    /** netserver processes, in any namespace, started since the lab began. */
    readonly netservers: readonly ProcessSeen[];
}

/**
 * What the stack left behind, from what the setup made and what is there now (pure): a process or
 * link in a lab namespace that the setup did not make, a root-namespace link with the lab's prefix
 * that the setup did not make, a netserver started since the lab began. A process that the setup
 * made forks children of its own name (an sshd's sessions: sshd, sshd-session); those are its.
 */
export function leftoversOf(made: readonly Made[], observed: Observed, linkPrefix: string): Leftover[] {
    const left: Leftover[] = [];
    const started = new Map(made.flatMap((m) => (m.kind === "process" ? [[m.pid, m.comm] as const] : [])));
    const pids = new Set(started.keys());
    const links = new Set(
        made.flatMap((m) =>
            m.kind === "link" ? [`${m.ns ?? ""}/${m.name}`, ...(m.peer !== undefined ? [`${m.peerNs ?? m.ns ?? ""}/${m.peer}`] : [])] : [],
        ),
    );
    const reported = new Set<number>();
    for (const [ns, seen] of Object.entries(observed.namespaces)) {
        const byPid = new Map(seen.processes.map((p) => [p.pid, p]));
        const forkedBySetup = (p: ProcessSeen): boolean => {
            for (let up = byPid.get(p.ppid), hops = 0; up && hops < 16; up = byPid.get(up.ppid), hops++) {
                const comm = started.get(up.pid);
                if (comm !== undefined) return p.comm.startsWith(comm);
            }
            return false;
        };
        for (const p of seen.processes) {
            if (pids.has(p.pid) || forkedBySetup(p)) continue;
            left.push({ what: `process ${p.pid} (${p.comm}) in namespace ${ns}`, process: p });
            reported.add(p.pid);
        }
        for (const l of seen.links) if (l !== "lo" && !links.has(`${ns}/${l}`)) left.push({ what: `link ${l} in namespace ${ns}` });
    }
    for (const l of observed.rootLinks) if (l.startsWith(linkPrefix) && !links.has(`/${l}`)) left.push({ what: `link ${l}` });
    for (const p of observed.netservers)
        if (!reported.has(p.pid) && !pids.has(p.pid)) left.push({ what: `netserver process ${p.pid}`, process: p });
    return left;
}

/** What is on this machine now where a lab's setup made things (`made`), and the netservers started since `since` (ms since the epoch). */
export function observe(made: readonly Made[], since: number): Observed {
    const namespaces: Record<string, { processes: ProcessSeen[]; links: string[] }> = {};
    for (const m of made)
        if (m.kind === "netns" && existsSync(`/run/netns/${m.name}`))
            namespaces[m.name] = { processes: processesIn(m.name), links: linksIn(m.name) };
    return { namespaces, rootLinks: linksIn(), netservers: netserversSince(since) };
}
