/** @module The root README's "Use it in your agent" example, type-checked with the tests. */
import { openSqliteStores } from "@authbus/oauth/sqlite";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAuthbus } from "authbus";
import { createAgent } from "langchain";

declare const model: BaseChatModel; // any tool-calling chat model
declare const sessionOf: (request: Request) => string; // your app's session id, from its cookie

const authbus = createAuthbus({
  servers: { calendar: { url: "https://calendar.example.com/mcp" } },
  stores: openSqliteStores({ path: "authbus.db" }), // tokens (encrypted), consents, registrations, waits
  baseUrl: "https://app.example.com", // cards link to /consents/:id/authorize; redirect URI /oauth/callback
});
const agent = createAgent({
  model,
  tools: [],
  checkpointer: SqliteSaver.fromConnString("checkpoints.db"),
  middleware: [authbus.middleware()],
});
await authbus.attach(agent); // resumes threads whose consent was answered while the app was down

// One agent for every user: each run names its user and the app session it runs in.
const context = { subject: "alice", session: "the-session-id" };
await agent.invoke(
  { messages: [{ role: "user", content: "What's on my calendar?" }] },
  { configurable: { thread_id: "t1" }, context },
);

// Mount it: the launch link and the OAuth callback, which resumes every waiting thread once.
export const handler = (request: Request) => authbus.fetch(request, { session: sessionOf(request) });
