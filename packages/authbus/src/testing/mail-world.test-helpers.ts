/**
 * @module The integration setup: the testkit's authorization server and a protected `mail` MCP
 * server (`whoami` and `read_inbox` read-only, `send_email` with a side effect), and an agent
 * on `createAuthbus` over SQLite stores and `SqliteSaver`, which a later "process" can reopen.
 */
import { existsSync, readFileSync } from "node:fs";
import { pendingAuthInterrupts } from "@authbus/langgraph";
import { openSqliteStores, type SqliteStores } from "@authbus/oauth/sqlite";
import {
  type AuthServer,
  type AuthServerOptions,
  approveConsent,
  type ProtectedMCPServer,
  startAuthServer,
  startProtectedMCPServer,
} from "@authbus/testkit";
import { HumanMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { type Authbus, type CreateAuthbusOptions, createAuthbus } from "../create-authbus.js";
import type { RequestIdentity } from "../http/create-fetch-handler.js";
import { ScriptedModel } from "./scripted-model.test-helpers.js";

export const BASE_URL = "http://127.0.0.1:9/app";
export const STORE_SECRET = "authbus-integration-secret-0123456789abcdef";
const TOOLS = { whoami: "mail", read_inbox: "mail", send_email: "mail" };

/** Hooks the servers' tool handlers await, so a test can hold a call while it runs. */
export interface MailHooks {
  readInbox?: () => Promise<void>;
  sendEmail?: () => Promise<void>;
}

export interface MailServers {
  authServer: AuthServer;
  mail: ProtectedMCPServer;
  hooks: MailHooks;
  close(): Promise<void>;
}

/** Starts the authorization server and the `mail` server on loopback. */
export async function startMailServers(authServerOptions: AuthServerOptions = {}): Promise<MailServers> {
  const hooks: MailHooks = {};
  const authServer = await startAuthServer(authServerOptions);
  const mail = await startProtectedMCPServer({
    name: "mail",
    authServer,
    initialScope: ["mail.read"],
    tools: [
      {
        name: "whoami",
        description: "Who the mail server thinks is calling.",
        scopes: ["mail.read"],
        annotations: { readOnlyHint: true },
        handler: (_args, context) => `you are ${context.subject}`,
      },
      {
        name: "read_inbox",
        description: "Read the inbox.",
        scopes: ["mail.read"],
        annotations: { readOnlyHint: true },
        handler: async (_args, context) => {
          await hooks.readInbox?.();
          return `inbox of ${context.subject}`;
        },
      },
      {
        name: "send_email",
        description: "Send an email.",
        scopes: ["mail.read"],
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
        handler: async (_args, context) => {
          await hooks.sendEmail?.();
          return `sent for ${context.subject}`;
        },
      },
    ],
  });
  return {
    authServer,
    mail,
    hooks,
    async close() {
      await mail.close();
      await authServer.close();
    },
  };
}

export interface MailAppOptions {
  mailUrl: string;
  storePath: string;
  checkpointPath: string;
  /** Default: collected in `errors`. */
  onError?: (error: unknown) => void;
  /** Consent options (e.g. the CIBA channel). */
  consent?: CreateAuthbusOptions["consent"];
}

/** One process's app: stores, authbus, one agent for every user. */
export function openMailApp(options: MailAppOptions) {
  const errors: unknown[] = [];
  const stores: SqliteStores = openSqliteStores({ path: options.storePath, secret: STORE_SECRET });
  const checkpointer = SqliteSaver.fromConnString(options.checkpointPath);
  const authbus: Authbus = createAuthbus({
    servers: { mail: { url: options.mailUrl, description: "the user's mail" } },
    stores,
    baseUrl: BASE_URL,
    ...(options.consent ? { consent: options.consent } : {}),
    onError: options.onError ?? ((error) => errors.push(error)),
  });
  const model = new ScriptedModel(TOOLS);
  const agent = createAgent({ model, tools: [], checkpointer, middleware: [authbus.middleware()] });
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  return {
    stores,
    checkpointer,
    authbus,
    agent,
    model,
    errors,
    /** Sends a user message on a thread as `subject` in `session`; resolves when the run ends or pauses. */
    ask: (threadId: string, subject: string, text: string, session?: string) =>
      agent.invoke(
        { messages: [new HumanMessage(text)] },
        { ...config(threadId), context: { subject, ...(session === undefined ? {} : { session }) } },
      ),
    pending: async (threadId: string) => pendingAuthInterrupts(await agent.graph.getState(config(threadId))),
    messages: async (threadId: string) =>
      ((await agent.graph.getState(config(threadId))).values as { messages: { content: unknown }[] })
        .messages,
    async close() {
      await authbus.close();
      stores.close();
      checkpointer.db.close();
    },
  };
}

export type MailApp = ReturnType<typeof openMailApp>;

/**
 * Follows a card's launch link through `authbus.fetch`, consents on the authorization server's
 * pages as `user`, and returns the callback URL (not yet delivered).
 */
export async function consentAs(
  authbus: Authbus,
  launchUrl: string,
  user: string,
  identity: RequestIdentity,
  approve = true,
): Promise<string> {
  const launched = await authbus.fetch(new Request(launchUrl), identity);
  const location = launched.headers.get("location");
  if (launched.status !== 302 || !location) throw new Error(`launch link answered ${launched.status}`);
  return approveConsent(location, { user, approve });
}

/** The raw bytes of a SQLite database and its WAL, as text. */
export function databaseText(path: string): string {
  return [path, `${path}-wal`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString("latin1"))
    .join("\n");
}
