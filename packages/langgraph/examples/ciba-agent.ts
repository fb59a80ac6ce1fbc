/**
 * @module Example: a headless agent (no web page, no browser) that pauses on a 401, asks the
 * person on their phone through CIBA (OpenID CIBA Core 1.0, poll mode), and finishes once they
 * approve out of band. Run: `npx tsx examples/ciba-agent.ts`.
 *
 * Standalone, it starts the testkit's servers and plays the person itself (it approves on the
 * "phone" a moment after the request arrives). With `AUTHBUS_EXAMPLE` set to JSON
 * `{ "calendarUrl", "storePath", "checkpointPath" }` it uses those servers and files and waits
 * for someone else to approve (the integration test does, with `approveBackchannel`). It prints
 * every bus event as JSON, so a reader (or the test) can see that no token, `auth_req_id` or
 * `device_code` is in any of them.
 *
 * The model is scripted (see `src/testing/chat-scripts.test-helpers.ts`).
 */
import { createAuthBus } from "@authbus/core";
import { createMCPClient } from "@authbus/mcp";
import { createConsents } from "@authbus/oauth";
import { openSqliteStores } from "@authbus/oauth/sqlite";
import { DEFAULT_CLIENT_ID, type DemoServers, startDemoServers } from "@authbus/testkit";
import { HumanMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { authInterruptMiddleware, pendingAuthInterrupts, resumeConsent } from "../src/index.js";
import { assistantScript } from "../src/testing/chat-scripts.test-helpers.js";
import { lastText, ScriptedChatModel } from "../src/testing/scripted-chat-model.test-helpers.js";

interface ExampleInput {
  calendarUrl: string;
  storePath: string;
  checkpointPath: string;
}

const subject = "alice";
const given = process.env.AUTHBUS_EXAMPLE
  ? (JSON.parse(process.env.AUTHBUS_EXAMPLE) as ExampleInput)
  : undefined;
// Standalone: our own servers, with a 1 s polling interval so the example is quick.
const demo: DemoServers | undefined = given
  ? undefined
  : await startDemoServers({ authServer: { polling: { interval: 1 } } });
const calendarUrl = given?.calendarUrl ?? demo?.calendar.url ?? "";

const bus = createAuthBus();
bus.on("*", (type, event) => console.log(`  · event ${String(type)} ${JSON.stringify(event)}`));
const stores = openSqliteStores(
  given
    ? { path: given.storePath, secret: process.env.AUTHBUS_SECRET ?? "" }
    : { path: ":memory:", development: true },
);
const consents = createConsents({
  tokens: stores.tokens,
  store: stores.consents,
  registrations: stores.registrations,
  bus,
  // A redirect URI is still part of the client's identity; nobody is ever sent to it here.
  client: { redirectUri: "http://127.0.0.1:9/callback", clientId: DEFAULT_CLIENT_ID },
  // No page to show a consent card on: every consent goes through the back channel.
  channel: () => "ciba",
  loginHint: (user) => user,
});
const client = createMCPClient({
  servers: { calendar: { url: calendarUrl, description: "the user's calendar" } },
  tokens: stores.tokens,
  bus,
  subject,
});
const agent = createAgent({
  model: new ScriptedChatModel(assistantScript),
  tools: [],
  middleware: [authInterruptMiddleware({ client, bus, consents, subject, tokens: stores.tokens })],
  checkpointer: SqliteSaver.fromConnString(given?.checkpointPath ?? ":memory:"),
});
const config = { configurable: { thread_id: "ciba-example" } };

try {
  console.log("user: what's on my calendar");
  let state = await agent.invoke({ messages: [new HumanMessage("what's on my calendar")] }, config);
  for (;;) {
    const [card] = pendingAuthInterrupts(await agent.graph.getState(config));
    if (!card) break;
    const { channel, bindingMessage, serverName, scopes } = card.value;
    console.log(
      `paused: consent ${card.consentId} for ${serverName} (${scopes.join(" ")}) via ${channel ?? "redirect"}; ` +
        `approve on your phone the request showing ${bindingMessage}`,
    );
    // Standalone, play the person: approve on the "phone" a moment later.
    if (demo) setTimeout(() => void demo.authServer.approveBackchannel(subject), 1_500);
    // Polls the token endpoint (interval, slow_down) until the person answers or it expires.
    const outcome = (await consents.wait(card.consentId)) ?? "expired";
    console.log(`consent ${outcome}; resuming`);
    state = await agent.invoke(await resumeConsent(agent.graph, config, card.consentId, outcome), config);
  }
  console.log(`assistant: ${lastText(state.messages)}`);
} finally {
  await client.close();
  consents.close();
  stores.close();
  await demo?.close();
}
