/**
 * @module The integration setup: testkit demo servers, SQLite token/consent stores, the real
 * MCP client and consents, an agent with {@link authInterruptMiddleware} over `SqliteSaver`.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  type AuthBus,
  type AuthEventName,
  createAuthBus,
  normalizeResource,
  type TokenSet,
} from "@authbus/core";
import { createMCPClient, type MCPClient } from "@authbus/mcp";
import { type Consents, createConsents, createRefresher } from "@authbus/oauth";
import { openSqliteStores, type SqliteStores } from "@authbus/oauth/sqlite";
import { HumanMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { authInterruptMiddleware } from "../middleware/auth-interrupt-middleware.js";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeConsent } from "../resume/resume-consent.js";
import { assistantScript } from "./chat-scripts.test-helpers.js";
import { ScriptedChatModel } from "./scripted-chat-model.test-helpers.js";

export const REDIRECT_URI = "http://127.0.0.1:9/callback";
export const STORE_SECRET = "langgraph-integration-secret-0123456789abcdef";

/** Where the demo servers are: passed to a child process as JSON. */
export interface ServerUrls {
  calendar: string;
  files: string;
}

export interface WorldOptions {
  urls: ServerUrls;
  storePath: string;
  checkpointPath: string;
  ttlSeconds?: number;
  /** The app's launch link for a consent (`ConsentsOptions.launchUrl`): interrupts then carry no `state`. */
  launchUrl?: (consentId: string) => string;
}

/** Every event emitted on a bus, in order. */
export type EventLog = Array<{ type: string; event: unknown }>;

/** One process's view: stores, bus, consents and, per subject, a client and an agent. */
export interface World {
  bus: AuthBus;
  events: EventLog;
  stores: SqliteStores;
  consents: Consents;
  checkpointer: SqliteSaver;
  agentFor(subject: string): AgentRig;
  close(): Promise<void>;
}

export interface AgentRig {
  client: MCPClient;
  model: ScriptedChatModel;
  agent: ReturnType<typeof buildAgent>;
  /** Sends a user message on a thread; resolves when the run ends or pauses. */
  ask(threadId: string, text: string): Promise<{ messages: Array<{ content: unknown }> }>;
  /** The consent interrupts the thread waits on. */
  pending(threadId: string): Promise<ReturnType<typeof pendingAuthInterrupts>>;
  /** Resumes every interrupt waiting on the consent. */
  resume(
    threadId: string,
    consentId: string,
    outcome: "granted" | "denied" | "expired",
  ): Promise<{ messages: Array<{ content: unknown }> }>;
}

function buildAgent(
  world: { bus: AuthBus; consents: Consents; stores: SqliteStores; checkpointer: SqliteSaver },
  client: MCPClient,
  model: ScriptedChatModel,
  subject: string,
) {
  return createAgent({
    model,
    tools: [],
    middleware: [
      authInterruptMiddleware({
        client,
        bus: world.bus,
        consents: world.consents,
        subject,
        tokens: world.stores.tokens,
      }),
    ],
    checkpointer: world.checkpointer,
  });
}

/** Opens the stores, consents and checkpointer at the given paths and wires agents to them. */
export function openWorld(options: WorldOptions): World {
  const bus = createAuthBus();
  const events: EventLog = [];
  bus.on("*", (type, event) => {
    events.push({ type: String(type), event: structuredClone(event) });
  });
  const stores = openSqliteStores({ path: options.storePath, secret: STORE_SECRET });
  const consents = createConsents({
    tokens: stores.tokens,
    store: stores.consents,
    registrations: stores.registrations,
    bus,
    client: { redirectUri: REDIRECT_URI },
    allowHttpLoopback: true,
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
    ...(options.launchUrl === undefined ? {} : { launchUrl: options.launchUrl }),
  });
  const serverNames = new Map([
    [normalizeResource(options.urls.calendar), "calendar"],
    [normalizeResource(options.urls.files), "files"],
  ]);
  const refresh = createRefresher({
    serverName: (key) => serverNames.get(key.resource) ?? key.resource,
    tokens: stores.tokens,
    bus,
    registrations: stores.registrations,
    client: { redirectUri: REDIRECT_URI },
    allowHttpLoopback: true,
  });
  const checkpointer = SqliteSaver.fromConnString(options.checkpointPath);
  const clients: MCPClient[] = [];
  const world: World = {
    bus,
    events,
    stores,
    consents,
    checkpointer,
    agentFor(subject) {
      const client = createMCPClient({
        servers: {
          calendar: { url: options.urls.calendar, description: "the user's calendar (list_events)" },
          files: { url: options.urls.files, description: "the user's files (list_files, delete_file)" },
        },
        tokens: stores.tokens,
        bus,
        subject,
        refresh,
      });
      clients.push(client);
      const model = new ScriptedChatModel(assistantScript);
      const agent = buildAgent(world, client, model, subject);
      const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
      return {
        client,
        model,
        agent,
        ask: (threadId, text) => agent.invoke({ messages: [new HumanMessage(text)] }, config(threadId)),
        pending: async (threadId) => pendingAuthInterrupts(await agent.graph.getState(config(threadId))),
        resume: async (threadId, consentId, outcome) =>
          agent.invoke(
            await resumeConsent(agent.graph, config(threadId), consentId, outcome),
            config(threadId),
          ),
      };
    },
    async close() {
      consents.close();
      await Promise.allSettled(clients.map((client) => client.close()));
      stores.close();
    },
  };
  return world;
}

/** The raw bytes of a SQLite database and its WAL, as text, to search for leaked strings. */
export function databaseText(path: string): string {
  return [path, `${path}-wal`, `${path}-shm`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString("latin1"))
    .join("\n");
}

/** The secrets of token sets, to check nothing else holds them. */
export function secretsOf(sets: Array<TokenSet | undefined>): string[] {
  return sets.flatMap((set) =>
    set ? [set.accessToken, ...(set.refreshToken ? [set.refreshToken] : [])] : [],
  );
}

export type { AuthEventName };
