// `npm run demo`: runs the runnable example of the newest finished layer.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
const result = spawnSync(tsx, ["packages/core/examples/read-challenge.ts"], { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
