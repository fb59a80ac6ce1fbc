import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { END, MemorySaver, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { createFakeAuth, createProtectedTool, SUBJECT } from "../testing/fake-auth.test-helpers.js";
import { withAuthInterrupts } from "../tools/with-auth-interrupts.js";
import { pendingAuthInterrupts } from "./pending-auth-interrupts.js";
import { resumeConsent } from "./resume-consent.js";

const CALENDAR = "https://calendar.example/mcp";

describe("consent interrupts inside a subgraph", () => {
  it("are listed from the parent graph and resumed by interrupt id", async () => {
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
    const inner = new StateGraph(MessagesAnnotation)
      .addNode("tools", new ToolNode(withAuthInterrupts([listEvents], { ...auth, subject: SUBJECT })))
      .addConditionalEdges(
        START,
        (state) =>
          ((state.messages.at(-1) as AIMessage).tool_calls ?? []).map(
            (call) => new Send("tools", { ...state, lg_tool_call: call }),
          ),
        ["tools"],
      )
      .addEdge("tools", END)
      .compile();
    const outer = new StateGraph(MessagesAnnotation)
      .addNode("worker", inner)
      .addEdge(START, "worker")
      .addEdge("worker", END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "sub-1" } };
    const calls = ["s1", "s2"].map((id) => ({
      id,
      name: "list_events",
      args: {},
      type: "tool_call" as const,
    }));
    await outer.invoke({ messages: [new AIMessage({ content: "", tool_calls: calls })] }, config);

    const pending = pendingAuthInterrupts(await outer.getState(config, { subgraphs: true }));
    expect(pending).toHaveLength(2);
    expect(auth.begins).toHaveLength(1);
    await auth.grant(CALENDAR, ["calendar.read"]);
    const done = await outer.invoke(
      await resumeConsent(outer, config, pending[0]?.consentId ?? "", "granted"),
      config,
    );
    expect(done.messages.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      "list_events ran",
      "list_events ran",
    ]);
    expect(executed).toHaveLength(2);
  });
});
