// Registered with `node --import`: lets the conformance CLI load on Node 20. Its bundle imports
// `fs.globSync` (Node 22) at load time, used only by its `tier-check` command, which we never run.
// Only imports of `fs` from inside the conformance package are redirected, to `fs` plus a
// `globSync` that says why it is missing; nothing else in the process is touched.
import { register } from "node:module";

register("./node20-fs-glob-hooks.mjs", import.meta.url);
