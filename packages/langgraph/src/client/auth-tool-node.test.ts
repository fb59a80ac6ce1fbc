import { type AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { END, MemorySaver, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeConsent } from "../resume/resume-consent.js";
import { assistantScript } from "../testing/chat-scripts.test-helpers.js";
import { createFakeAuth, createProtectedTool, SUBJECT } from "../testing/fake-auth.test-helpers.js";
import { createFakeClient } from "../testing/fake-client.test-helpers.js";
import { lastText, ScriptedChatModel } from "../testing/scripted-chat-model.test-helpers.js";
import { authToolNode } from "./auth-tool-node.js";

const CALENDAR = "https://calendar.example/mcp";

function setUp(checkpointer: MemorySaver, auth: ReturnType<typeof createFakeAuth>, executed: unknown[]) {
  const listEvents = createProtectedTool({
    name: "list_events",
    serverName: "calendar",
    resource: CALENDAR,
    scope: "calendar.read",
    tokens: auth.tokens,
    executed,
  });
  // A fresh client, node and graph per "process"; only the checkpointer and stores are shared.
  const client = createFakeClient([{ name: "calendar", url: CALENDAR, tools: [listEvents] }], auth.tokens);
  const model = new ScriptedChatModel(assistantScript);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("model", async (state) => ({
      messages: [await model.bindTools(await client.getTools()).invoke(state.messages)],
    }))
    .addNode("tools", authToolNode({ client, ...auth, subject: SUBJECT }))
    .addEdge(START, "model")
    .addConditionalEdges(
      "model",
      (state) => {
        const calls = (state.messages.at(-1) as AIMessage).tool_calls ?? [];
        return calls.length === 0
          ? END
          : calls.map((call) => new Send("tools", { ...state, lg_tool_call: call }));
      },
      ["tools", END],
    )
    .addEdge("tools", "model")
    .compile({ checkpointer });
  return { graph, model };
}

describe("authToolNode", () => {
  it("pauses a new user's connect_<server> call and, resumed in a new process, runs the real tool", async () => {
    const auth = createFakeAuth();
    const executed: unknown[] = [];
    const checkpointer = new MemorySaver();
    const config = { configurable: { thread_id: "node-1" } };
    const first = setUp(checkpointer, auth, executed);
    await first.graph.invoke({ messages: [new HumanMessage("what's on my calendar")] }, config);
    expect(first.model.turns[0]?.tools).toEqual(["connect_calendar"]);
    const [pending] = pendingAuthInterrupts(await first.graph.getState(config));
    expect(pending?.value.reason).toBe("missing_token");

    await auth.grant(CALENDAR, ["calendar.read"]);
    const second = setUp(checkpointer, auth, executed);
    const done = await second.graph.invoke(
      await resumeConsent(second.graph, config, pending?.consentId ?? "", "granted"),
      config,
    );
    const connected = done.messages.find((m) => ToolMessage.isInstance(m) && m.name === "connect_calendar");
    expect(connected?.content).toContain("list_events");
    expect(second.model.turns[0]?.tools).toEqual(["list_events"]);
    expect(lastText(done.messages)).toContain("list_events ran");
    expect(executed).toHaveLength(1);
  });

  it("turns an ordinary tool failure into an error ToolMessage", async () => {
    const auth = createFakeAuth();
    const node = authToolNode({
      client: { getTools: async () => [], serverFor: () => undefined },
      ...auth,
      subject: SUBJECT,
    });
    const result = await node({ lg_tool_call: { id: "z", name: "nothing", args: {} } }, {});
    expect(result.messages[0]?.status).toBe("error");
  });
});
