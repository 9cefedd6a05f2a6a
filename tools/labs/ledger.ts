// The ledger of a lab's setup (<lab state>/<lab>/made.json): what the setup made, in the order made,
// written as each thing is made (LabHost.record), so that a later --down, or a failed setup, undoes
// it: each process stopped by its pid, each link, namespace and file removed.
import { existsSync, readFileSync, rmSync } from "fs";
import { linksIn, run, stopProcess } from "./this-machine";

/** Where the labs keep their state (keys, sshd configs, the ledger): $HVNETLAB_LAB_STATE, else /var/lib/hvnetlab. */
export function labStateRoot(env: NodeJS.ProcessEnv = process.env): string {
    return env.HVNETLAB_LAB_STATE ?? "/var/lib/hvnetlab";
}

/** One thing a lab's setup made, in the order made; the teardown undoes them in reverse. */
export type Made =
    | { readonly kind: "netns"; readonly name: string }
    /** A link (a bridge, or a veth: deleting one end deletes its peer `peer`, which is in `peerNs`). */
    | { readonly kind: "link"; readonly name: string; readonly ns?: string; readonly peer?: string; readonly peerNs?: string }
    /** A process the lab started, stopped by its pid once /proc/<pid>/comm still says `comm`. */
    | { readonly kind: "process"; readonly pid: number; readonly comm: string; readonly what: string; readonly ns?: string }
    | { readonly kind: "file"; readonly path: string };

/** The ledger on disk: when the setup began, and what it made. */
export interface Ledger {
    readonly since: number;
    /** The options of the run that set the lab up (a later --down takes down what they made). */
    readonly options: Readonly<Record<string, string>>;
    readonly made: readonly Made[];
}

/** The ledger in `file`, or undefined where there is none (no lab stands). */
export function readLedger(file: string): Ledger | undefined {
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Ledger) : undefined;
}

/** Undoes what the ledger lists, newest first; returns what is still there afterwards. */
export function undo(made: readonly Made[]): string[] {
    const left: string[] = [];
    for (const m of [...made].reverse()) {
        switch (m.kind) {
            case "process":
                if (!stopProcess(m.pid, m.comm)) left.push(`${m.what} (pid ${m.pid}) does not stop`);
                break;
            case "link":
                if (m.ns === undefined || existsSync(`/run/netns/${m.ns}`))
                    run("ip", [...(m.ns ? ["-n", m.ns] : []), "link", "del", m.name], { allowFail: true });
                if (linksIn(m.ns).includes(m.name) && (m.ns === undefined || existsSync(`/run/netns/${m.ns}`)))
                    left.push(`link ${m.name}${m.ns ? ` in namespace ${m.ns}` : ""}`);
                break;
            case "netns":
                run("ip", ["netns", "del", m.name], { allowFail: true });
                if (existsSync(`/run/netns/${m.name}`)) left.push(`namespace ${m.name}`);
                break;
            case "file":
                rmSync(m.path, { force: true, recursive: true });
                if (existsSync(m.path)) left.push(`file ${m.path}`);
                break;
        }
    }
    return left;
}
