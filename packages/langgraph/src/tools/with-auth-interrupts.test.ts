import { authInterruptSchema, isAuthbusError } from "@authbus/core";
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { Command, END, MemorySaver, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeConsent } from "../resume/resume-consent.js";
import { createFakeAuth, createProtectedTool, SUBJECT } from "../testing/fake-auth.test-helpers.js";
import { withAuthInterrupts } from "./with-auth-interrupts.js";

const CALENDAR = "https://calendar.example/mcp";
const FILES = "https://files.example/mcp";

/** START fans each tool call of the first AI message out as its own task, as createAgent does. */
function buildGraph(
  tools: StructuredToolInterface[],
  options: { send?: boolean; handleToolErrors?: boolean } = {},
) {
  const send = options.send ?? true;
  const graph = new StateGraph(MessagesAnnotation).addNode(
    "tools",
    new ToolNode(tools, { handleToolErrors: options.handleToolErrors ?? true }),
  );
  if (send) {
    graph.addConditionalEdges(
      START,
      (state) => {
        const last = state.messages.at(-1) as AIMessage;
        return (last.tool_calls ?? []).map((call) => new Send("tools", { ...state, lg_tool_call: call }));
      },
      ["tools"],
    );
  } else {
    graph.addEdge(START, "tools");
  }
  return graph.addEdge("tools", END).compile({ checkpointer: new MemorySaver() });
}

function ask(...calls: Array<{ id: string; name: string }>): { messages: BaseMessage[] } {
  return {
    messages: [
      new AIMessage({
        content: "",
        tool_calls: calls.map((call) => ({ ...call, args: {}, type: "tool_call" })),
      }),
    ],
  };
}

function toolMessages(messages: BaseMessage[]): ToolMessage[] {
  return messages.filter((message): message is ToolMessage => ToolMessage.isInstance(message));
}

let thread = 0;
const newConfig = () => {
  thread += 1;
  return { configurable: { thread_id: `t${thread}` } };
};

describe("withAuthInterrupts", () => {
  it("interrupts before calling when no token is held, and calls once after consent", async () => {
    const auth = createFakeAuth();
    const received: unknown[] = [];
    const listEvents = createProtectedTool({
      name: "list_events",
      serverName: "calendar",
      resource: CALENDAR,
      scope: "calendar.read",
      tokens: auth.tokens,
      received,
    });
    const tools = withAuthInterrupts([listEvents], {
      ...auth,
      subject: SUBJECT,
      serverFor: () => ({ serverName: "calendar", resource: CALENDAR }),
    });
    const graph = buildGraph(tools);
    const config = newConfig();

    const paused = await graph.invoke(ask({ id: "c1", name: "list_events" }), config);
    expect(received).toHaveLength(0);
    const pending = pendingAuthInterrupts(await graph.getState(config));
    expect(pending).toHaveLength(1);
    const [first] = pending;
    expect(authInterruptSchema.parse(first?.value)).toMatchObject({
      serverName: "calendar",
      resource: CALENDAR,
      reason: "missing_token",
    });
    expect((paused as { __interrupt__?: unknown[] }).__interrupt__).toHaveLength(1);

    await auth.grant(CALENDAR, ["calendar.read"]);
    const done = await graph.invoke(
      await resumeConsent(graph, config, first?.consentId ?? "", "granted"),
      config,
    );
    expect(received).toHaveLength(1);
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["list_events ran"]);
    expect(auth.begins).toHaveLength(1);
    expect((await graph.getState(config)).next).toEqual([]);
  });

  it("pauses when a held token is refused, then makes the call again", async () => {
    const auth = createFakeAuth();
    const executed: unknown[] = [];
    const revoked = new Set<string>();
    const listEvents = createProtectedTool({
      name: "list_events",
      serverName: "calendar",
      resource: CALENDAR,
      scope: "calendar.read",
      tokens: auth.tokens,
      revoked,
      executed,
    });
    revoked.add(await auth.grant(CALENDAR, ["calendar.read"]));
    const graph = buildGraph(withAuthInterrupts([listEvents], { ...auth, subject: SUBJECT }));
    const config = newConfig();

    await graph.invoke(ask({ id: "c1", name: "list_events" }), config);
    const [pending] = pendingAuthInterrupts(await graph.getState(config));
    expect(pending?.value.reason).toBe("invalid_token");
    expect(auth.begins[0]?.challenge?.error).toBe("invalid_token");

    await auth.grant(CALENDAR, ["calendar.read"]);
    const done = await graph.invoke(
      await resumeConsent(graph, config, pending?.consentId ?? "", "granted"),
      config,
    );
    expect(executed).toHaveLength(1);
    expect(toolMessages(done.messages)[0]?.content).toBe("list_events ran");
  });

  it("coalesces parallel calls to one server into one consent and resumes all interrupts at once", async () => {
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
    const graph = buildGraph(withAuthInterrupts([listEvents], { ...auth, subject: SUBJECT }));
    const config = newConfig();

    await graph.invoke(
      ask(
        { id: "a", name: "list_events" },
        { id: "b", name: "list_events" },
        { id: "c", name: "list_events" },
      ),
      config,
    );
    const pending = pendingAuthInterrupts(await graph.getState(config));
    expect(pending).toHaveLength(3);
    expect(new Set(pending.map((p) => p.interruptId)).size).toBe(3);
    expect(new Set(pending.map((p) => p.consentId)).size).toBe(1);
    expect(auth.begins).toHaveLength(1);

    await auth.grant(CALENDAR, ["calendar.read"]);
    const command = await resumeConsent(graph, config, pending[0]?.consentId ?? "", "granted");
    const done = await graph.invoke(command, config);
    expect(executed).toHaveLength(3);
    expect(toolMessages(done.messages)).toHaveLength(3);
    expect((await graph.getState(config)).next).toEqual([]);
  });

  it("resuming one consent leaves the interrupts of another consent paused, without a second begin", async () => {
    const auth = createFakeAuth();
    const executed: unknown[] = [];
    const tools = [
      createProtectedTool({
        name: "list_events",
        serverName: "calendar",
        resource: CALENDAR,
        scope: "calendar.read",
        tokens: auth.tokens,
        executed,
      }),
      createProtectedTool({
        name: "list_files",
        serverName: "files",
        resource: FILES,
        scope: "files.read",
        tokens: auth.tokens,
        executed,
      }),
    ];
    const graph = buildGraph(withAuthInterrupts(tools, { ...auth, subject: SUBJECT }));
    const config = newConfig();
    await graph.invoke(ask({ id: "e", name: "list_events" }, { id: "f", name: "list_files" }), config);
    const pending = pendingAuthInterrupts(await graph.getState(config));
    expect(pending.map((p) => p.value.serverName).sort()).toEqual(["calendar", "files"]);
    const calendar = pending.find((p) => p.value.serverName === "calendar");
    const files = pending.find((p) => p.value.serverName === "files");

    await auth.grant(CALENDAR, ["calendar.read"]);
    await graph.invoke(await resumeConsent(graph, config, calendar?.consentId ?? "", "granted"), config);
    const still = pendingAuthInterrupts(await graph.getState(config));
    expect(still.map((p) => [p.interruptId, p.consentId])).toEqual([[files?.interruptId, files?.consentId]]);
    expect(auth.begins).toHaveLength(2);
    expect(executed).toHaveLength(1);

    await auth.grant(FILES, ["files.read"]);
    const done = await graph.invoke(
      await resumeConsent(graph, config, files?.consentId ?? "", "granted"),
      config,
    );
    expect(toolMessages(done.messages).map((m) => m.content)).toEqual(["list_events ran", "list_files ran"]);
    expect(executed).toHaveLength(2);
  });

  it("shares one interrupt between parallel calls of a single ToolNode task", async () => {
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
    const graph = buildGraph(withAuthInterrupts([listEvents], { ...auth, subject: SUBJECT }), {
      send: false,
    });
    const config = newConfig();
    await graph.invoke(ask({ id: "a", name: "list_events" }, { id: "b", name: "list_events" }), config);
    const pending = pendingAuthInterrupts(await graph.getState(config));
    expect(pending).toHaveLength(1);
    await auth.grant(CALENDAR, ["calendar.read"]);
    const done = await graph.invoke(
      await resumeConsent(graph, config, pending[0]?.consentId ?? "", "granted"),
      config,
    );
    expect(executed).toHaveLength(2);
    expect(toolMessages(done.messages)).toHaveLength(2);
  });

  it("asks again for the union of scopes on step-up", async () => {
    const auth = createFakeAuth();
    const deleteFile = createProtectedTool({
      name: "delete_file",
      serverName: "files",
      resource: FILES,
      scope: "files.write",
      tokens: auth.tokens,
    });
    await auth.grant(FILES, ["files.read"]);
    const graph = buildGraph(withAuthInterrupts([deleteFile], { ...auth, subject: SUBJECT }));
    const config = newConfig();
    await graph.invoke(ask({ id: "d", name: "delete_file" }), config);
    const [pending] = pendingAuthInterrupts(await graph.getState(config));
    expect(pending?.value).toMatchObject({
      reason: "insufficient_scope",
      scopes: ["files.read", "files.write"],
    });
    await auth.grant(FILES, ["files.read", "files.write"]);
    const done = await graph.invoke(
      await resumeConsent(graph, config, pending?.consentId ?? "", "granted"),
      config,
    );
    expect(toolMessages(done.messages)[0]?.content).toBe("delete_file ran");
  });

  it.each(["denied", "expired"] as const)(
    "ends a %s consent with an error ToolMessage and no retry",
    async (outcome) => {
      const auth = createFakeAuth();
      const received: unknown[] = [];
      const listEvents = createProtectedTool({
        name: "list_events",
        serverName: "calendar",
        resource: CALENDAR,
        scope: "calendar.read",
        tokens: auth.tokens,
        received,
      });
      const graph = buildGraph(withAuthInterrupts([listEvents], { ...auth, subject: SUBJECT }));
      const config = newConfig();
      await graph.invoke(ask({ id: "c1", name: "list_events" }), config);
      const [pending] = pendingAuthInterrupts(await graph.getState(config));
      const done = await graph.invoke(
        await resumeConsent(graph, config, pending?.consentId ?? "", outcome),
        config,
      );
      const [message] = toolMessages(done.messages);
      expect(message?.status).toBe("error");
      expect(message?.content).toContain(outcome === "denied" ? "was declined" : "expired");
      expect(auth.begins).toHaveLength(1);
      expect(received).toHaveLength(2); // the first try and the replay's try: never a third
      expect((await graph.getState(config)).next).toEqual([]);
    },
  );

  it("reports a call still refused after consent instead of asking again", async () => {
    const auth = createFakeAuth();
    const revoked = new Set<string>();
    const listEvents = createProtectedTool({
      name: "list_events",
      serverName: "calendar",
      resource: CALENDAR,
      scope: "calendar.read",
      tokens: auth.tokens,
      revoked,
    });
    const graph = buildGraph(withAuthInterrupts([listEvents], { ...auth, subject: SUBJECT }));
    const config = newConfig();
    await graph.invoke(ask({ id: "c1", name: "list_events" }), config);
    const [pending] = pendingAuthInterrupts(await graph.getState(config));
    revoked.add(await auth.grant(CALENDAR, ["calendar.read"]));
    const done = await graph.invoke(
      await resumeConsent(graph, config, pending?.consentId ?? "", "granted"),
      config,
    );
    expect(toolMessages(done.messages)[0]?.content).toContain("still refused");
    expect(auth.begins).toHaveLength(1);
  });

  it("rejects a resume value that answers another consent with a typed error", async () => {
    const auth = createFakeAuth();
    const listEvents = createProtectedTool({
      name: "list_events",
      serverName: "calendar",
      resource: CALENDAR,
      scope: "calendar.read",
      tokens: auth.tokens,
    });
    const graph = buildGraph(withAuthInterrupts([listEvents], { ...auth, subject: SUBJECT }), {
      handleToolErrors: false,
    });
    const config = newConfig();
    await graph.invoke(ask({ id: "c1", name: "list_events" }), config);
    const failure = await graph
      .invoke(new Command({ resume: { consentId: "someone_else", outcome: "granted" } }), config)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isAuthbusError(failure, "AUTH_RESUME_MISMATCH")).toBe(true);
    expect(failure).toMatchObject({ code: "AUTH_RESUME_MISMATCH", consentId: "someone_else" });

    const other = newConfig();
    await graph.invoke(ask({ id: "c2", name: "list_events" }), other);
    const malformed = await graph.invoke(new Command({ resume: "yes" }), other).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(malformed).toMatchObject({ name: "AuthResumeError", code: "INVALID_AUTH_RESUME" });
  });
});
