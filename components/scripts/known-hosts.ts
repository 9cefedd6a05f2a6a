// A machine's host key as the remote commands check it (@pulumi/command's connection.hostKey),
// read from the known_hosts file the runner's SSH client trusts (hvnetlab:sshKnownHostsFile).
// hostKeyIn is pure; knownHostKey reads the file.
import { readInputText } from "../../analysis";

/** A known_hosts file that gives no usable key for a machine. */
export class KnownHostsError extends Error {
    readonly name = "KnownHostsError";
}

/**
 * Key types in the order a key is taken when known_hosts holds several for a machine. The official
 * command provider offers only the given key's algorithm (pulumi-command v1.2.1, SSHConfig): for an
 * RSA key that is `ssh-rsa` (SHA-1), which OpenSSH 8.8 and later refuse, so RSA comes last.
 */
const PREFERRED_TYPES = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/** The name a machine has in known_hosts: its address, or `[address]:port` on a port other than 22. */
export function knownHostsName(address: string, port: number): string {
    return port === 22 ? address : `[${address}]:${port}`;
}

/** Whether one known_hosts host pattern (`*` and `?` wildcards) matches name. */
function patternMatches(pattern: string, name: string): boolean {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${re}$`, "i").test(name);
}

/** Whether a known_hosts hosts field (comma-separated patterns, `!` negating) names the machine. */
function hostsMatch(field: string, name: string): boolean {
    let matched = false;
    for (const p of field.split(",")) {
        if (p.startsWith("!")) {
            if (patternMatches(p.slice(1), name)) return false;
        } else if (patternMatches(p, name)) matched = true;
    }
    return matched;
}

/**
 * The machine's host key in the text of a known_hosts file, as connection.hostKey takes it: an
 * authorized_keys line `<type> <base64>`. Where the file has several keys for the machine, the
 * first of ed25519, ECDSA, security keys, then any other (RSA) is taken; `@revoked` keys and
 * `@cert-authority` lines are left out. Throws KnownHostsError, naming the file and the machine,
 * when no line names it; hashed lines (`|1|...`, HashKnownHosts) cannot be matched, and the
 * message says so.
 */
export function hostKeyIn(text: string, file: string, address: string, port: number): string {
    const name = knownHostsName(address, port);
    const keys: { type: string; blob: string }[] = [];
    const revoked = new Set<string>();
    let hashed = 0;
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const fields = line.split(/\s+/);
        const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
        const [hosts, type, blob] = fields;
        if (!hosts || !type || !blob) continue;
        if (marker === "@revoked") revoked.add(blob);
        if (marker !== undefined) continue;
        if (hosts.startsWith("|")) hashed++;
        else if (hostsMatch(hosts, name)) keys.push({ type, blob });
    }
    const usable = keys.filter((k) => !revoked.has(k.blob));
    if (usable.length === 0) {
        const add = `ssh-keyscan -t ed25519${port === 22 ? "" : ` -p ${port}`} ${address}`;
        const why =
            hashed > 0
                ? `has no plain line for ${name}, and its ${hashed} hashed line(s) (|1|..., HashKnownHosts) cannot be matched by hvnetlab`
                : `has no line for ${name}`;
        throw new KnownHostsError(
            `hvnetlab:sshKnownHostsFile ${file} ${why}: with hvnetlab:sshHostKeyChecking yes the remote commands check ${name}'s host key against it; ` +
                `add an unhashed line for ${name} (\`${add}\`, without -H, after checking the fingerprint with the machine's own \`ssh-keygen -lf\`)`,
        );
    }
    const rank = (type: string) => {
        const i = PREFERRED_TYPES.indexOf(type);
        return i < 0 ? PREFERRED_TYPES.length : i;
    };
    const best = [...usable].sort((a, b) => rank(a.type) - rank(b.type))[0];
    return `${best.type} ${best.blob}`;
}

/** The host keys' policy of a lab (hvnetlab:sshHostKeyChecking and hvnetlab:sshKnownHostsFile). */
export interface HostKeyPolicy {
    readonly hostKeyChecking: "yes" | "accept-new";
    readonly knownHostsFile: string;
}

/**
 * The host key the remote commands to a machine check, or undefined where they check none: only
 * with hvnetlab:sshHostKeyChecking yes and a hvnetlab:sshKnownHostsFile, read now. Throws
 * InputFileError for a file that cannot be read, KnownHostsError for one without the machine.
 */
export function knownHostKey(policy: HostKeyPolicy, address: string, port: number): string | undefined {
    if (policy.hostKeyChecking !== "yes" || policy.knownHostsFile === "") return undefined;
    return hostKeyIn(readInputText(policy.knownHostsFile, "hvnetlab:sshKnownHostsFile"), policy.knownHostsFile, address, port);
}
