// tools/engine/: the Pulumi engine the labs run (engine.ts: builds, locates and runs it, the working
// project under .pulumi/; engine-choice.ts: setup's choice of official plugins or this project's
// builds). This file is the folder's surface. engine.ts is also an entry point
// (`npm run engine`), whose command runs only when executed (require.main), so importing it here
// runs nothing.
export { CLI_VERSION, PROVIDERS, TOOLS, chooseEngine, engineRecord, parsePlan, providerRecord } from "./engine-choice";
export type { EnginePlan, EngineProbe } from "./engine-choice";
export { EngineError, ROOT, STAND_IN_MARK, builtPath, cacheRoot, engineBinDir, engineEnv, locateEngine, onPath, planFile, prepareWorkingProject, runPulumi, selectStack, setStackConfig, workingProjectDir } from "./engine";
export type { PulumiRun } from "./engine";
export { describeKeptResults } from "./kept-results";
export { WORK_DIR, destroy, outputsFile, up } from "./lab-stack";
export { checkConfigKeys, configPair, isConfigPath, listStacks, loadStackConfig, parseOverrides, readProject, setConfigPath } from "./stack-config";
