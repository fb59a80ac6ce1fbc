/**
 * @module Benchmark: one tool call through `createMCPClient` (authFetch: token lookup, challenge
 * watch, callId context, error recovery) against the same call through a bare
 * `MultiServerMCPClient` of `@langchain/mcp-adapters` with a static `Authorization` header, both
 * against the same testkit server in this process. Target: median ratio ≤ 1.05.
 */
import { createAuthBus, MemoryTokenStore } from "@authbus/core";
import { startAuthServer, startProtectedMCPServer } from "@authbus/testkit";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { Bench, type Task } from "tinybench";
import { authFetch, createMCPClient } from "../src/index.js";
import { grantTokens } from "../src/testing/oauth-flow.test-helpers.js";

// Many short rounds in alternating order, so both clients see the same machine noise (a shared CI
// box or laptop drifts over seconds); the medians are taken over all samples of each client.
const CALLS = Number(process.env.BENCH_CALLS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);

// Node's fetch adds an abort listener to the SDK transport's long-lived AbortSignal per request
// and drops it only when the request is collected, so past 1500 calls it prints a
// MaxListenersExceededWarning with a stack trace per call, for both clients alike. Printing
// those would be measured too; they are counted instead.
let listenerWarnings = 0;
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name === "MaxListenersExceededWarning") listenerWarnings += 1;
  else console.warn(warning);
});

const as = await startAuthServer({ accessTokenTTL: 3600 });
const server = await startProtectedMCPServer({
  name: "files",
  authServer: as,
  tools: [{ name: "list_files", scopes: ["files.read"], handler: () => "notes.txt" }],
});

try {
  const granted = await grantTokens(as, { resource: server.resource, scopes: ["files.read"] });
  const tokens = new MemoryTokenStore();
  await tokens.set({ subject: "alice", resource: server.resource }, granted);

  const authbus = createMCPClient({
    servers: { files: { url: server.url, transport: "http" } },
    tokens,
    bus: createAuthBus(),
    subject: "alice",
  });
  const bare = new MultiServerMCPClient({
    mcpServers: {
      files: {
        url: server.url,
        transport: "http",
        headers: { Authorization: `Bearer ${granted.accessToken}` },
      },
    },
    useStandardContentBlocks: false,
  });

  const pick = (tools: DynamicStructuredTool[]): DynamicStructuredTool => {
    const tool = tools.find((candidate) => candidate.name === "list_files");
    if (!tool) throw new Error("list_files is missing");
    return tool;
  };
  const ours = pick(await authbus.getTools());
  const theirs = pick(await bare.getTools());
  let n = 0;
  const call = async (tool: DynamicStructuredTool): Promise<void> => {
    n += 1;
    const result = await tool.invoke({ name: tool.name, args: {}, id: `call-${n}`, type: "tool_call" });
    if (!JSON.stringify(result).includes("notes.txt")) throw new Error("unexpected result");
  };

  const samples = { authbus: [] as number[], bare: [] as number[] };
  const medians = { authbus: [] as number[], bare: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({
      name: `round ${round + 1}`,
      iterations: CALLS,
      time: 0,
      warmupIterations: round === 0 ? 200 : 10,
      retainSamples: true,
    });
    // Alternate the order between rounds so neither client always runs on a warmer process.
    const tasks: [keyof typeof medians, DynamicStructuredTool][] =
      round % 2 === 0
        ? [
            ["authbus", ours],
            ["bare", theirs],
          ]
        : [
            ["bare", theirs],
            ["authbus", ours],
          ];
    for (const [name, tool] of tasks) bench.add(name, () => call(tool));
    await bench.run();
    if (process.env.BENCH_VERBOSE) console.table(bench.table());
    for (const task of bench.tasks as Task[]) {
      const result = task.result;
      if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
      medians[task.name as keyof typeof medians].push(result.latency.p50);
      samples[task.name as keyof typeof samples].push(...(result.latency.samples ?? []));
    }
  }

  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  };
  const ours50 = median(samples.authbus);
  const theirs50 = median(samples.bare);
  const ratio = ours50 / theirs50;
  const rounds = medians.authbus.map((value, i) => (value / (medians.bare[i] as number)).toFixed(3));
  console.log(
    `median per-call latency, ${samples.authbus.length} calls each: createMCPClient ${ours50.toFixed(3)} ms, ` +
      `MultiServerMCPClient + static header ${theirs50.toFixed(3)} ms, ratio ${ratio.toFixed(3)} (target ≤ 1.05); ` +
      `per-round ratios ${rounds.join(", ")}; ${listenerWarnings} listener warnings silenced`,
  );
  await authbus.close();
  await bare.close();

  // What authFetch itself adds per request, without the network: the same request through an
  // in-memory fetch, bare and wrapped (token lookup, origin check, header copy, status check).
  const memoryFetch = async (_input: string | URL | Request, _init?: RequestInit): Promise<Response> =>
    new Response("{}", { status: 200 });
  const wrapped = authFetch({
    serverName: "files",
    resource: server.resource,
    subject: "alice",
    tokens,
    bus: createAuthBus(),
    fetch: memoryFetch,
  });
  const init = (): RequestInit => ({
    method: "POST",
    headers: new Headers({
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    }),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "list_files", arguments: {} },
    }),
  });
  const url = new URL(server.url);
  const micro = new Bench({ name: "authFetch overhead", iterations: 20_000, time: 0, retainSamples: true });
  micro.add("in-memory fetch", () => memoryFetch(url, init()).then(() => undefined));
  micro.add("authFetch over it", () => wrapped(url, init()).then(() => undefined));
  await micro.run();
  const [plain, withAuth] = micro.tasks.map((task) =>
    task.result.state === "completed" ? task.result.latency.p50 : NaN,
  );
  console.log(
    `authFetch overhead per request (median, in memory): ${(((withAuth ?? NaN) - (plain ?? NaN)) * 1000).toFixed(1)} µs`,
  );
} finally {
  await server.close();
  await as.close();
}
