// tools/engine/: the Pulumi engine the labs run (engine.ts: builds, locates and runs it, the working
// project under .pulumi/; engine-choice.ts: setup's choice of official plugins or this project's
// builds). This file is the folder's surface. engine.ts is also an entry point
// (`npm run engine`), whose command runs only when executed (require.main), so importing it here
// runs nothing.
export * from "./engine";
export * from "./engine-choice";
