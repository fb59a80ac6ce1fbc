/** @module The root README's "Use it in your agent" example, type-checked with the tests. */
import { createAuthBus } from "@authbus/core";
import { authInterruptMiddleware, resumeConsent } from "@authbus/langgraph";
import { createMCPClient, runWithCallId } from "@authbus/mcp";
import { createConsents, createRefresher, openSqliteStores } from "@authbus/oauth";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";

declare const model: BaseChatModel; // any tool-calling chat model
declare const callbackUrl: string; // the URL your OAuth callback route was called with

const subject = "alice"; // the signed-in user
const app = "https://app.example.com";
const bus = createAuthBus();
const stores = openSqliteStores({ path: "authbus.db" }); // tokens encrypted under AUTHBUS_SECRET
const client = { redirectUri: `${app}/oauth/callback` };
const consents = createConsents({
  tokens: stores.tokens,
  store: stores.consents,
  client,
  bus,
  // Cards and checkpoints get this link; your route redirects to consents.authorizationUrl(id).
  launchUrl: (consentId) => `${app}/consents/${consentId}/authorize`,
});
const refresh = createRefresher({ tokens: stores.tokens, bus, client });
const mcp = createMCPClient({
  servers: { calendar: { url: "https://calendar.example.com/mcp" } },
  tokens: stores.tokens,
  bus,
  subject,
  refresh,
});
const agent = createAgent({
  model,
  tools: [],
  checkpointer: SqliteSaver.fromConnString("checkpoints.db"),
  middleware: [
    authInterruptMiddleware({ client: mcp, bus, consents, subject, tokens: stores.tokens, runWithCallId }),
  ],
});

// A run pauses with interrupt({ type: "authbus/consent_required", consentId, authorizationUrl, … }).
// In your OAuth callback route, for the paused thread:
const config = { configurable: { thread_id: "thread-1" } };
const { consentId, outcome } = await consents.complete(callbackUrl);
await agent.invoke(await resumeConsent(agent.graph, config, consentId, outcome), config);
