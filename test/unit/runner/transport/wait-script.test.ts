// The timed start of a program on a remote machine (SH_WAIT_SCRIPT, BASH_WAIT_SCRIPT), run for
// real under sh and bash: on a machine where every program takes 200 ms to start (a PV guest under
// emulation measured about 100 ms a fork), the program must still start on time, because nothing is
// started between the wake-up and its exec. Where bash cannot wait without forks, the POSIX wait
// takes over.
import * as assert from "assert";
import { spawn } from "child_process";
import { chmodSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { timedArgv } from "../../../../runner/transport/transport";
import { tempDir } from "../../../tmp";

/** Runs `argv` (a timed start) with PATH led by `bin`; stdin held open or /dev/null. Returns stdout. */
function runTimed(argv: string[], bin: string, holdStdin: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(argv[0], argv.slice(1), {
            stdio: [holdStdin ? "pipe" : "ignore", "pipe", "pipe"],
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        });
        let out = "";
        let err = "";
        child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
        child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
        child.on("error", reject);
        child.on("close", (code) => {
            child.stdin?.destroy();
            if (code === 0) resolve(out);
            else reject(new Error(`exited ${code}: ${err}`));
        });
    });
}

/** A program that prints when it started (microseconds since the epoch): bash's clock, no fork. */
const STAMP = ["bash", "-c", 'echo "${EPOCHREALTIME//[!0-9]/}"'];

/** Each of `names` made slow to start: a wrapper that sleeps 200 ms, then runs the real one. */
function slowBin(names: string[]): string {
    const bin = tempDir("slowbin");
    for (const name of names) {
        const real = path.join("/usr/bin", name);
        writeFileSync(path.join(bin, name), `#!/bin/sh\n/usr/bin/sleep 0.2\nexec ${real} "$@"\n`);
        chmodSync(path.join(bin, name), 0o755);
    }
    return bin;
}

const lateMs = (stdout: string, atMs: number) => Number(stdout.trim()) / 1000 - atMs;

describe("timed start of a program (the SSH transport's wait)", function () {
    this.timeout(20000);

    for (const holdStdin of [true, false]) {
        it(`starts on time where every program takes 200 ms to start (bash, stdin ${holdStdin ? "held open" : "closed"})`, async () => {
            const bin = slowBin(["date", "sleep", "printf"]);
            const atMs = Date.now() + 1500;
            const out = await runTimed(timedArgv(BigInt(Math.round(atMs * 1000)) * 1000n, STAMP), bin, holdStdin);
            const late = lateMs(out, atMs);
            assert.ok(late >= 0, `started ${(-late).toFixed(1)} ms early`);
            assert.ok(late < 60, `started ${late.toFixed(1)} ms late: something was started after the wake-up`);
        });
    }

    it("waits with date and sleep where bash has no $EPOCHREALTIME, and starts on time", async () => {
        const bin = tempDir("nobash");
        const log = path.join(bin, "bash.log");
        // A bash that only answers the check, as a bash before 5.0 does ($EPOCHREALTIME unset).
        writeFileSync(
            path.join(bin, "bash"),
            `#!/bin/sh\necho "$*" >> ${log}\n[ "$1" = -c ] && [ "$2" = 'echo \${EPOCHREALTIME:+y}' ] && exit 0\nexec /usr/bin/bash "$@"\n`,
        );
        chmodSync(path.join(bin, "bash"), 0o755);
        const atMs = Date.now() + 1500;
        const out = await runTimed(timedArgv(BigInt(Math.round(atMs * 1000)) * 1000n, STAMP), bin, true);
        const late = lateMs(out, atMs);
        assert.ok(late >= 0 && late < 100, `started ${late.toFixed(1)} ms after its time`);
        const calls = readFileSync(log, "utf8").trim().split("\n");
        assert.strictEqual(calls.length, 2, `bash was asked for its clock, then ran the program only: ${calls.join(" | ")}`);
        assert.match(calls[1], /^-c echo/, "the program, not the bash wait");
    });
});
