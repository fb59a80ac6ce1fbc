/** @module The README example, type-checked (`npx tsc -p tsconfig.test.json`); not meant to be run. */
import { openSqliteStores } from "@authbus/oauth/sqlite";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { createAuthbus } from "../src/index.js";

declare const model: BaseChatModel; // any tool-calling chat model
declare const sessionOf: (request: Request) => string; // your app's session id, from its cookie

// README example starts here.
const authbus = createAuthbus({
  servers: { calendar: { url: "https://calendar.example.com/mcp" } },
  stores: openSqliteStores({ path: "authbus.db" }), // tokens, consents, registrations, waits
  baseUrl: "https://app.example.com", // serves /consents/:id/authorize and /oauth/callback
});
const agent = createAgent({
  model,
  tools: [],
  checkpointer: SqliteSaver.fromConnString("checkpoints.db"),
  middleware: [authbus.middleware()],
});
await authbus.attach(agent); // resumes threads whose consent was answered while the app was down

// One agent, every user: each run names its user and the app session it runs in.
export async function chat(request: Request, user: string, threadId: string, text: string) {
  const context = { subject: user, session: sessionOf(request) };
  return agent.invoke(
    { messages: [{ role: "user", content: text }] },
    { configurable: { thread_id: threadId }, context },
  );
}

// Launch link and OAuth callback: completes the consent, resumes every waiting thread once.
export const handler = (request: Request) => authbus.fetch(request, { session: sessionOf(request) });
