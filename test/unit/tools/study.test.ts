// npm run study: its arguments, which stacks run through which lab, and the commands it runs.
import * as assert from "assert";
import { commandsOf, configIdentity, HELP, LABS_HERE, parseStudyArgs, planSteps, StudyError } from "../../../tools/study";

const STACKS = ["esx", "kvm", "local", "native", "native-ns", "qemu", "vcsim", "xen", "xen-qemu"];

describe("npm run study", () => {
    it("runs the labs of this machine by default, native first (the baseline)", () => {
        const args = parseStudyArgs([], STACKS);
        assert.deepStrictEqual(args.stacks, ["native-ns", "vcsim", "qemu", "xen-qemu"]);
        assert.deepStrictEqual(
            planSteps(args).map((s) => s.lab?.name),
            ["native", "vcsim", "qemu", "xen"],
        );
        assert.ok(
            LABS_HERE.every((l) => STACKS.includes(l.stack)),
            "every lab's stack file exists",
        );
    });

    it("runs a stack without a lab here through the engine: up, then destroy unless --keep", () => {
        const [step] = planSteps(parseStudyArgs(["--stack", "kvm"], STACKS));
        assert.strictEqual(step.lab, undefined);
        const cmds = commandsOf(step, parseStudyArgs(["--stack", "kvm", "--guests", "3"], STACKS));
        assert.deepStrictEqual(
            cmds.map((c) => c.what),
            ["pulumi up", "pulumi destroy"],
        );
        assert.ok(cmds[0].argv.join(" ").endsWith("tools/lab.ts up --stack kvm --config hvnetlab:guests=3"), cmds[0].argv.join(" "));
        const kept = commandsOf(step, parseStudyArgs(["--stack", "kvm", "--keep"], STACKS));
        assert.deepStrictEqual(
            kept.map((c) => c.what),
            ["pulumi up"],
        );
    });

    it("hands --keep to a lab, and --guests only to a lab that takes it", () => {
        const args = parseStudyArgs(["--guests", "3", "--keep"], STACKS);
        const [native, vcsim] = planSteps(args);
        assert.ok(commandsOf(native, args)[0].argv.join(" ").endsWith("tools/labs/native.ts --guests 3 --keep"));
        const v = commandsOf(vcsim, args)[0].argv;
        assert.ok(!v.includes("--guests") && v.includes("--keep"), v.join(" "));
    });

    it("takes variants of a stack: each --config applies to the --stack before it, each variant keeps its own outputs", () => {
        const nic = '{"model":"e1000e"}';
        const args = parseStudyArgs(
            ["--stack", "native-ns", "--stack", "qemu", "--stack", "qemu", "--config", `nic=${nic}`, "--config", "hvnetlab:runId=b"],
            STACKS,
        );
        assert.deepStrictEqual(args.configs, [{}, {}, { "hvnetlab:nic": nic, "hvnetlab:runId": "b" }]);
        const steps = planSteps(args);
        assert.deepStrictEqual(
            steps.map((s) => s.name),
            ["native-ns", "qemu~1", "qemu~2"],
        );
        assert.ok(
            commandsOf(steps[2], args)[0]
                .argv.join(" ")
                .endsWith(`tools/labs/qemu.ts --config hvnetlab:nic=${nic} --config hvnetlab:runId=b`),
        );
        const engine = planSteps(parseStudyArgs(["--stack", "kvm", "--config", "nic={}"], STACKS))[0];
        assert.ok(
            commandsOf(engine, parseStudyArgs(["--stack", "kvm"], STACKS))[0]
                .argv.join(" ")
                .endsWith("--stack kvm --config hvnetlab:nic={}"),
        );
    });

    it("refuses a --config key no stack can set, which would be set and never read", () => {
        assert.throws(
            () => parseStudyArgs(["--stack", "qemu", "--stack", "qemu", "--config", "nicc={}"], STACKS),
            /--config: unknown config key 'hvnetlab:nicc': the keys are .*hvnetlab:nic\b/,
        );
        assert.doesNotThrow(() => parseStudyArgs(["--stack", "qemu", "--stack", "qemu", "--config", "hvnetlab:durationSeconds=5"], STACKS));
    });

    it("refuses a --config before any --stack, one that is not key=value, and a variant that is the same", () => {
        assert.throws(
            () => parseStudyArgs(["--config", "nic={}", "--stack", "qemu"], STACKS),
            /--config nic=\{\} comes before any --stack/,
        );
        assert.throws(() => parseStudyArgs(["--stack", "qemu", "--config", "nic"], STACKS), /--config takes key=value, got 'nic'/);
        assert.throws(
            () => parseStudyArgs(["--stack", "qemu", "--config", "nic={}", "--stack", "qemu", "--config", "hvnetlab:nic={}"], STACKS),
            /a stack is named twice with the same config: qemu/,
        );
        // A structured block is compared by content, not by its text: key order and spaces do not make a variant.
        assert.throws(
            () =>
                parseStudyArgs(
                    [
                        "--stack",
                        "qemu",
                        "--config",
                        'nic={"model":"e1000e","queues":1}',
                        "--stack",
                        "qemu",
                        "--config",
                        'nic={ "queues": 1, "model": "e1000e" }',
                    ],
                    STACKS,
                ),
            /a stack is named twice with the same config: qemu/,
        );
        assert.strictEqual(
            configIdentity({ "hvnetlab:nic": '{"model":"e1000e"}' }) === configIdentity({ "hvnetlab:nic": '{"model":"virtio"}' }),
            false,
        );
    });

    it("--help prints what each option does and runs nothing, before any other check", () => {
        const args = parseStudyArgs(["--stack", "vmware", "--help"], STACKS);
        assert.strictEqual(args.help, true);
        assert.deepStrictEqual(args.stacks, []);
        for (const want of [/^usage: npm run study/, /--stack NAME/, /--config key=value/, /--guests N/, /--out DIR/, /Exit codes: 0/])
            assert.match(HELP, want);
    });

    it("refuses a stack that does not exist, twice the same, a bad guest count and an unknown option, in one line", () => {
        assert.throws(() => parseStudyArgs(["--stack", "vmware"], STACKS), /^StudyError: no stack 'vmware': the stacks are esx, kvm, /);
        assert.throws(
            () => parseStudyArgs(["--stack", "kvm", "--stack", "kvm"], STACKS),
            /a stack is named twice with the same config: kvm/,
        );
        assert.throws(() => parseStudyArgs(["--guests", "0"], STACKS), /--guests takes 1 to 16, got '0'/);
        assert.throws(
            () => parseStudyArgs(["--fast"], STACKS),
            (e: Error) => e instanceof StudyError && /Unknown option '--fast'/.test(e.message),
        );
    });
});
