// Where a stack's outputs are kept: the one place `npm run lab` and the offline runner write them,
// the labs and the study read them, and compare names them by.
import * as assert from "assert";
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { originName } from "../../../../analysis/compare";
import { ROOT } from "../../../../tools/engine";
import { outputsFile } from "../../../../tools/engine/lab-stack";
import { readOutputs } from "../../../../tools/labs";
import { tempDir } from "../../../tmp";

describe("outputsFile: a stack's kept outputs", () => {
    it("is out/<stack>.outputs.json in the checkout, as the docs say", () => {
        assert.strictEqual(outputsFile("kvm"), path.join(ROOT, "out", "kvm.outputs.json"));
    });

    it("is what the labs read back, and nothing when there is none", () => {
        const root = tempDir("outputs");
        assert.strictEqual(readOutputs("qemu", root), undefined);
        mkdirSync(path.join(root, "out"));
        writeFileSync(outputsFile("qemu", root), JSON.stringify({ lab: { platform: "kvm" } }));
        assert.deepStrictEqual(readOutputs("qemu", root), { lab: { platform: "kvm" } });
    });

    it("is labelled by compare with the stack's name", () => {
        for (const stack of ["local", "xen-hvm", "native"]) assert.strictEqual(originName(outputsFile(stack)), stack);
    });
});
