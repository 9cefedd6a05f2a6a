// `--config key=value` on the labs, the study and lab:offline: keys by full name, and a path into a
// block (`guest.vcpus=2`), typed and merged the way `pulumi config set --path` does.
import * as assert from "assert";
import { ROOT } from "../../../../tools/engine";
import { checkConfigKeys, configPair, loadStackConfig, setConfigPath } from "../../../../tools/engine/stack-config";
import { commandsOf, parseStudyArgs, planSteps } from "../../../../tools/study";

describe("--config keys", () => {
    it("takes a key, a namespaced key, and a path of fields into a block", () => {
        assert.deepStrictEqual(configPair("guest.vcpus=2"), ["hvnetlab:guest.vcpus", "2"]);
        assert.deepStrictEqual(configPair("hvnetlab:nic={}"), ["hvnetlab:nic", "{}"]);
        for (const bad of ["guest..vcpus=2", "guest.=2", ".vcpus=2", "guest.vcpus[0]=2", "guest.$(id)=1"])
            assert.strictEqual(configPair(bad), undefined, bad);
    });

    it("refuses a path whose block no stack has, and a path into a plain value", () => {
        checkConfigKeys(["hvnetlab:guest.vcpus", "hvnetlab:nic.model", "hvnetlab:mtu"], ROOT);
        assert.throws(() => checkConfigKeys(["hvnetlab:gust.vcpus"], ROOT), /unknown config key .hvnetlab:gust.vcpus./);
        assert.throws(() => checkConfigKeys(["hvnetlab:mtu.value"], ROOT), /'hvnetlab:mtu.value': only a block's fields take a path/);
    });

    it("sets a field in a block, typed as pulumi config set --path types it, and keeps the block's other fields", () => {
        const config: Record<string, string> = { "hvnetlab:guest": JSON.stringify({ vcpus: 1, memoryMiB: 512 }) };
        setConfigPath(config, "hvnetlab:guest.vcpus", "2");
        setConfigPath(config, "hvnetlab:guest.user", "bench");
        setConfigPath(config, "hvnetlab:nic.pinning.io", "0");
        assert.deepStrictEqual(JSON.parse(config["hvnetlab:guest"]), { vcpus: 2, memoryMiB: 512, user: "bench" });
        assert.deepStrictEqual(JSON.parse(config["hvnetlab:nic"]), { pinning: { io: 0 } }, "a block not set yet starts empty");
        config["hvnetlab:mtu"] = "1500";
        assert.throws(() => setConfigPath(config, "hvnetlab:mtu.x", "1"), /hvnetlab:mtu is not a block of fields/);
    });

    it("lab:offline's stack config takes a path into the stack's own block", () => {
        const base = JSON.parse(loadStackConfig(ROOT, "qemu")["hvnetlab:guest"]);
        const over = JSON.parse(loadStackConfig(ROOT, "qemu", { "hvnetlab:guest.vcpus": "2" })["hvnetlab:guest"]);
        assert.deepStrictEqual(over, { ...base, vcpus: 2 });
    });

    it("the study hands a path key to a lab as it is, and to pulumi up with --config-path", () => {
        const STACKS = ["kvm", "qemu"];
        const [lab] = planSteps(parseStudyArgs(["--stack", "qemu", "--config", "guest.vcpus=2"], STACKS));
        assert.ok(commandsOf(lab, parseStudyArgs([], STACKS))[0].argv.join(" ").endsWith("--config hvnetlab:guest.vcpus=2"));
        const args = parseStudyArgs(["--stack", "kvm", "--config", "guest.vcpus=2"], STACKS);
        const [up] = commandsOf(planSteps(args)[0], args);
        assert.deepStrictEqual(up.argv.slice(-3), ["--config", "hvnetlab:guest.vcpus=2", "--config-path"]);
        const plain = parseStudyArgs(["--stack", "kvm", "--config", "mtu=9000"], STACKS);
        assert.ok(!commandsOf(planSteps(plain)[0], plain)[0].argv.includes("--config-path"));
    });
});
