// The host key the remote commands check, read from known_hosts (components/scripts/known-hosts.ts): the
// line for the machine's address, as an authorized_keys line, which is the form the official
// command provider's connection.hostKey takes (pulumi-command v1.2.1, SSHConfig: ParseAuthorizedKey).
import * as assert from "assert";
import { writeFileSync } from "fs";
import * as path from "path";
import { hostKeyIn, knownHostKey, knownHostsName, KnownHostsError } from "../../../../components/scripts/known-hosts";
import { tempDir } from "../../../tmp";

const ED = "AAAAC3NzaC1lZDI1NTE5AAAAIOtherHostKeyBlob00000000000000000000000000";
const ED_HOST = "AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyBlobOfTheMachine0000000000000000000";
const ECDSA = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEcdsaBlob000";
const RSA = "AAAAB3NzaC1yc2EAAAADAQABAAABAQRsaBlob000000000000000000000000000000";

describe("a machine's host key from known_hosts", () => {
    it("names a machine by its address, and [address]:port off port 22", () => {
        assert.strictEqual(knownHostsName("10.0.0.1", 22), "10.0.0.1");
        assert.strictEqual(knownHostsName("10.0.0.1", 2222), "[10.0.0.1]:2222");
    });

    it("gives the machine's line as an authorized_keys line, without its host field or comment", () => {
        const text = `# lab\n10.0.0.2 ssh-ed25519 ${ED} peer\n10.0.0.1 ssh-ed25519 ${ED_HOST} host@lab\n`;
        assert.strictEqual(hostKeyIn(text, "/k", "10.0.0.1", 22), `ssh-ed25519 ${ED_HOST}`);
    });

    it("matches host lists, wildcards and negations, and the port", () => {
        assert.strictEqual(hostKeyIn(`h1,10.0.0.1 ssh-ed25519 ${ED_HOST}\n`, "/k", "10.0.0.1", 22), `ssh-ed25519 ${ED_HOST}`);
        assert.strictEqual(hostKeyIn(`10.0.0.* ssh-ed25519 ${ED_HOST}\n`, "/k", "10.0.0.1", 22), `ssh-ed25519 ${ED_HOST}`);
        assert.throws(() => hostKeyIn(`10.0.0.*,!10.0.0.1 ssh-ed25519 ${ED}\n`, "/k", "10.0.0.1", 22), KnownHostsError);
        assert.strictEqual(
            hostKeyIn(`[10.0.0.1]:2222 ssh-ed25519 ${ED_HOST}\n10.0.0.1 ssh-ed25519 ${ED}\n`, "/k", "10.0.0.1", 2222),
            `ssh-ed25519 ${ED_HOST}`,
        );
        assert.throws(() => hostKeyIn(`10.0.0.1 ssh-ed25519 ${ED}\n`, "/k", "10.0.0.1", 2222), /has no line for \[10\.0\.0\.1\]:2222/);
    });

    it("takes ed25519 over ECDSA over RSA: the command provider offers only the key's algorithm, and ssh-rsa is refused by OpenSSH 8.8+", () => {
        const text = `10.0.0.1 ssh-rsa ${RSA}\n10.0.0.1 ecdsa-sha2-nistp256 ${ECDSA}\n10.0.0.1 ssh-ed25519 ${ED_HOST}\n`;
        assert.strictEqual(hostKeyIn(text, "/k", "10.0.0.1", 22), `ssh-ed25519 ${ED_HOST}`);
        assert.strictEqual(hostKeyIn(text.split("\n").slice(0, 2).join("\n"), "/k", "10.0.0.1", 22), `ecdsa-sha2-nistp256 ${ECDSA}`);
        assert.strictEqual(hostKeyIn(`10.0.0.1 ssh-rsa ${RSA}\n`, "/k", "10.0.0.1", 22), `ssh-rsa ${RSA}`);
    });

    it("leaves out revoked keys and certificate authorities", () => {
        const text = `@revoked * ssh-ed25519 ${ED_HOST}\n@cert-authority 10.0.0.1 ssh-ed25519 ${ED}\n10.0.0.1 ssh-ed25519 ${ED_HOST}\n10.0.0.1 ecdsa-sha2-nistp256 ${ECDSA}\n`;
        assert.strictEqual(hostKeyIn(text, "/k", "10.0.0.1", 22), `ecdsa-sha2-nistp256 ${ECDSA}`);
    });

    it("names the file and the address when the machine has no line", () => {
        assert.throws(
            () => hostKeyIn(`10.0.0.2 ssh-ed25519 ${ED}\n`, "/lab/known_hosts", "10.0.0.1", 22),
            (e: Error) =>
                e instanceof KnownHostsError &&
                /hvnetlab:sshKnownHostsFile \/lab\/known_hosts has no line for 10\.0\.0\.1/.test(e.message) &&
                /ssh-keyscan -t ed25519 10\.0\.0\.1/.test(e.message),
        );
    });

    it("says that hashed lines cannot be matched", () => {
        assert.throws(
            () => hostKeyIn(`|1|c2FsdA==|aGFzaA== ssh-ed25519 ${ED_HOST}\n`, "/lab/known_hosts", "10.0.0.1", 22),
            /\/lab\/known_hosts has no plain line for 10\.0\.0\.1, and its 1 hashed line\(s\) \(\|1\|\.\.\., HashKnownHosts\) cannot be matched.*without -H/,
        );
    });

    it("reads the file only with sshHostKeyChecking yes and a known_hosts file, naming a file it cannot read", () => {
        const file = path.join(tempDir("known-hosts"), "known_hosts");
        writeFileSync(file, `10.0.0.1 ssh-ed25519 ${ED_HOST} host\n`);
        assert.strictEqual(knownHostKey({ hostKeyChecking: "yes", knownHostsFile: file }, "10.0.0.1", 22), `ssh-ed25519 ${ED_HOST}`);
        assert.strictEqual(knownHostKey({ hostKeyChecking: "accept-new", knownHostsFile: file }, "10.0.0.1", 22), undefined);
        assert.strictEqual(knownHostKey({ hostKeyChecking: "yes", knownHostsFile: "" }, "10.0.0.1", 22), undefined);
        assert.throws(
            () => knownHostKey({ hostKeyChecking: "yes", knownHostsFile: `${file}.missing` }, "10.0.0.1", 22),
            /cannot read hvnetlab:sshKnownHostsFile .*known_hosts\.missing: ENOENT/,
        );
    });
});
