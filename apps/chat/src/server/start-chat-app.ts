/** @module Starts the chat: stores, authbus, the agent, routes and the HTTP server on loopback. */
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import type { AuthBus } from "@authbus/core";
import { serve } from "@hono/node-server";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type AuthbusPage, createAuthbus } from "authbus";
import { createAgent } from "langchain";
import type { BusEntry } from "../shared/thread-view.js";
import { BusFeed } from "./bus-feed.js";
import { callbackPage } from "./callback-page.js";
import { createChatRoutes } from "./chat-routes.js";
import { createChatSessions, pageThreadId, sessionKey } from "./chat-sessions.js";
import { openDeployment } from "./deployment.js";
import { OfflineChatModel } from "./offline-chat-model.js";
import { type ChatGraph, ThreadRunner } from "./thread-runner.js";
import { SqliteToolCatalog } from "./tool-catalog.js";

export interface ChatServerConfig {
  url: string;
  description?: string;
}

export interface ChatAppOptions {
  /** The MCP servers the agent may use, by name. */
  servers: Record<string, ChatServerConfig>;
  /** Folder for the SQLite files (tokens, consents and waits; checkpoints; tool catalog). */
  dataDir: string;
  /** The built page (Vite's output). */
  webRoot: string;
  /** Port on 127.0.0.1; 0 (default) lets the OS pick. */
  port?: number;
  /** Who a browser is until it signs in with a name of its own (demo mode). Default `"demo-user"`. */
  subject?: string;
  /**
   * `AUTHBUS_DATABASE_URL`: keep every store and the checkpoints in this Postgres database, shared
   * by every worker, with the bus bridged between them. Without it: SQLite files in `dataDir`.
   */
  databaseUrl?: string;
  /** A pre-registered OAuth client id; without it the app registers itself (RFC 7591). */
  clientId?: string;
  /** Default: the offline model. */
  model?: BaseChatModel;
  /** `AUTHBUS_SECRET` for the token store; without it the store is a development store. */
  secret?: string;
  /** How long a consent card stays valid. Default 600 s. */
  consentTtlSeconds?: number;
  /**
   * How consents reach the person (`AUTHBUS_CONSENT_CHANNEL`): `"redirect"` (the default; the card's
   * Authorize opens the authorization server), `"ciba"` (approve on your phone: the card shows the
   * binding message; the login hint is the user name) or `"device"` (the card shows the user code
   * and the verification link). authbus falls back to the redirect when the authorization server
   * offers neither.
   */
  consentChannel?: "redirect" | "ciba" | "device";
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
  /** The HTTP routes, for clients in this process (the soak benchmark): `url`'s server without the socket. */
  fetch(request: Request): Promise<Response>;
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

/** The chat's own page for what authbus's launch link and callback have to say. */
function chatPage(page: AuthbusPage): Response {
  const html = (body: string, status: number) =>
    new Response(body, { status, headers: { "content-type": "text/html; charset=UTF-8" } });
  switch (page.kind) {
    case "consent_completed": {
      const granted = page.outcome === "granted";
      return html(
        callbackPage({
          title: granted ? "Access granted" : "Access declined",
          detail: granted
            ? "You can close this window; the chat carries on."
            : "The agent will tell you what it couldn't do.",
          threadId: page.threads[0] === undefined ? undefined : pageThreadId(page.threads[0]),
          outcome: page.outcome,
        }),
        200,
      );
    }
    case "launch_refused":
      return html(
        callbackPage(
          page.status === 410
            ? {
                title: "This access request is no longer open",
                detail: "It was already answered or it expired. Ask the agent again to get a new one.",
              }
            : {
                title: "This access request is not yours",
                detail: "Open it from the conversation that asked.",
              },
        ),
        page.status,
      );
    case "callback_refused":
      return html(
        callbackPage({
          title: "This sign-in link can't be used",
          detail: page.error instanceof Error ? page.error.message : "unexpected error",
        }),
        page.status,
      );
  }
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
  const subject = options.subject ?? "demo-user";
  const secret = options.secret ?? process.env.AUTHBUS_SECRET;

  const deployment = await openDeployment({
    dataDir: options.dataDir,
    secret,
    databaseUrl: options.databaseUrl,
  });
  const { stores, checkpointer } = deployment;
  const toolCatalog = new SqliteToolCatalog(join(options.dataDir, "tools.db"));
  const authbus = createAuthbus({
    servers: options.servers,
    stores: { ...stores, toolCatalog },
    baseUrl: origin,
    client: { clientName: "authbus chat", ...(options.clientId ? { clientId: options.clientId } : {}) },
    consent: {
      ttlSeconds: options.consentTtlSeconds ?? 600,
      ...(options.consentChannel && options.consentChannel !== "redirect"
        ? { channel: () => options.consentChannel ?? "redirect", loginHint: (user: string) => user }
        : {}),
    },
    respond: chatPage,
  });
  const { bus } = authbus;
  // Several workers: consent events reach every worker's waits and pages.
  await deployment.connectBus(bus);
  const feed = new BusFeed(bus);
  const agent = createAgent({
    model: options.model ?? new OfflineChatModel(),
    tools: [],
    middleware: [authbus.middleware()],
    checkpointer,
  });
  // The compiled graph, as authbus's resumer runs it: `agent.stream` reads the whole saved state
  // once more per message to fill in middleware state defaults, and authbus's middleware has none.
  const runner = new ThreadRunner(agent.graph as unknown as ChatGraph, { waits: stores.waits });
  // Resumes threads whose consent was answered while the app was down, and finishes runs a
  // killed process left in a tool call; resumed runs go through the runner, so the page sees them.
  const recovered = authbus.attach(agent, { run: (run) => runner.runForAuthbus(run) });

  const routes = createChatRoutes({
    runner,
    authbus,
    feed,
    webRoot: options.webRoot,
    sessions: createChatSessions(sessionKey(secret, join(options.dataDir, "session.key"))),
    defaultUser: subject,
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
      await recovered.catch(() => undefined);
      await authbus.idle();
      await runner.idle();
      await authbus.close();
      toolCatalog.close();
      await deployment.close();
    })();
    return closed;
  };
  return {
    url: `${origin}/`,
    redirectUri: authbus.redirectUri,
    close,
    idle: async () => {
      await recovered;
      await authbus.idle();
      await runner.idle();
    },
    busEvents: () => feed.recent(),
    bus,
    fetch: async (request) => routes.fetch(request),
    [Symbol.asyncDispose]: close,
  };
}
