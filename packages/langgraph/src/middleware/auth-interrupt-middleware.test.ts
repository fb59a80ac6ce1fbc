import { HumanMessage, ToolMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeConsent } from "../resume/resume-consent.js";
import { assistantScript } from "../testing/chat-scripts.test-helpers.js";
import { createFakeAuth, createProtectedTool, SUBJECT } from "../testing/fake-auth.test-helpers.js";
import { createFakeClient } from "../testing/fake-client.test-helpers.js";
import { lastText, ScriptedChatModel } from "../testing/scripted-chat-model.test-helpers.js";
import { authInterruptMiddleware } from "./auth-interrupt-middleware.js";

const CALENDAR = "https://calendar.example/mcp";

function setUp() {
  const auth = createFakeAuth();
  const executed: unknown[] = [];
  const listEvents = createProtectedTool({
    name: "list_events",
    serverName: "calendar",
    resource: CALENDAR,
    scope: "calendar.read",
    tokens: auth.tokens,
    executed,
  });
  const client = createFakeClient([{ name: "calendar", url: CALENDAR, tools: [listEvents] }], auth.tokens);
  const model = new ScriptedChatModel(assistantScript);
  const agent = createAgent({
    model,
    tools: [],
    middleware: [authInterruptMiddleware({ client, ...auth, subject: SUBJECT })],
    checkpointer: new MemorySaver(),
  });
  return { auth, executed, client, model, agent };
}

describe("authInterruptMiddleware", () => {
  it("offers connect_<server> first, pauses for consent, then offers the real tools in the same run", async () => {
    const { auth, executed, model, agent } = setUp();
    const config = { configurable: { thread_id: "m1" } };
    await agent.invoke({ messages: [new HumanMessage("what's on my calendar")] }, config);
    expect(model.turns[0]?.tools).toEqual(["connect_calendar"]);
    const pending = pendingAuthInterrupts(await agent.graph.getState(config));
    expect(pending).toHaveLength(1);
    expect(pending[0]?.value).toMatchObject({ serverName: "calendar", reason: "missing_token" });

    await auth.grant(CALENDAR, ["calendar.read"]);
    const done = await agent.invoke(
      await resumeConsent(agent.graph, config, pending[0]?.consentId ?? "", "granted"),
      config,
    );
    expect(model.turns.at(-2)?.tools).toEqual(["list_events"]);
    expect(executed).toHaveLength(1);
    expect(lastText(done.messages)).toContain("list_events ran");
    const connected = done.messages.find((m) => ToolMessage.isInstance(m) && m.name === "connect_calendar");
    expect(connected?.content).toContain("list_events");
  });

  it("ends a denied consent with an explanation and no retry", async () => {
    const { auth, executed, agent } = setUp();
    const config = { configurable: { thread_id: "m2" } };
    await agent.invoke({ messages: [new HumanMessage("what's on my calendar")] }, config);
    const [pending] = pendingAuthInterrupts(await agent.graph.getState(config));
    const done = await agent.invoke(
      await resumeConsent(agent, config, pending?.consentId ?? "", "denied"),
      config,
    );
    expect(lastText(done.messages)).toContain("Access to calendar was declined");
    expect(executed).toHaveLength(0);
    expect(auth.begins).toHaveLength(1);
    expect((await agent.graph.getState(config)).next).toEqual([]);
  });
});
