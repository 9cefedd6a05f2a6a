// OpenSSH servers in network namespaces of this machine, so that the runner can reach namespaces
// over SSH as it reaches real machines: each namespace gets a management veth (a /30 of its own
// from 10.98.<third>.0/24) and an sshd on it, with a host key in a known_hosts file and one client
// key. `npm run bench` measures the start skew over SSH with it; the SSH start test uses it with a
// login that is slow on purpose. Needs root, OpenSSH's server and ssh-keygen.
import type { ChildProcess } from "child_process";
import { execFileSync, spawn } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { SshOptions } from "../../runner/transport";
import type { SshAccess } from "../../model";
import { listening } from "../labs";

/** One namespace to reach over SSH. */
export interface SshNamespace {
    /** The endpoint's name (it names the host key and the link). */
    readonly name: string;
    /** The network namespace, which must exist. */
    readonly namespace: string;
    /** Seconds every login to it sleeps before its command runs (a slow login shell), if any. */
    readonly loginDelaySeconds?: number;
}

export interface SshNamespaces {
    /** How to reach each namespace, by its name. */
    readonly access: Record<string, SshAccess>;
    /** The SSH transport's options: the client key, host key checking on, the known_hosts file. */
    readonly options: SshOptions;
    /** Stops the servers, removes the management links and the keys' folder. */
    close(): void;
}

const run = (argv: readonly string[]) => execFileSync(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] }).toString();

/**
 * An sshd_config for a test server on `address`:22: key logins only (root too), no PAM, no pid
 * file unless given, the authorized keys and host key from the given files.
 */
export function sshdConfig(c: { address: string; hostKey: string; authorizedKeys: string; pidFile?: string }): string {
    return [
        `ListenAddress ${c.address}`,
        "Port 22",
        `HostKey ${c.hostKey}`,
        `PidFile ${c.pidFile ?? "none"}`,
        `AuthorizedKeysFile ${c.authorizedKeys}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "",
    ].join("\n");
}

/**
 * Starts an sshd in each namespace, on 10.98.<third>.<4i+2>, cabled to this namespace through a
 * veth `<linkPrefix><i>` (10.98.<third>.<4i+1>). Resolves once every server listens; throws (after
 * undoing what it made) where one does not.
 */
export async function sshIntoNamespaces(namespaces: readonly SshNamespace[], third: number, linkPrefix: string): Promise<SshNamespaces> {
    if (!Number.isInteger(third) || third < 0 || third > 255) throw new RangeError(`third octet must be 0..255, got ${third}`);
    if (namespaces.length > 63) throw new RangeError(`at most 63 namespaces, got ${namespaces.length}`);
    if (!/^[a-z][a-z0-9]{0,9}$/.test(linkPrefix)) throw new RangeError(`link prefix must match [a-z][a-z0-9]{0,9}, got '${linkPrefix}'`);
    const dir = mkdtempSync(path.join(tmpdir(), "hvnetlab-sshns-"));
    const servers: ChildProcess[] = [];
    const links: string[] = [];
    const close = () => {
        for (const s of servers) s.kill();
        for (const l of links) {
            try {
                run(["ip", "link", "del", l]);
            } catch {
                /* gone with its namespace */
            }
        }
        rmSync(dir, { recursive: true, force: true });
    };
    try {
        mkdirSync("/run/sshd", { recursive: true });
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "hostkey")]);
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "client")]);
        const client = readFileSync(path.join(dir, "client.pub"), "utf8");
        const hostKey = readFileSync(path.join(dir, "hostkey.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
        const access: Record<string, SshAccess> = {};
        const known: string[] = [];
        for (const [i, n] of namespaces.entries()) {
            const root = `10.98.${third}.${4 * i + 1}`;
            const address = `10.98.${third}.${4 * i + 2}`;
            const link = `${linkPrefix}${i}`;
            run(["ip", "link", "add", link, "type", "veth", "peer", "name", "sshmgmt0", "netns", n.namespace]);
            links.push(link);
            run(["ip", "addr", "add", `${root}/30`, "dev", link]);
            run(["ip", "link", "set", link, "up"]);
            run(["ip", "-n", n.namespace, "addr", "add", `${address}/30`, "dev", "sshmgmt0"]);
            run(["ip", "-n", n.namespace, "link", "set", "sshmgmt0", "up"]);
            const keys = path.join(dir, `authorized_keys-${i}`);
            const delay = n.loginDelaySeconds;
            writeFileSync(keys, delay ? `command="sleep ${Number(delay)}; eval \\"$SSH_ORIGINAL_COMMAND\\"" ${client}` : client);
            const config = path.join(dir, `sshd-${i}.conf`);
            writeFileSync(config, sshdConfig({ address, hostKey: path.join(dir, "hostkey"), authorizedKeys: keys }));
            const server = spawn("ip", ["netns", "exec", n.namespace, "/usr/sbin/sshd", "-D", "-e", "-f", config], { stdio: "ignore" });
            server.on("error", () => undefined);
            servers.push(server);
            known.push(`${address} ${hostKey}`);
            access[n.name] = { kind: "ssh", host: address, user: "root", port: 22 };
        }
        writeFileSync(path.join(dir, "known_hosts"), `${known.join("\n")}\n`);
        for (const a of Object.values(access))
            if (!(await listening(a.host, a.port, 10000))) throw new Error(`no sshd listens on ${a.host}:${a.port} after 10 s`);
        return {
            access,
            options: { identityFile: path.join(dir, "client"), hostKeyChecking: "yes", knownHostsFile: path.join(dir, "known_hosts") },
            close,
        };
    } catch (err) {
        close();
        throw err;
    }
}
