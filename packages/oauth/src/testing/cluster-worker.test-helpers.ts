/**
 * @module One worker of a simulated deployment, for the multi-process tests: its own bus, stores
 * (Postgres or a shared SQLite file), bridge, consents and refresher, driven by the parent over
 * IPC. Run with `child_process.fork(…, { execArgv: ["--import", "tsx"] })`.
 */
import {
  type AuthBusBridge,
  bridgeAuthBus,
  createAuthBus,
  fingerprintToken,
  type LeaseStore,
  type TokenSet,
} from "@authbus/core";
import { createConsents } from "../consent/create-consents.js";
import { createRefresher } from "../refresh/create-refresher.js";
import type { FetchLike } from "../shared/http-options.js";
import { openPostgresStores } from "../stores/postgres/open-postgres-stores.js";
import { createPostgresBusTransport } from "../stores/postgres/postgres-bus-transport.js";
import { openSqliteStores } from "../stores/sqlite/open-sqlite-stores.js";
import { callTool } from "./mcp-http.test-helpers.js";

/** How the parent configures a worker (JSON in `AUTHBUS_WORKER_CONFIG`). */
export interface WorkerConfig {
  name: string;
  store: { kind: "postgres"; url: string } | { kind: "sqlite"; path: string };
  secret: string;
  redirectUri: string;
  leaseTtlMs: number;
  /** Never answer refresh-token requests: the parent kills this worker while it holds the lease. */
  holdRefreshRequests?: boolean;
}

/** Commands from the parent; each is answered with `{ id, ok, … }`. */
export type WorkerCommand =
  | { id: number; type: "refresh"; subject: string; resource: string; stale: TokenSet }
  | { id: number; type: "begin"; subject: string; serverName: string; resource: string }
  | { id: number; type: "complete"; callbackUrl: string }
  | {
      id: number;
      type: "pause";
      consentId: string;
      threadId: string;
      subject: string;
      resource: string;
      tool: string;
    }
  | { id: number; type: "close" };

const config = JSON.parse(process.env.AUTHBUS_WORKER_CONFIG ?? "{}") as WorkerConfig;
const send = (message: unknown): void => {
  process.send?.(message);
};

const bus = createAuthBus();
const busEvents: string[] = [];
bus.on("*", (type) => {
  busEvents.push(String(type));
});

const stores =
  config.store.kind === "postgres"
    ? await openPostgresStores({ connectionString: config.store.url, secret: config.secret, max: 5 })
    : openSqliteStores({ path: config.store.path, secret: config.secret });
const leases: LeaseStore = stores.leases;
let bridge: AuthBusBridge | undefined;
if ("pool" in stores) {
  bridge = await bridgeAuthBus({
    bus,
    transport: createPostgresBusTransport({ pool: stores.pool }),
    origin: config.name,
  });
}

const holdingFetch: FetchLike = async (input, init) => {
  const body =
    typeof init?.body === "string"
      ? init.body
      : init?.body instanceof URLSearchParams
        ? init.body.toString()
        : "";
  if (body.includes("grant_type=refresh_token")) {
    send({ type: "holding" });
    return new Promise<Response>(() => undefined);
  }
  return fetch(input, init);
};

const http = { allowHttpLoopback: true, ...(config.holdRefreshRequests ? { fetch: holdingFetch } : {}) };
const consents = createConsents({
  tokens: stores.tokens,
  store: stores.consents,
  registrations: stores.registrations,
  bus,
  client: { redirectUri: config.redirectUri },
  ...http,
});
const refresh = createRefresher({
  tokens: stores.tokens,
  bus,
  registrations: stores.registrations,
  client: { redirectUri: config.redirectUri },
  leaseTtlMs: config.leaseTtlMs,
  ...http,
});

/**
 * Resumes one paused "thread" at most once across every worker: the lease on (consent, thread)
 * admits one worker at a time, and the wait record (removed only after the tool ran) tells a
 * later one that it is done.
 */
async function resumeOnce(
  consentId: string,
  threadId: string,
  run: () => Promise<void>,
): Promise<"ran" | "busy" | "done"> {
  const lease = await leases.acquire(`resume:${consentId}:${threadId}`, 30_000);
  if (!lease) return "busy";
  try {
    const waiting = await stores.waits.findWaits(consentId);
    if (!waiting.some((wait) => wait.threadId === threadId)) return "done";
    await run();
    await stores.waits.removeWait(consentId, threadId);
    return "ran";
  } finally {
    await lease.release();
  }
}

/** What each paused thread runs when resumed: its tool call, with the tokens the consent stored. */
const pausedRuns = new Map<string, () => Promise<void>>();

async function resumeWaiting(consentId: string): Promise<string[]> {
  const results: string[] = [];
  for (const wait of await stores.waits.findWaits(consentId)) {
    const run = pausedRuns.get(`${consentId}\u0000${wait.threadId}`);
    // A thread paused on another worker: its graph would run here from the shared checkpoint;
    // in this simulation only the pausing worker knows the tool, so the others leave it to it.
    if (!run) continue;
    results.push(await resumeOnce(consentId, wait.threadId, run));
  }
  return results;
}

async function handle(command: WorkerCommand): Promise<Record<string, unknown>> {
  switch (command.type) {
    case "refresh": {
      const key = { subject: command.subject, resource: command.resource };
      const fresh = await refresh(key, { stale: command.stale });
      return { fingerprint: await fingerprintToken(fresh.accessToken) };
    }
    case "begin": {
      const request = await consents.begin({
        subject: command.subject,
        serverName: command.serverName,
        resource: command.resource,
      });
      return { consentId: request.consentId, authorizationUrl: request.authorizationUrl };
    }
    case "complete": {
      try {
        const result = await consents.complete(command.callbackUrl);
        // The callback handler resumes every thread waiting on the consent.
        return {
          completed: true,
          consentId: result.consentId,
          resumed: await resumeWaiting(result.consentId),
        };
      } catch (error) {
        const { code, problem } = error as { code?: string; problem?: string };
        return { completed: false, code, problem };
      }
    }
    case "pause": {
      const { consentId, threadId, subject, resource, tool } = command;
      await stores.waits.addWait({ consentId, threadId, subject, createdAt: Date.now() });
      const run = async () => {
        const tokens = await stores.tokens.get({ subject, resource });
        if (!tokens) throw new Error("no tokens after the consent");
        const response = await callTool(resource, tool, tokens.accessToken);
        if (response.status !== 200) throw new Error(`the tool call answered ${response.status}`);
        await response.text();
      };
      pausedRuns.set(`${consentId}\u0000${threadId}`, run);
      send({ type: "paused", id: command.id });
      // Paused: the consent settles on any worker; its bridged event wakes this wait.
      const outcome = await consents.wait(consentId);
      const resumed = outcome === "granted" ? await resumeOnce(consentId, threadId, run) : "not granted";
      return { outcome, resumed };
    }
    case "close": {
      consents.close();
      await bridge?.close();
      await stores.close();
      return { events: busEvents };
    }
  }
}

process.on("message", (command: WorkerCommand) => {
  handle(command).then(
    (result) => send({ id: command.id, ok: true, ...result }),
    (error: unknown) =>
      send({
        id: command.id,
        ok: false,
        code: (error as { code?: string }).code,
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
// The parent is gone (or stopped us): nothing else would end this process.
process.on("disconnect", () => process.exit(0));
send({ type: "ready", pid: process.pid });
