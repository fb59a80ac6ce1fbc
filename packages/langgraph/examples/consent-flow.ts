/**
 * @module Example: an agent over the testkit's `calendar` and `files` MCP servers that pauses for
 * consent and resumes with new tokens, in one run per question. Run: `npx tsx examples/consent-flow.ts`.
 *
 * The model is scripted (see `src/testing/chat-scripts.test-helpers.ts`): "what's on my
 * calendar" → `list_events`, "list my files" → `list_files`, "delete X" → `delete_file`, calling
 * `connect_<server>` first while a server still refuses to list its tools. Consent is given
 * headlessly with the testkit's `approveConsent`, where an app would show a card and a popup.
 */
import { createAuthBus, MemoryConsentStore, MemoryTokenStore } from "@authbus/core";
import { createMCPClient } from "@authbus/mcp";
import { createConsents } from "@authbus/oauth";
import { approveConsent, startDemoServers } from "@authbus/testkit";
import { HumanMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { authInterruptMiddleware, pendingAuthInterrupts, resumeConsent } from "../src/index.js";
import { assistantScript } from "../src/testing/chat-scripts.test-helpers.js";
import { lastText, ScriptedChatModel } from "../src/testing/scripted-chat-model.test-helpers.js";

const subject = "alice";
const demo = await startDemoServers();
const bus = createAuthBus();
bus.on("*", (type, event) => {
  const { serverName, consentId, tokenFingerprint } = event as Record<string, string | undefined>;
  console.log(`    · event ${type} ${serverName ?? ""} ${consentId ?? tokenFingerprint ?? ""}`.trimEnd());
});

const tokens = new MemoryTokenStore();
const consents = createConsents({
  tokens,
  store: new MemoryConsentStore(),
  bus,
  client: { redirectUri: "http://127.0.0.1:9/callback" },
});
const client = createMCPClient({
  servers: {
    calendar: { url: demo.calendar.url, description: "the user's calendar" },
    files: { url: demo.files.url, description: "the user's files" },
  },
  tokens,
  bus,
  subject,
});
const model = new ScriptedChatModel(assistantScript);
const agent = createAgent({
  model,
  tools: [],
  middleware: [authInterruptMiddleware({ client, bus, consents, subject, tokens })],
  checkpointer: new MemorySaver(),
});
const config = { configurable: { thread_id: "example" } };

/** Asks a question; answers each consent card as `decide` says until the run ends. */
async function ask(question: string, decide: { approve: boolean; grantScopes?: string[] }): Promise<void> {
  console.log(`\nuser: ${question}`);
  let state = await agent.invoke({ messages: [new HumanMessage(question)] }, config);
  for (;;) {
    const pending = pendingAuthInterrupts(await agent.graph.getState(config));
    const [card] = pending;
    if (!card) break;
    console.log(
      `  paused: ${pending.length} interrupt(s) wait on consent ${card.consentId} for ${card.value.serverName}` +
        ` (${card.value.reason}; scopes ${card.value.scopes.join(" ")})`,
    );
    const callback = await approveConsent(card.value.authorizationUrl, { user: subject, ...decide });
    const result = await consents.complete(callback);
    console.log(`  consent ${result.outcome}; resuming`);
    state = await agent.invoke(
      await resumeConsent(agent.graph, config, result.consentId, result.outcome),
      config,
    );
  }
  console.log(`  tools offered on the last model call: ${model.turns.at(-1)?.tools.join(", ")}`);
  console.log(`assistant: ${lastText(state.messages).slice(0, 160)}`);
}

try {
  await ask("what's on my calendar", { approve: true });
  await ask("list my files", { approve: true, grantScopes: ["files.read", "offline_access"] });
  await ask("delete notes.txt", { approve: false });
  console.log(
    `\nserver executions: list_events ${demo.calendar.callCount("list_events")}, list_files ${demo.files.callCount("list_files")}, delete_file ${demo.files.callCount("delete_file")}`,
  );
} finally {
  await client.close();
  consents.close();
  await demo.close();
}
