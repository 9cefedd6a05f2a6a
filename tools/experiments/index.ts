// tools/experiments/: measurements beyond the labs. This file is the folder's surface: the cgroup
// CPU limit (cgroup-limit.ts). bench.ts (`npm run bench`) and cpu-limited.ts are scripts that run
// their main as soon as they load, so they are left out.
export { CgroupTransport, makeCgroup } from "./cgroup-limit";
