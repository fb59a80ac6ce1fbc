import { AsyncLocalStorage } from "node:async_hooks";
import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createAuthBus, MemoryTokenStore } from "@authbus/core";
import {
  type AuthServer,
  type ProtectedMCPServer,
  startAuthServer,
  startProtectedMCPServer,
} from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consentAndStore } from "../testing/oauth-flow.test-helpers.js";
import { createMCPClient } from "./create-mcp-client.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let as: AuthServer;
let calendar: ProtectedMCPServer;

beforeAll(async () => {
  as = await startAuthServer();
  calendar = await startProtectedMCPServer({
    name: "calendar",
    authServer: as,
    tools: [{ name: "list_events", scopes: ["calendar.read"], handler: () => "[]" }],
  });
});

afterAll(async () => {
  await calendar?.close();
  await as?.close();
});

// No deref() between collections: a WeakRef read keeps its target alive for the rest of the job.
async function collectGarbage(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("a tool call's abort signal", () => {
  // What a LangGraph run hands a tool: langchain's ToolNode passes `AbortSignal.any([...])`, a
  // signal Node keeps alive while it has an abort listener. The MCP SDK adds one to each request
  // and never removes it; through it the request's promises, and the run whose async context
  // they carry (its config, RunTree and PregelLoop), stayed on the heap.
  it("does not keep the run alive once the call has ended", async () => {
    const tokens = new MemoryTokenStore();
    await consentAndStore(as, tokens, { subject: "alice", resource: calendar.resource }, ["calendar.read"]);
    const client = createMCPClient({
      servers: { calendar: { url: calendar.url } },
      tokens,
      bus: createAuthBus(),
      subject: "alice",
    });
    try {
      const [tool] = await client.getTools();
      if (!tool) throw new Error("no tool listed");
      const app = new AbortController();
      // Stands for the run: the async context every promise of the call carries.
      const runContext = new AsyncLocalStorage<{ run: number }>();
      const runs: WeakRef<object>[] = [];
      const signals: AbortSignal[] = [];
      for (let run = 0; run < 20; run++) {
        const store = { run };
        runs.push(new WeakRef(store));
        const signal = AbortSignal.any([app.signal]);
        signals.push(signal);
        const result = await runContext.run(store, () => tool.invoke({}, { signal }));
        expect(JSON.stringify(result)).toContain("[]");
      }
      // Nothing is left listening on the signals the calls were given.
      expect(signals.map((signal) => getEventListeners(signal, "abort").length)).toEqual(
        signals.map(() => 0),
      );
      signals.length = 0;
      // All but a bound are gone (without the fix all 20 stay): a keep-alive socket keeps the
      // async context it was opened in, and the connection may still name the newest call's.
      await collectGarbage();
      expect(runs.filter((ref) => ref.deref() !== undefined).length).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
    }
  });

  it("still cancels the request when the caller's signal aborts", async () => {
    const tokens = new MemoryTokenStore();
    await consentAndStore(as, tokens, { subject: "alice", resource: calendar.resource }, ["calendar.read"]);
    const client = createMCPClient({
      servers: { calendar: { url: calendar.url } },
      tokens,
      bus: createAuthBus(),
      subject: "alice",
    });
    try {
      const [tool] = await client.getTools();
      if (!tool) throw new Error("no tool listed");
      const caller = new AbortController();
      caller.abort(new Error("the run was cancelled"));
      await expect(tool.invoke({}, { signal: caller.signal })).rejects.toThrow();
    } finally {
      await client.close();
    }
  });
});
