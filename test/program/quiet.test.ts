// A quieter `pulumi up`: the benchmark command's results document (its stdout) stays out of the
// engine's progress display; its progress (stderr) is shown, and its stdout is still the output.
import * as assert from "assert";
import { BENCHMARK_LOGGING } from "../../components/benchmark";
import type { Registration } from "../mocks";
import { fakeBenchmarkRun, loadProgram, MockLab, promiseOf } from "../mocks";

const COMMAND = "command:local:Command";

describe("the benchmark command in the progress display", () => {
    it("is registered with logging stderr (its progress), not stdout (the results document)", async () => {
        const mocks = new MockLab({
            [COMMAND]: (r: Registration) => (r.name.endsWith("-benchmark-run") ? fakeBenchmarkRun(r) : { stdout: "2.7.0", stderr: "" }),
        });
        await mocks.install();
        const program = loadProgram({ guests: "2" });
        const results = (await promiseOf(program.results)) as { schemaVersion: number };
        assert.strictEqual(BENCHMARK_LOGGING, "stderr");
        const bench = mocks.ofType(COMMAND).find((r) => r.name.endsWith("-benchmark-run"))!;
        assert.strictEqual(bench.inputs.logging, "stderr");
        assert.strictEqual(results.schemaVersion, 1, "the results output is still read from its stdout");
        for (const other of mocks.ofType(COMMAND).filter((r) => r !== bench))
            assert.strictEqual(other.inputs.logging, undefined, `${other.name} keeps the default (both streams shown)`);
    });
});
