// The lab through the real Pulumi engine, on a file backend inside the project (.pulumi/):
//   npm run lab [-- ARGS]          pulumi up --stack local --yes ARGS, then the summary table
//   npm run lab:destroy [-- ARGS]  pulumi destroy --stack local --yes ARGS
//   npm run pulumi -- ARGS         the engine's CLI (tools/engine/engine.ts) with the same backend, project and environment
// ARGS pass through to pulumi; `--stack NAME` picks another stack. `npm run lab` refreshes the
// working copy of the stack's file from stacks/ first, so `--config` overrides last for one run.
import { EngineError, destroy, engineEnv, prepareWorkingProject, runPulumi, up, WORK_DIR } from "./engine";

const USAGE = "usage: npm run lab [-- ARGS] | npm run lab:destroy [-- ARGS] | npm run pulumi -- ARGS";

async function main(): Promise<number> {
    const [cmd, ...args] = process.argv.slice(2);
    if (!["up", "destroy", "pulumi"].includes(cmd)) throw new EngineError(USAGE);
    const env = engineEnv({ workDir: WORK_DIR });
    prepareWorkingProject({ workDir: WORK_DIR, refresh: cmd === "up" });
    // Ctrl-C reaches pulumi too (same process group): it cancels gracefully; wait for it.
    process.on("SIGINT", () =>
        process.stderr.write("\nhvnetlab: interrupted; waiting for pulumi to stop (see README: Recovering an interrupted update)\n"),
    );
    switch (cmd) {
        case "up":
            return up(args, env);
        case "destroy":
            return destroy(args, env);
        default:
            return (await runPulumi(args, { workDir: WORK_DIR, env, interactive: true })).code ?? 1;
    }
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`hvnetlab: ${e.message}\n`);
            process.exit(2);
        },
    );
}
