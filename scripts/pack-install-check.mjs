// The pack-and-install check: what a user gets from npm, tried as a user would.
//
//  1. Packs every publishable package with pnpm (which rewrites `workspace:*`) and inspects each
//     tarball: LICENSE, engines, repository, no .tsbuildinfo, no source map without its sources,
//     `bin` with a shebang, every export target present, dependencies and peer dependencies equal
//     to what the shipped files import, and no main entry reaching an optional peer (JS or .d.ts).
//  2. Installs the tarballs into a fresh app with npm, with the third-party packages the root
//     README's install line names (from the registry), and type-checks the README's agent example
//     (which must equal apps/chat/examples/readme-agent.ts) under "moduleResolution": "NodeNext"
//     and "Bundler", and every entry point's .d.ts with skipLibCheck off.
//  3. Runs the example end to end against the testkit servers of the installed @authbus/testkit,
//     with an offline chat model (scripts/pack-install-check/).
//  4. Pins @langchain/core to the newest release of the minor line below the newest (which
//     `langchain` must accept), checks that one copy is installed, and repeats 2 and 3.
//
// Usage: node scripts/pack-install-check.mjs [--keep] [--skip-build] [--pack-only]: builds the
// packages first (unless --skip-build); --keep leaves the temporary app in place; --pack-only stops
// after inspecting the tarballs (seconds, no install). Runs in CI from .ci/run.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const here = join(root, "scripts", "pack-install-check");
const keep = process.argv.includes("--keep");
const started = Date.now();
const problems = [];
const results = [];

const env = {
  ...process.env,
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
};
// node-gyp compiles better-sqlite3 against the headers that ship with Node, when there are any.
if (!env.npm_config_nodedir && existsSync("/usr/include/node/common.gypi")) env.npm_config_nodedir = "/usr";

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
function step(title) {
  console.log(`\n▸ ${title}`);
  return Date.now();
}
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, env, encoding: "utf8", stdio: "pipe", ...options });
  if (result.status !== 0 && !options.allowFailure) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
    throw new Error(
      `'${[command, ...args].join(" ")}' failed (exit ${result.status ?? result.signal})\n${output}`,
    );
  }
  return result;
}
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const bin = (name) => join(root, "node_modules", ".bin", name);

// ─── 1. pack ──────────────────────────────────────────────────────────────────────────────────

const work = mkdtempSync(join(tmpdir(), "authbus-pack-install-"));
const tarballs = join(work, "tarballs");
const unpacked = join(work, "unpacked");
mkdirSync(tarballs);
mkdirSync(unpacked);

const packageDirs = readdirSync(join(root, "packages"))
  .map((name) => join(root, "packages", name))
  .filter((dir) => existsSync(join(dir, "package.json")) && !readJson(join(dir, "package.json")).private);

let t = step(`build and pack ${packageDirs.length} packages`);
if (!process.argv.includes("--skip-build"))
  run(bin("turbo"), ["run", "build", ...packageDirs.map((dir) => `--filter=./${relative(root, dir)}`)], {
    // As `npm run` would: turbo looks for the pinned pnpm on PATH.
    env: { ...env, TURBO_TELEMETRY_DISABLED: "1", PATH: `${join(root, "node_modules", ".bin")}:${env.PATH}` },
  });
const packed = [];
for (const dir of packageDirs) {
  const before = new Set(readdirSync(tarballs));
  run(bin("pnpm"), ["pack", "--pack-destination", tarballs], { cwd: dir });
  const file = readdirSync(tarballs).find((name) => !before.has(name));
  if (!file) throw new Error(`pnpm pack wrote no tarball for ${relative(root, dir)}`);
  const into = join(unpacked, file.replace(/\.tgz$/, ""));
  mkdirSync(into);
  run("tar", ["-xzf", join(tarballs, file), "-C", into]);
  const pkgDir = join(into, "package");
  packed.push({ dir, file, pkgDir, manifest: readJson(join(pkgDir, "package.json")) });
}
for (const { file } of packed) {
  console.log(
    `  ${file.padEnd(34)} ${(statSync(join(tarballs, file)).size / 1024).toFixed(0).padStart(5)} kB`,
  );
}
console.log(`  (${seconds(t)})`);

// ─── 1b. inspect the tarballs ─────────────────────────────────────────────────────────────────

function listFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path, base) : [relative(base, path).split("\\").join("/")];
  });
}

const builtins = new Set(builtinModules);
const packageOf = (specifier) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];

/** Module specifiers in a JS or .d.ts file: import/export … from, side-effect imports, import(). */
function specifiersOf(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found = [];
  for (const pattern of [
    /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ]) {
    for (const match of code.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}
const isBare = (specifier) =>
  !specifier.startsWith(".") && !specifier.startsWith("node:") && !builtins.has(specifier.split("/")[0]);

/** Every bare specifier the files reachable from `entry` import (following relative imports). */
function reachable(pkgDir, entry, declarations) {
  const seen = new Set();
  const bare = new Set();
  const queue = [posix.normalize(entry)];
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const path = join(pkgDir, file);
    if (!existsSync(path)) {
      problems.push(`${relative(pkgDir, path)} is imported but not in the tarball`);
      continue;
    }
    for (const specifier of specifiersOf(readFileSync(path, "utf8"))) {
      if (!specifier.startsWith(".")) {
        if (isBare(specifier)) bare.add(packageOf(specifier));
        continue;
      }
      let target = posix.join(posix.dirname(file), specifier);
      if (declarations) target = target.replace(/\.js$/, ".d.ts");
      queue.push(target);
    }
  }
  return bare;
}

function exportTargets(manifest) {
  const out = [];
  const walk = (value, condition, subpath) => {
    if (typeof value === "string") out.push({ subpath, condition, target: value });
    else if (value && typeof value === "object")
      for (const [key, inner] of Object.entries(value))
        walk(inner, key.startsWith(".") ? condition : key, key.startsWith(".") ? key : subpath);
  };
  walk(manifest.exports, "default", ".");
  return out;
}

const rootLicense = readFileSync(join(root, "LICENSE"), "utf8");
t = step("inspect the tarballs");
for (const { file, pkgDir, manifest } of packed) {
  const name = manifest.name;
  const files = listFiles(pkgDir);
  const fail = (message) => problems.push(`${name}: ${message}`);

  if (manifest.license !== "MIT") fail(`license is ${manifest.license}, not MIT`);
  if (!files.includes("LICENSE")) fail("no LICENSE in the tarball");
  else if (readFileSync(join(pkgDir, "LICENSE"), "utf8") !== rootLicense)
    fail("LICENSE differs from the root LICENSE");
  if (manifest.engines?.node !== ">=20.19") fail(`engines.node is ${manifest.engines?.node}, not >=20.19`);
  if (!manifest.repository?.url || !manifest.repository?.directory) fail("no repository url and directory");
  if (!manifest.description) fail("no description");
  for (const bad of files.filter((f) => f.endsWith(".tsbuildinfo"))) fail(`ships ${bad}`);
  for (const map of files.filter((f) => f.endsWith(".map"))) {
    const { sources = [], sourcesContent = [] } = readJson(join(pkgDir, map));
    sources.forEach((source, index) => {
      const shipped = files.includes(posix.join(posix.dirname(map), source));
      if (!shipped && typeof sourcesContent[index] !== "string")
        fail(`${map} points at ${source}, which is not shipped`);
    });
  }
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith("workspace:")) fail(`${field}.${dep} is still ${range}`);
    }
  }
  for (const [command, target] of Object.entries(manifest.bin ?? {})) {
    const path = join(pkgDir, target);
    if (!existsSync(path)) fail(`bin ${command} → ${target} is not shipped`);
    else if (!readFileSync(path, "utf8").startsWith("#!/usr/bin/env node\n"))
      fail(`bin ${command} has no shebang`);
  }

  // Dependencies: every listed one is imported by a shipped file, every imported one is listed.
  const listed = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const imported = new Set();
  for (const f of files.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
    for (const specifier of specifiersOf(readFileSync(join(pkgDir, f), "utf8"))) {
      if (isBare(specifier)) imported.add(packageOf(specifier));
    }
  }
  // `@types/x` is listed for the types of `x` that the shipped .d.ts files name.
  const typesOf = (dep) => dep.replace(/^@types\//, "").replace(/^([^_]+)__/, "@$1/");
  for (const dep of listed) {
    if (!imported.has(dep) && !(dep.startsWith("@types/") && imported.has(typesOf(dep)))) {
      fail(`lists ${dep} but nothing it ships imports it`);
    }
  }
  for (const dep of imported) if (!listed.has(dep) && dep !== name) fail(`imports ${dep} without listing it`);

  // Entry points: each target exists; the main entry reaches no optional peer, in JS or types.
  const optional = Object.entries(manifest.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta?.optional)
    .map(([dep]) => dep);
  for (const { subpath, condition, target } of exportTargets(manifest)) {
    if (!existsSync(join(pkgDir, target))) {
      fail(`exports["${subpath}"].${condition} → ${target} is not shipped`);
      continue;
    }
    if (subpath !== ".") continue;
    const reached = reachable(pkgDir, target, condition === "types");
    for (const dep of optional) {
      if (reached.has(dep))
        fail(`the main entry's ${condition === "types" ? ".d.ts" : "JS"} reaches optional peer ${dep}`);
    }
  }
  console.log(`  ${file}: ${files.length} files; imports ${[...imported].sort().join(", ") || "nothing"}`);
}
if (problems.length > 0 || process.argv.includes("--pack-only")) finish();
console.log(`  (${seconds(t)})`);

// ─── 2. install into a fresh app ──────────────────────────────────────────────────────────────

const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.split(/^## Use it in your agent$/m)[1]?.split(/^## /m)[0];
if (!section) throw new Error('README.md has no "## Use it in your agent" section');
const installLine = /```sh\n(?:[^\n]*\n)*?\s*npm install ([^\n]+)\n/.exec(section)?.[1];
if (!installLine)
  throw new Error('README.md\'s "Use it in your agent" section has no ```sh npm install …``` line');
const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
if (!example) throw new Error('README.md\'s "Use it in your agent" section has no ```ts example');
const exampleCopy = join(root, "apps", "chat", "examples", "readme-agent.ts");
const copy = readFileSync(exampleCopy, "utf8").replace(/^\/\*\*[^\n]*\*\/\n/, "");
if (copy !== example) {
  problems.push(`${relative(root, exampleCopy)} (after its @module line) is not the README's example`);
}

const ours = new Map(packed.map(({ file, manifest }) => [manifest.name, join(tarballs, file)]));
const rootManifest = readJson(join(root, "package.json"));
const app = join(work, "app");
mkdirSync(app);
writeFileSync(
  join(app, "package.json"),
  `${JSON.stringify({ name: "authbus-pack-install-app", private: true, type: "module" }, null, 2)}\n`,
);
// One `npm install`, as the user runs it: the README's names (ours from the tarballs, the rest from
// the registry), the other tarballs, and the compiler for the check.
const readmeNames = installLine
  .trim()
  .split(/\s+/)
  .filter((name) => !name.startsWith("-"));
const specs = [
  ...readmeNames.map((name) => ours.get(name) ?? name),
  ...[...ours].filter(([name]) => !readmeNames.includes(name)).map(([, path]) => path),
  `typescript@${rootManifest.devDependencies.typescript}`,
  `@types/node@${rootManifest.devDependencies["@types/node"]}`,
];

const npm = (args, options) => run("npm", args, { cwd: app, ...options });
t = step(
  `npm install: ${installLine.trim()}, the other ${ours.size - readmeNames.filter((n) => ours.has(n)).length} tarballs`,
);
npm(["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs]);
for (const { manifest } of packed) {
  for (const command of Object.keys(manifest.bin ?? {})) {
    if (!existsSync(join(app, "node_modules", ".bin", command)))
      problems.push(`npm linked no ${command} bin for ${manifest.name}`);
  }
}
const installed = (name) => readJson(join(app, "node_modules", name, "package.json")).version;
console.log(
  `  @langchain/core ${installed("@langchain/core")}, langchain ${installed("langchain")}, @langchain/langgraph ${installed("@langchain/langgraph")} (${seconds(t)})`,
);

// The example as the README has it, and a runnable copy that takes the model, the session and the
// server URLs from readme-runtime.ts and exports what the runner drives.
writeFileSync(join(app, "readme-agent.ts"), example);
const declared = [];
let runnable = example.replace(/^declare const (\w+)\s*:[^\n]*\n/gm, (_, name) => {
  declared.push(name);
  return "";
});
runnable = runnable
  .replace(/"https:\/\/([a-z0-9-]+)\.example\.com\/mcp"/g, (_, name) => `serverUrl(${JSON.stringify(name)})`)
  .replace(/"https:\/\/app\.example\.com"/g, "baseUrl");
runnable = `import { ${[...declared, "serverUrl", "baseUrl"].join(", ")} } from "./readme-runtime.js";\n${runnable}\nexport { agent, authbus };\n`;
writeFileSync(join(app, "readme-agent.run.ts"), runnable);
cpSync(join(here, "readme-runtime.ts"), join(app, "readme-runtime.ts"));
cpSync(join(here, "run-readme-agent.ts"), join(app, "run-readme-agent.ts"));

// What `tsc --init` gives a user: the default lib and types, strict, skipLibCheck.
const compilerOptions = { target: "ES2023", strict: true, skipLibCheck: true, noEmit: true };
const configs = {
  NodeNext: { ...compilerOptions, module: "NodeNext", moduleResolution: "NodeNext" },
  Bundler: { ...compilerOptions, module: "ESNext", moduleResolution: "Bundler" },
};

// Every entry point of every package, checked with skipLibCheck off beside the example: our .d.ts
// files must type-check on their own (no @types package that is not installed with them). An
// entry that needs an optional peer the README does not install is left out (said so below).
// Errors inside third-party .d.ts files are counted, not ours to fix.
const installedHere = (dep) => existsSync(join(app, "node_modules", dep, "package.json"));
const entries = [];
const skippedEntries = [];
for (const { pkgDir, manifest } of packed) {
  const optional = Object.keys(manifest.peerDependenciesMeta ?? {}).filter(
    (dep) => manifest.peerDependenciesMeta[dep]?.optional,
  );
  for (const { subpath, condition, target } of exportTargets(manifest)) {
    if (condition !== "types") continue;
    const entry = posix.join(manifest.name, subpath);
    const missing = [...reachable(pkgDir, target, true)].filter(
      (dep) => optional.includes(dep) && !installedHere(dep),
    );
    if (missing.length > 0) skippedEntries.push(`${entry} (needs ${missing.join(", ")})`);
    else entries.push(entry);
  }
}
writeFileSync(
  join(app, "entries.ts"),
  entries.map((entry, index) => `export * as entry${index} from "${entry}";\n`).join(""),
);
for (const [name, options] of Object.entries(configs)) {
  writeFileSync(
    join(app, `tsconfig.${name}.json`),
    JSON.stringify({ compilerOptions: options, files: ["readme-agent.ts"] }, null, 2),
  );
}
writeFileSync(
  join(app, "tsconfig.entries.json"),
  JSON.stringify(
    {
      compilerOptions: { ...configs.NodeNext, skipLibCheck: false },
      files: ["readme-agent.ts", "entries.ts"],
    },
    null,
    2,
  ),
);
// The runnable copy is only transpiled: the README's own text is what gets type-checked.
writeFileSync(
  join(app, "tsconfig.run.json"),
  JSON.stringify(
    {
      compilerOptions: { ...configs.NodeNext, noEmit: false, noCheck: true, outDir: "out" },
      files: ["readme-runtime.ts", "readme-agent.run.ts", "run-readme-agent.ts"],
    },
    null,
    2,
  ),
);

const literal = (pattern, what) => {
  const value = pattern.exec(example)?.[1];
  if (value === undefined) throw new Error(`the README example has no ${what} the runner can use`);
  return value;
};
const runEnv = { ...env, AUTHBUS_SECRET: "pack-install-check-secret-0123456789abcdef" };
const runArgs = [
  literal(/thread_id:\s*"([^"]+)"/, "thread_id string"),
  literal(/session:\s*"([^"]+)"/, "session string"),
  literal(/subject:\s*"([^"]+)"/, "subject string"),
];

const ourFile = (line) => /^(readme-agent\.ts|entries\.ts|node_modules\/(@authbus\/|authbus\/))/.test(line);

/** Type-checks the README example under both resolutions (the first time with every entry point, skipLibCheck off), then runs it. */
function typecheckAndRun(label, withEntries) {
  for (const name of Object.keys(configs)) {
    const strict = withEntries && name === "NodeNext";
    const what = strict ? `and every entry point, skipLibCheck off (${entries.join(", ")})` : "";
    const since = step(`${label}: type-check the README example ("moduleResolution": "${name}") ${what}`);
    const result = npm(["exec", "--", "tsc", "-p", `tsconfig.${strict ? "entries" : name}.json`], {
      allowFailure: true,
    });
    const errors = `${result.stdout}${result.stderr}`.split("\n").filter((line) => /error TS\d+/.test(line));
    const ours = errors.filter(ourFile);
    const ok = ours.length === 0 && (strict || result.status === 0);
    if (!ok)
      problems.push(`${label}: type errors under ${name}:\n${(ours.length > 0 ? ours : errors).join("\n")}`);
    const theirs = strict ? `; ${errors.length - ours.length} in third-party .d.ts, not ours` : "";
    results.push(
      `${label}: type-check (${name}${strict ? ", every entry point" : ""}) ${ok ? "ok" : "FAILED"}${theirs}`,
    );
    console.log(`  ${ok ? "ok" : "FAILED"}${theirs} (${seconds(since)})`);
  }
  const since = step(`${label}: run the README example end to end`);
  rmSync(join(app, "out"), { recursive: true, force: true });
  const built = npm(["exec", "--", "tsc", "-p", "tsconfig.run.json"], { allowFailure: true });
  if (built.status !== 0) {
    problems.push(
      `${label}: the runnable copy of the README example does not compile:\n${built.stdout}${built.stderr}`,
    );
    results.push(`${label}: run FAILED (compile)`);
    return;
  }
  const data = join(work, `data-${results.length}`);
  mkdirSync(data);
  const ran = run("node", [join(app, "out", "run-readme-agent.js"), ...runArgs], {
    cwd: data,
    env: runEnv,
    allowFailure: true,
    timeout: 120_000,
  });
  process.stdout.write(ran.stdout);
  const ok = ran.status === 0;
  if (!ok) problems.push(`${label}: the README example did not run end to end:\n${ran.stdout}${ran.stderr}`);
  results.push(`${label}: run end to end ${ok ? "ok" : "FAILED"}`);
  console.log(`  ${ok ? "ok" : "FAILED"} (${seconds(since)})`);
}

function singleCore(label) {
  const result = npm(["ls", "@langchain/core", "--all", "--parseable", "--long"], { allowFailure: true });
  const copies = new Set(
    result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(":")[0]),
  );
  const versions = [
    ...new Set(
      result.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(":")[1]),
    ),
  ];
  if (copies.size !== 1)
    problems.push(`${label}: ${copies.size} copies of @langchain/core installed: ${versions.join(", ")}`);
  if (result.status !== 0) problems.push(`${label}: npm ls reports problems:\n${result.stderr}`);
  results.push(`${label}: ${copies.size} copy of @langchain/core (${versions.join(", ")})`);
}

const newestCore = installed("@langchain/core");
singleCore(`@langchain/core ${newestCore}`);
if (skippedEntries.length > 0) results.push(`entry points left out: ${skippedEntries.join(", ")}`);
typecheckAndRun(`@langchain/core ${newestCore}`, true);

// ─── 4. one minor version lower ───────────────────────────────────────────────────────────────

const [major, minor] = newestCore.split(".").map(Number);
const releases = JSON.parse(npm(["view", "@langchain/core", "versions", "--json"]).stdout).filter((v) =>
  /^\d+\.\d+\.\d+$/.test(v),
);
const lower = releases
  .filter((v) => {
    const [M, m] = v.split(".").map(Number);
    return M === major && m === minor - 1;
  })
  .sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]))
  .at(-1);
if (!lower) throw new Error(`no @langchain/core release in ${major}.${minor - 1}.x`);
const langchainPeer = readJson(join(app, "node_modules", "langchain", "package.json")).peerDependencies?.[
  "@langchain/core"
];
t = step(
  `pin @langchain/core ${lower} (newest ${newestCore}; langchain ${installed("langchain")} accepts ${langchainPeer})`,
);
npm(["install", "--no-audit", "--no-fund", "--loglevel=error", "--save-exact", `@langchain/core@${lower}`]);
console.log(`  (${seconds(t)})`);
singleCore(`@langchain/core ${lower}`);
typecheckAndRun(`@langchain/core ${lower}`, false);

finish();

function finish() {
  console.log(`\n${results.map((line) => `  ${line}`).join("\n")}`);
  if (problems.length > 0) {
    console.error(
      `\npack-install check: ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join("\n")}`,
    );
    console.error(`(the temporary app is kept in ${work})`);
    process.exit(1);
  }
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`(kept ${work})`);
  console.log(`\npack-install check: ok in ${seconds(started)}`);
  process.exit(0);
}
