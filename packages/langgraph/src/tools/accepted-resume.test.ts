import type { ConsentOutcome } from "@authbus/core";
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { Command, END, MemorySaver, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeAcceptedConsent } from "../resume/resume-consent.js";
import { createFakeAuth, createProtectedTool, SUBJECT } from "../testing/fake-auth.test-helpers.js";
import { withAuthInterrupts } from "./with-auth-interrupts.js";

const CALENDAR = "https://calendar.example/mcp";

function buildGraph(tools: StructuredToolInterface[]) {
  return new StateGraph(MessagesAnnotation)
    .addNode("tools", new ToolNode(tools))
    .addConditionalEdges(
      START,
      (state) =>
        ((state.messages.at(-1) as AIMessage).tool_calls ?? []).map(
          (call) => new Send("tools", { ...state, lg_tool_call: call }),
        ),
      ["tools"],
    )
    .addEdge("tools", END)
    .compile({ checkpointer: new MemorySaver() });
}

const ask = (id: string) => ({
  messages: [
    new AIMessage({ content: "", tool_calls: [{ id, name: "list_events", args: {}, type: "tool_call" }] }),
  ],
});

function lastToolMessage(messages: BaseMessage[]): ToolMessage | undefined {
  return messages.filter((message): message is ToolMessage => ToolMessage.isInstance(message)).at(-1);
}

/** A paused list_events call whose consents double settles when the test says so. */
async function pausedCall(options: { wait?: boolean } = {}) {
  const auth = createFakeAuth();
  const waited: string[] = [];
  let settle: (outcome: ConsentOutcome | undefined) => void = () => undefined;
  const outcome = new Promise<ConsentOutcome | undefined>((resolve) => {
    settle = resolve;
  });
  let asked: () => void = () => undefined;
  const askedForOutcome = new Promise<void>((resolve) => {
    asked = resolve;
  });
  const consents = {
    ...auth.consents,
    ...(options.wait === false
      ? {}
      : {
          wait: (consentId: string) => {
            waited.push(consentId);
            asked();
            return outcome;
          },
        }),
  };
  const received: unknown[] = [];
  const tool = createProtectedTool({
    name: "list_events",
    serverName: "calendar",
    resource: CALENDAR,
    scope: "calendar.read",
    tokens: auth.tokens,
    received,
  });
  const graph = buildGraph(
    withAuthInterrupts([tool], {
      bus: auth.bus,
      consents,
      subject: SUBJECT,
      tokens: auth.tokens,
      serverFor: () => ({ serverName: "calendar", resource: CALENDAR }),
    }),
  );
  const config = { configurable: { thread_id: "t1" } };
  await graph.invoke(ask("call_1"), config);
  const [pending] = pendingAuthInterrupts(await graph.getState(config));
  if (!pending) throw new Error("the call did not pause");
  return { auth, graph, config, pending, received, waited, settle, askedForOutcome };
}

describe("a call resumed on an accepted callback (resumeAcceptedConsent)", () => {
  it("waits for the consent to settle, then runs once with the new token", async () => {
    const { auth, graph, config, pending, received, waited, settle, askedForOutcome } = await pausedCall();
    const command = await resumeAcceptedConsent(graph, config, pending.consentId);
    // The resume value names the consent only.
    expect(Object.values(command.resume as object)).toEqual([
      { consentId: pending.consentId, accepted: true },
    ]);
    const resumed = graph.invoke(command, config);
    await askedForOutcome;
    // The code is still being exchanged: the call has not been made.
    expect(received).toHaveLength(0);
    await auth.grant(CALENDAR, ["calendar.read"]);
    settle("granted");
    const done = await resumed;
    expect(received).toHaveLength(1);
    expect(lastToolMessage(done.messages)?.content).toBe("list_events ran");
    expect(waited.every((id) => id === pending.consentId)).toBe(true);
    expect(auth.begins).toHaveLength(1);
    expect((await graph.getState(config)).next).toEqual([]);
  });

  it("ends as a refused consent when the exchange fails (the consent is denied): no call, no second consent", async () => {
    const { auth, graph, config, pending, received, settle } = await pausedCall();
    settle("denied");
    const done = await graph.invoke(await resumeAcceptedConsent(graph, config, pending.consentId), config);
    const message = lastToolMessage(done.messages);
    expect(message?.status).toBe("error");
    expect(message?.content).toContain("was declined");
    expect(received).toHaveLength(0);
    expect(auth.begins).toHaveLength(1);
    expect(pendingAuthInterrupts(await graph.getState(config))).toEqual([]);
  });

  it("ends as expired when the consent is gone", async () => {
    const { graph, config, pending, settle } = await pausedCall();
    settle(undefined);
    const done = await graph.invoke(await resumeAcceptedConsent(graph, config, pending.consentId), config);
    expect(lastToolMessage(done.messages)?.content).toContain("expired");
  });

  it("is a typed error for tools whose consents cannot wait", async () => {
    const { graph, config, pending } = await pausedCall({ wait: false });
    const done = await graph.invoke(await resumeAcceptedConsent(graph, config, pending.consentId), config);
    const message = lastToolMessage(done.messages);
    expect(message?.status).toBe("error");
    expect(String(message?.content)).toContain("cannot wait for its outcome");
  });

  it("refuses resume values that are neither settled nor accepted, or carry anything else", async () => {
    for (const value of [
      { consentId: "x", accepted: false },
      { consentId: "x", accepted: true, code: "c" },
      { consentId: "x", accepted: true, state: "s" },
      { consentId: "x", outcome: "granted", accepted: true },
    ]) {
      const { graph, config, pending, received } = await pausedCall();
      const done = await graph.invoke(
        new Command({ resume: { [pending.interruptId]: { ...value, consentId: pending.consentId } } }),
        config,
      );
      const message = lastToolMessage(done.messages);
      expect(message?.status).toBe("error");
      expect(String(message?.content)).toContain("resumeAcceptedConsent()");
      expect(received).toHaveLength(0);
    }
    await expect(resumeAcceptedConsent({ tasks: [] }, {}, "")).rejects.toMatchObject({
      code: "INVALID_AUTH_RESUME",
    });
  });
});
