/** @module Starts the chat: stores, MCP client, agent, routes and the HTTP server on loopback. */
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { type AuthBus, createAuthBus, normalizeResource } from "@authbus/core";
import { authInterruptMiddleware } from "@authbus/langgraph";
import { createMCPClient, runWithCallId } from "@authbus/mcp";
import { createConsents, createRefresher, openSqliteStores } from "@authbus/oauth";
import { serve } from "@hono/node-server";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import type { BusEntry } from "../shared/thread-view.js";
import { BusFeed } from "./bus-feed.js";
import { createChatRoutes } from "./chat-routes.js";
import { OfflineChatModel } from "./offline-chat-model.js";
import { ThreadIndex } from "./thread-index.js";
import { type ChatGraph, ThreadRunner } from "./thread-runner.js";

export interface ChatServerConfig {
  url: string;
  description?: string;
}

export interface ChatAppOptions {
  /** The MCP servers the agent may use, by name. */
  servers: Record<string, ChatServerConfig>;
  /** Folder for the SQLite files (tokens and consents, checkpoints, thread index). */
  dataDir: string;
  /** The built page (Vite's output). */
  webRoot: string;
  /** Port on 127.0.0.1; 0 (default) lets the OS pick. */
  port?: number;
  /** The user; one per app in this sample. Default `"demo-user"`. */
  subject?: string;
  /** A pre-registered OAuth client id; without it the app registers itself (RFC 7591). */
  clientId?: string;
  /** Default: the offline model. */
  model?: BaseChatModel;
  /** `AUTHBUS_SECRET` for the token store; without it the store is a development store. */
  secret?: string;
  /** How long a consent card stays valid. Default 600 s. */
  consentTtlSeconds?: number;
}

export interface ChatApp {
  url: string;
  redirectUri: string;
  close(): Promise<void>;
  /** Resolves when no run is in progress (tests). */
  idle(): Promise<void>;
  /** The recent bus events, as the side panel gets them. */
  busEvents(): readonly BusEntry[];
  /** The app's bus (e.g. for `instrumentAuthBus` of `@authbus/otel`). */
  bus: AuthBus;
  [Symbol.asyncDispose](): Promise<void>;
}

// The redirect URI must be known before the client registers, so the port is chosen first.
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Starts the sample chat on 127.0.0.1.
 *
 * @example
 * const app = await startChatApp({ servers: { calendar: { url } }, dataDir, webRoot });
 * console.log(`open ${app.url}`);
 */
export async function startChatApp(options: ChatAppOptions): Promise<ChatApp> {
  const port = options.port || (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const redirectUri = `${origin}/oauth/callback`;
  const subject = options.subject ?? "demo-user";
  const secret = options.secret ?? process.env.AUTHBUS_SECRET;

  const bus = createAuthBus();
  const feed = new BusFeed(bus);
  const stores = openSqliteStores({
    path: join(options.dataDir, "authbus.db"),
    ...(secret ? { secret } : { development: true }),
  });
  const client = {
    redirectUri,
    clientName: "authbus chat",
    ...(options.clientId ? { clientId: options.clientId } : {}),
  };
  const consents = createConsents({
    tokens: stores.tokens,
    store: stores.consents,
    registrations: stores.registrations,
    client,
    bus,
    ttlSeconds: options.consentTtlSeconds ?? 600,
    // Cards, events and checkpoints carry this launch link; the state-bearing authorization URL
    // stays in the consent store and is only handed out by a redirect.
    launchUrl: (consentId) => `${origin}/consents/${encodeURIComponent(consentId)}/authorize`,
  });
  const serverNames = new Map(
    Object.entries(options.servers).map(([name, { url }]) => [normalizeResource(url), name]),
  );
  const refresh = createRefresher({
    tokens: stores.tokens,
    bus,
    client,
    registrations: stores.registrations,
    serverName: (key) => serverNames.get(normalizeResource(key.resource)) ?? new URL(key.resource).host,
  });
  const index = new ThreadIndex(join(options.dataDir, "threads.db"));
  const mcp = createMCPClient({
    servers: options.servers,
    tokens: stores.tokens,
    bus,
    subject,
    refresh,
    toolCatalog: index,
  });
  const checkpointer = SqliteSaver.fromConnString(join(options.dataDir, "checkpoints.db"));
  const agent = createAgent({
    model: options.model ?? new OfflineChatModel(),
    tools: [],
    middleware: [
      authInterruptMiddleware({
        client: mcp,
        bus,
        consents,
        subject,
        tokens: stores.tokens,
        consentLookup: stores.consents,
        runWithCallId,
      }),
    ],
    checkpointer,
  });
  const runner = new ThreadRunner(agent as unknown as ChatGraph, index);
  bus.on("consent.expired", ({ consentId }) => {
    runner.resume(consentId, "expired");
  });

  const routes = createChatRoutes({
    runner,
    consents: {
      complete: (url) => consents.complete(url),
      deny: (id) => consents.deny(id),
      authorizationUrl: (id) => consents.authorizationUrl(id),
      status: async (id) => (await consents.get(id))?.status,
    },
    feed,
    webRoot: options.webRoot,
  });
  const server = serve({ fetch: routes.fetch, port, hostname: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) resolve();
    else server.once("listening", () => resolve()).once("error", reject);
  });

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      (server as import("node:http").Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runner.idle();
      consents.close();
      await mcp.close();
      index.close();
      stores.close();
      checkpointer.db.close();
    })();
    return closed;
  };
  return {
    url: `${origin}/`,
    redirectUri,
    close,
    idle: () => runner.idle(),
    busEvents: () => feed.recent(),
    bus,
    [Symbol.asyncDispose]: close,
  };
}
