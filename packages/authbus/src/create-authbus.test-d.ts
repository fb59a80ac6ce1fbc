/** Type tests: a run of an agent with authbus's middleware must name its subject. */
import { MemoryConsentStore, MemoryConsentWaitStore, MemoryTokenStore } from "@authbus/core";
import { MemoryClientRegistrationStore } from "@authbus/oauth";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { createAgent } from "langchain";
import { createAuthbus } from "./index.js";

declare const model: BaseChatModel;

export async function typeTests(): Promise<void> {
  const authbus = createAuthbus({
    servers: { calendar: { url: "https://calendar.example.com/mcp" } },
    stores: {
      tokens: new MemoryTokenStore(),
      consents: new MemoryConsentStore(),
      registrations: new MemoryClientRegistrationStore(),
      waits: new MemoryConsentWaitStore(),
    },
    baseUrl: "https://app.example.com",
  });
  const agent = createAgent({ model, tools: [], middleware: [authbus.middleware()] });
  const configurable = { thread_id: "t" };
  // @ts-expect-error a run names its subject
  await agent.invoke({ messages: [] }, { configurable });
  // @ts-expect-error the subject is a string
  await agent.invoke({ messages: [] }, { configurable, context: { subject: 1 } });
  await agent.invoke({ messages: [] }, { configurable, context: { subject: "alice", session: "s" } });
}
