import { writeFileSync } from "node:fs";

const base = (name, desc, deps, devDeps, refs, extraScripts = {}) => {
  const dir = `packages/${name}`;
  const pkg = {
    name: `@authbus/${name}`,
    version: "0.1.0",
    description: desc,
    license: "MIT",
    type: "module",
    sideEffects: false,
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
    files: ["dist"],
    scripts: {
      build: "tsc -b",
      typecheck: "tsc -p tsconfig.test.json",
      test: "vitest run",
      ...extraScripts,
    },
    dependencies: deps,
    devDependencies: devDeps,
  };
  writeFileSync(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    `${dir}/tsconfig.json`,
    `${JSON.stringify(
      {
        extends: "../../tsconfig.base.json",
        compilerOptions: {
          composite: true,
          rootDir: "src",
          outDir: "dist",
          tsBuildInfoFile: "dist/.tsbuildinfo",
        },
        include: ["src"],
        exclude: ["src/**/*.test.ts", "src/**/*.test-d.ts", "src/**/*.test-helpers.ts"],
        references: refs.map((r) => ({ path: `../${r}` })),
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    `${dir}/tsconfig.test.json`,
    `${JSON.stringify(
      {
        extends: "./tsconfig.json",
        compilerOptions: { composite: false, noEmit: true, rootDir: ".", tsBuildInfoFile: null },
        include: ["src", "bench", "examples", "vitest.config.ts"],
        exclude: [],
      },
      null,
      2,
    )}\n`,
  );
};
const w = "workspace:*";
base(
  "core",
  "RFC 9110 WWW-Authenticate parser, OAuth challenge reading, typed auth event bus, errors and store interfaces",
  { mitt: "^3.0.1", zod: "^4.6.7" },
  {
    "@modelcontextprotocol/sdk": "^1.32.2",
    "auth-header": "^1.0.0",
    "fast-check": "^4.10.2",
    tinybench: "^6.2.5",
  },
  [],
  { bench: "tsx bench/parse.bench.ts", example: "tsx examples/read-challenge.ts" },
);
base(
  "testkit",
  "A real OAuth authorization server (oidc-provider) and protected MCP servers on loopback, for tests and demos",
  {
    "@authbus/core": w,
    "@modelcontextprotocol/sdk": "^1.32.2",
    jose: "^6.2.18",
    "oidc-provider": "^9.13.3",
    zod: "^4.6.7",
  },
  { "@types/oidc-provider": "^9.12.1" },
  ["core"],
  { start: "node dist/cli.js" },
);
base(
  "oauth",
  "Discovery, PKCE consent begin/complete, token refresh and durable token and consent stores, built on oauth4webapi",
  { "@authbus/core": w, "better-sqlite3": "^12.6.2", oauth4webapi: "^3.8.8", zod: "^4.6.7" },
  { "@authbus/testkit": w, "@types/better-sqlite3": "^7.6.13" },
  ["core", "testkit"],
);
base(
  "mcp",
  "Challenge-aware fetch for MCP SDK transports and a multi-server MCP client with silent refresh",
  {
    "@authbus/core": w,
    "@langchain/core": "^1.4.0",
    "@langchain/langgraph": "^1.7.3",
    "@langchain/mcp-adapters": "^1.1.4",
    "@modelcontextprotocol/sdk": "^1.32.2",
    zod: "^4.6.7",
  },
  { "@authbus/oauth": w, "@authbus/testkit": w, tinybench: "^6.2.5" },
  ["core", "oauth", "testkit"],
  { bench: "tsx bench/call.bench.ts" },
);
base(
  "langgraph",
  "LangGraph tool wrapper and createAgent middleware that pause for consent with interrupt() and resume with new tokens",
  {
    "@authbus/core": w,
    "@authbus/mcp": w,
    "@authbus/oauth": w,
    "@langchain/core": "^1.4.0",
    "@langchain/langgraph": "^1.7.3",
    langchain: "^1.5.14",
    zod: "^4.6.7",
  },
  { "@authbus/testkit": w, "@langchain/langgraph-checkpoint-sqlite": "^1.0.4", tinybench: "^6.2.5" },
  ["core", "mcp", "oauth", "testkit"],
  { bench: "tsx bench/resume.bench.ts" },
);
