// tools/offline/: the offline runner (offline-runner.ts: the program under Pulumi's mock runtime,
// its commands run for real). This file is the folder's surface. offline.ts (`npm run lab:offline`)
// runs its main as soon as it loads, so it is left out.
export { runOffline } from "./offline-runner";
