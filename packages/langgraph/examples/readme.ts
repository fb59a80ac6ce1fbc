/** @module The README example, type-checked (`npx tsc -p tsconfig.test.json`); not meant to be run. */
import type { AuthBus, TokenStore } from "@authbus/core";
import type { MCPClient } from "@authbus/mcp";
import type { Consents } from "@authbus/oauth";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage } from "@langchain/core/messages";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { authInterruptMiddleware, pendingAuthInterrupts, resumeConsent } from "../src/index.js";

export async function readmeExample(
  {
    model,
    checkpointer,
    client,
    bus,
    consents,
    tokens,
  }: {
    model: BaseChatModel;
    checkpointer: BaseCheckpointSaver;
    client: MCPClient;
    bus: AuthBus;
    consents: Consents;
    tokens: TokenStore;
  },
  waitForCallback: (authorizationUrl: string) => Promise<string>,
): Promise<void> {
  const config = { configurable: { thread_id: "alice-1" } };
  // README example starts here.
  const agent = createAgent({
    model,
    tools: [],
    checkpointer,
    middleware: [authInterruptMiddleware({ client, bus, consents, subject: "alice", tokens })],
  });
  await agent.invoke({ messages: [new HumanMessage("what's on my calendar")] }, config);
  const [card] = pendingAuthInterrupts(await agent.graph.getState(config)); // connect_calendar paused
  const callbackUrl = await waitForCallback(card?.value.authorizationUrl ?? ""); // show the card, popup
  const { consentId, outcome } = await consents.complete(callbackUrl); // tokens go to the TokenStore
  await agent.invoke(await resumeConsent(agent.graph, config, consentId, outcome), config); // list_events runs
}
