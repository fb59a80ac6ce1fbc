// Installs the workspace with the pinned pnpm when node_modules is missing or
// older than the lockfile, so `npm test` and `npm run demo` work on a machine
// that has only Node.js and npm.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lockfile = join(root, "pnpm-lock.yaml");
const stamp = join(root, "node_modules", ".authbus-installed");
const pnpm = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager;

const digest = () =>
  createHash("sha256")
    .update(readFileSync(lockfile))
    .update(readFileSync(join(root, "pnpm-workspace.yaml")))
    .digest("hex");

if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest()) process.exit(0);

const env = { ...process.env };
// Native addons (better-sqlite3) compile with node-gyp; use the headers that ship with Node
// instead of downloading them.
if (!env.npm_config_nodedir && existsSync("/usr/include/node/common.gypi")) env.npm_config_nodedir = "/usr";

console.log(`authbus: installing dependencies with ${pnpm} (first run only) …`);
const args = ["--yes", pnpm, "install", "--frozen-lockfile"];
const result = spawnSync("npx", args, { cwd: root, env, stdio: "inherit" });
if (result.status !== 0) {
  console.error(`authbus: '${["npx", ...args].join(" ")}' failed (exit ${result.status ?? result.signal}).`);
  process.exit(result.status ?? 1);
}
if (statSync(join(root, "node_modules")).isDirectory()) writeFileSync(stamp, digest());
