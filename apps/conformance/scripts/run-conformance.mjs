#!/usr/bin/env node
// Runs every `auth/*` client scenario of the pinned MCP conformance suite against
// dist/client.js (authbus's conformance client), prints a table and, last,
// `conformance: N/M auth scenarios passed`. Exits 1 unless every scenario passed.
//
//   node scripts/run-conformance.mjs [--scenario NAME]... [--jobs N] [--keep DIR]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, "..");
const require = createRequire(join(app, "package.json"));
const suiteDir = dirname(require.resolve("@modelcontextprotocol/conformance/package.json"));
const suiteVersion = JSON.parse(readFileSync(join(suiteDir, "package.json"), "utf8")).version;
const cli = join(suiteDir, "dist", "index.js");
const shim = join(here, "node20-fs-glob.mjs");
const client = join(app, "dist", "client.js");

const args = process.argv.slice(2);
const only = [];
let jobs = 3;
let keep;
let others = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--scenario") only.push(args[++i]);
  else if (args[i] === "--jobs") jobs = Number(args[++i]);
  else if (args[i] === "--keep") keep = args[++i];
  else if (args[i] === "--others") others = true;
  else throw new Error(`unknown argument ${args[i]}`);
}

function run(cliArgs, timeoutMs = 120_000) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", shim, cli, ...cliArgs], {
      cwd: app,
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const listed = await run(["list"]);
const clientSection =
  listed.out.split("Client scenarios")[1]?.split("Authorization server scenarios")[0] ?? "";
const listedScenarios = [...clientSection.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
const scenarios = listedScenarios.filter((s) => s.startsWith("auth/"));
if (scenarios.length === 0) {
  console.error(listed.out);
  throw new Error("the conformance suite listed no auth/* client scenarios");
}
// --others: the client scenarios that are not about authorization, reported but not counted.
const pool = others ? listedScenarios.filter((s) => !s.startsWith("auth/")) : scenarios;
const selected = only.length > 0 ? listedScenarios.filter((s) => only.includes(s)) : pool;

const outRoot = keep ?? mkdtempSync(join(tmpdir(), "authbus-conformance-"));
const results = new Map();
const queue = [...selected];
async function worker() {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const started = Date.now();
    const { code, out } = await run([
      "client",
      "--command",
      `${process.execPath} ${client}`,
      "--scenario",
      name,
      "--output-dir",
      outRoot,
    ]);
    const tally = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(out);
    const passed = code === 0 && /OVERALL: PASSED/.test(out);
    const problems = [...out.matchAll(/^ {2}- (.+)$/gm)]
      .map((m) => m[1])
      .filter((l) => !l.startsWith("auth/"));
    results.set(name, {
      passed,
      checks: tally ? `${tally[1]}/${tally[2]}` : "-",
      warnings: tally ? Number(tally[4]) : 0,
      ms: Date.now() - started,
      problems: passed ? [] : problems.slice(0, 4),
      out,
    });
    process.stderr.write(`${passed ? "pass" : "FAIL"} ${name}\n`);
  }
}
await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));

const width = Math.max(...selected.map((s) => s.length));
console.log(
  `\nMCP conformance suite ${suiteVersion}, client scenarios ${others ? "other than auth/*" : "auth/*"}\n`,
);
console.log(`${"scenario".padEnd(width)}  result  checks   time`);
for (const name of selected) {
  const r = results.get(name);
  console.log(
    `${name.padEnd(width)}  ${r.passed ? "pass  " : "FAIL  "}  ${r.checks.padEnd(7)} ${String(r.ms).padStart(5)} ms`,
  );
  for (const problem of r.problems) console.log(`${"".padEnd(width)}    ${problem}`);
}
const failed = selected.filter((s) => !results.get(s).passed);
if (failed.length > 0 && process.env.CONFORMANCE_VERBOSE) {
  for (const name of failed) console.log(`\n----- ${name}\n${results.get(name).out}`);
}
if (!keep) rmSync(outRoot, { recursive: true, force: true });
const what = others ? "other client scenarios" : "auth scenarios";
console.log(`conformance: ${selected.length - failed.length}/${selected.length} ${what} passed`);
process.exitCode = failed.length === 0 ? 0 : 1;
