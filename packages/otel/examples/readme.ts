/** @module The README example, type-checked with the tests. */
import { createAuthBus } from "@authbus/core";
import { metrics, trace } from "@opentelemetry/api";
import {
  type ConsentTrace,
  type ConsentTraceStore,
  consentTraceSchema,
  instrumentAuthBus,
} from "../src/index.js";

declare const kv: {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { ttlSeconds: number }): Promise<void>;
  del(key: string): Promise<void>;
};

// Optional: keep consent starts where every worker sees them, so a consent answered after a
// restart still gets its span (the default store is this process's memory).
const consentTraces: ConsentTraceStore = {
  get: async (id) => {
    const value = await kv.get(`consent-trace:${id}`);
    return value === null ? undefined : consentTraceSchema.parse(JSON.parse(value));
  },
  set: (id, value: ConsentTrace) =>
    kv.set(`consent-trace:${id}`, JSON.stringify(value), { ttlSeconds: 3600 }),
  delete: (id) => kv.del(`consent-trace:${id}`),
};

const bus = createAuthBus(); // the bus you pass to createMCPClient, createConsents, createRefresher
const stop = instrumentAuthBus(bus, {
  tracer: trace.getTracer("my-agent"), // whatever your SDK set up (NodeSDK, NodeTracerProvider…)
  meter: metrics.getMeter("my-agent"),
  consentTraces,
});

process.once("SIGTERM", async () => {
  await stop.flush(); // consent spans wait on the store
  stop();
});
