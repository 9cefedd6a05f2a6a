// How netserver starts on a machine reached over SSH, both ways, run for real: the create and
// delete scripts of netserverServiceScripts start and stop a real netserver.
//   - systemd runs and the shell is in PID 1's network namespace: a systemd unit;
//   - systemd runs but the shell is in a namespace of its own (an sshd in a namespace, as
//     lab:native's stand-in host): a plain process, in that namespace, where the wires are;
//   - no systemd: a plain process.
// This machine runs no systemd. Its place is taken by a folder that says systemd runs, and by a
// `systemctl` on PATH that does what systemd does with the unit: it starts the unit's ExecStart
// in the init's network namespace, whatever namespace asked, and stops it on `disable --now`. That
// is the behaviour the choice is about. The init is this test's process (in this machine's root
// namespace, as a real PID 1): here PID 1's namespace cannot be read (it holds capabilities that
// root in this machine lacks).
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import type { SystemdPaths } from "../../components/netperf-deployment";
import { netserverServiceScripts } from "../../components/netperf-deployment";
import { tempDir } from "../tmp";

const NS = "hvnst-host";
const PORT = 12871;

const FAKE_SYSTEMCTL = `#!/bin/sh
# systemctl as systemd answers it: units start in the init's network namespace.
echo "$*" >> "$HVNST_DIR/systemctl.log"
for name; do :; done
case "$1" in
  daemon-reload) exit 0 ;;
  is-active) exit 3 ;;
  enable)
    unit="$HVNST_DIR/units/$name"
    cmd=$(sed -n 's/^ExecStart=//p' "$unit")
    nsenter --net="$HVNST_INIT_NETNS" setsid $cmd </dev/null >/dev/null 2>&1 &
    echo $! > "$HVNST_DIR/$name.pid" ;;
  disable)
    [ -e "$HVNST_DIR/$name.pid" ] && kill "$(cat "$HVNST_DIR/$name.pid")" && rm -f "$HVNST_DIR/$name.pid" ;;
esac
exit 0
`;

describe("netserver starts as the machine needs: a systemd unit or a plain process @integration", function () {
    this.timeout(60000);
    let dir = "";
    let env: NodeJS.ProcessEnv = {};
    let paths: SystemdPaths;
    const listeningIn = (ns: string | undefined): boolean =>
        (ns
            ? execFileSync("ip", ["netns", "exec", ns, "ss", "-Hltn", `sport = :${PORT}`])
            : execFileSync("ss", ["-Hltn", `sport = :${PORT}`])
        )
            .toString()
            .trim() !== "";
    const runScript = (text: string, ns?: string) => {
        const argv = ns ? ["ip", "netns", "exec", ns, "sh", "-c", text] : ["sh", "-c", text];
        const r = spawnSync(argv[0], argv.slice(1), { env, encoding: "utf8" });
        assert.strictEqual(r.status, 0, `the script failed: ${r.stderr}`);
        return r.stdout.trim().split("\n").pop() ?? "";
    };
    const systemctlCalls = () => (existsSync(path.join(dir, "systemctl.log")) ? readFileSync(path.join(dir, "systemctl.log"), "utf8") : "");

    before(function () {
        if (process.getuid?.() !== 0 || spawnSync("sh", ["-c", "command -v netserver"]).status !== 0) {
            process.stderr.write("    skipped: needs root (namespaces, nsenter) and netserver\n");
            this.skip();
        }
        dir = tempDir("netserver-start");
        mkdirSync(path.join(dir, "bin"));
        mkdirSync(path.join(dir, "units"));
        mkdirSync(path.join(dir, "systemd-runs"));
        writeFileSync(path.join(dir, "bin", "systemctl"), FAKE_SYSTEMCTL);
        chmodSync(path.join(dir, "bin", "systemctl"), 0o755);
        env = { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? ""}`, HVNST_DIR: dir };
        const initNetns = `/proc/${process.pid}/ns/net`;
        env.HVNST_INIT_NETNS = initNetns;
        paths = { runtimeDir: path.join(dir, "systemd-runs"), unitDir: path.join(dir, "units"), initNetns };
        spawnSync("ip", ["netns", "del", NS]);
        execFileSync("ip", ["netns", "add", NS]);
        execFileSync("ip", ["-n", NS, "link", "set", "lo", "up"]);
    });

    afterEach(() => rmSync(path.join(dir, "systemctl.log"), { force: true }));

    after(() => {
        if (!dir) return;
        spawnSync("sh", ["-c", `for p in $(ip netns pids ${NS}); do kill $p; done; ip netns del ${NS}`]);
        rmSync(dir, { recursive: true, force: true });
    });

    it("where systemd runs and the shell is in the init's namespace: a systemd unit, stopped by systemd", () => {
        const s = netserverServiceScripts("host (test)", "hvnst", "host", PORT, paths);
        assert.strictEqual(runScript(s.create), `systemd unit hvnst-netserver-host-${PORT}`);
        // enable reloads systemd itself: a reload costs seconds on a small guest, so none more.
        assert.deepStrictEqual(systemctlCalls().trim().split("\n"), [`enable --now hvnst-netserver-host-${PORT}.service`]);
        assert.ok(listeningIn(undefined), "the unit's netserver listens");
        rmSync(path.join(dir, "systemctl.log"));
        runScript(s.delete);
        assert.deepStrictEqual(
            systemctlCalls().trim().split("\n"),
            [`disable --now --no-reload hvnst-netserver-host-${PORT}.service`, "daemon-reload"],
            "one reload, after the unit file is gone",
        );
        assert.ok(!existsSync(path.join(dir, "units", `hvnst-netserver-host-${PORT}.service`)), "the unit file is removed");
        assert.ok(!listeningIn(undefined), "the netserver is stopped");
    });

    it("where systemd runs but the shell is in a namespace of its own: a plain process there, never a unit", () => {
        const s = netserverServiceScripts("host (test)", "hvnst", "host", PORT, paths);
        const how = runScript(s.create, NS);
        assert.match(how, /^plain process \d+ \(the SSH session on host \(test\) is in another network namespace than PID 1/);
        assert.strictEqual(systemctlCalls(), "", "systemctl is not asked");
        assert.ok(listeningIn(NS), "netserver listens in the namespace, where the wires are");
        assert.ok(!listeningIn(undefined), "and not in the init's");
        runScript(s.delete, NS);
        assert.ok(!listeningIn(NS), "delete stops it by its pid");
    });

    it("where systemd does not run: a plain process", () => {
        const s = netserverServiceScripts("host (test)", "hvnst", "host", PORT, { ...paths, runtimeDir: path.join(dir, "absent") });
        assert.match(runScript(s.create, NS), /^plain process \d+ \(systemd does not run on host \(test\)\)$/);
        assert.ok(listeningIn(NS));
        runScript(s.delete, NS);
        assert.ok(!listeningIn(NS));
    });
});
