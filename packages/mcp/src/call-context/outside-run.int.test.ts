import { AsyncLocalStorage } from "node:async_hooks";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createAuthBus, MemoryTokenStore } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { authFetch } from "../auth-fetch/auth-fetch.js";
import { runWithElicitationScope } from "../elicitation/elicitation-scope.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// Where LangChain keeps the AsyncLocalStorage of a run's tracing context (see ./outside-run.ts).
const TRACING_STORAGE_KEY = Symbol.for("ls:tracing_async_local_storage");

/** Stands for what a LangChain run's tracing context holds: its RunTree, config and state. */
class StandInRun {
  readonly state = { messages: ["the whole conversation so far"] };
}

/** Makes a call inside a run and an elicitation scope; returns weak references to both. */
async function callInRun(
  tracing: AsyncLocalStorage<object>,
  call: () => Promise<Response>,
): Promise<WeakRef<object>[]> {
  const run = new StandInRun();
  const scope = { request: async () => ({ action: "cancel" as const }), required: () => undefined };
  const response = await tracing.run(run, () => runWithElicitationScope(scope, call));
  expect(await response.text()).toBe("ok");
  return [new WeakRef(run), new WeakRef(scope)];
}

describe("a connection opened during a tool call", () => {
  it("does not keep the run, nor the call's elicitation scope, while it stays pooled", async () => {
    // Keep-alive: the socket stays open, and in the client's pool, after the response.
    const server = createServer((request, response) => {
      request.resume();
      request.on("end", () => response.end("ok"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const globals = globalThis as Record<symbol, unknown>;
    const previous = globals[TRACING_STORAGE_KEY];
    const tracing = (previous as AsyncLocalStorage<object> | undefined) ?? new AsyncLocalStorage<object>();
    globals[TRACING_STORAGE_KEY] = tracing;
    try {
      const tokens = new MemoryTokenStore();
      await tokens.set(
        { subject: "alice", resource: url },
        { accessToken: "at", tokenType: "Bearer", scopes: [] },
      );
      const send = authFetch({
        serverName: "s",
        resource: url,
        subject: "alice",
        tokens,
        bus: createAuthBus(),
      });

      const refs = await callInRun(tracing, () => send(url, { method: "POST", body: "{}" }));

      // No deref() before the last collection: a WeakRef read keeps its target for the job.
      for (let round = 0; round < 3; round++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const open = await new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
      expect(open).toBeGreaterThan(0);
      expect(refs.map((ref) => ref.deref() === undefined)).toEqual([true, true]);
    } finally {
      if (previous === undefined) delete globals[TRACING_STORAGE_KEY];
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
