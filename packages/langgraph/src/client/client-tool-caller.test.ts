import { digestSession, isAuthbusError, MemoryConsentWaitStore, MemoryTokenStore } from "@authbus/core";
import { AIMessage, HumanMessage, type ToolMessage } from "@langchain/core/messages";
import { type StructuredToolInterface, tool } from "@langchain/core/tools";
import { END, MemorySaver, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { createFakeAuth } from "../testing/fake-auth.test-helpers.js";
import { authToolNode } from "./auth-tool-node.js";
import { type AuthToolClient, createClientToolCaller } from "./client-tool-caller.js";

const RESOURCE = "https://mail.example/mcp";

/** A client per subject whose tools say whose token they would use; `send_email` and a read-only `read_inbox`. */
function perSubjectClients(executed: string[]) {
  const make = (subject: string): AuthToolClient => {
    const tools: StructuredToolInterface[] = [
      tool(
        async () => {
          executed.push(`send:${subject}`);
          return `sent as ${subject}`;
        },
        { name: "send_email", description: "send", schema: z.object({}) },
      ),
      Object.assign(
        tool(
          async () => {
            executed.push(`read:${subject}`);
            return `inbox of ${subject}`;
          },
          { name: "read_inbox", description: "read", schema: z.object({}) },
        ),
        { metadata: { annotations: { readOnlyHint: true } } },
      ),
    ];
    return {
      getTools: async () => tools,
      serverFor: (name) =>
        tools.some((t) => t.name === name) ? { serverName: "mail", resource: RESOURCE } : undefined,
    };
  };
  const used: string[] = [];
  return {
    used,
    source: {
      use<T>(subject: string, fn: (client: AuthToolClient) => Promise<T>): Promise<T> {
        used.push(subject);
        return fn(make(subject));
      },
    },
  };
}

async function setUp() {
  const auth = createFakeAuth();
  const tokens = new MemoryTokenStore();
  for (const subject of ["alice", "bob"]) {
    await tokens.set(
      { subject, resource: RESOURCE },
      { accessToken: `at-${subject}`, tokenType: "Bearer", scopes: [] },
    );
  }
  const executed: string[] = [];
  const { source, used } = perSubjectClients(executed);
  const waits = new MemoryConsentWaitStore();
  const caller = createClientToolCaller({
    client: source,
    bus: auth.bus,
    consents: auth.consents,
    tokens,
    waits,
  });
  const invokeFor = (name: string) => async (found: StructuredToolInterface | undefined) =>
    found?.invoke({ id: "c1", name, args: {}, type: "tool_call" });
  const config = (subject?: string) => ({
    configurable: { thread_id: "t1", ...(subject ? { subject } : {}) },
    executionInfo: { taskId: "task-1" },
  });
  return { caller, executed, used, waits, invokeFor, config };
}

describe("createClientToolCaller with a client per subject", () => {
  it("uses the client of the subject the run names, and refuses a run that names none", async () => {
    const { caller, executed, used, invokeFor, config } = await setUp();
    const answer = await caller.call({ id: "c1", name: "send_email" }, invokeFor("send_email"), {
      ...config(),
      context: { subject: "bob" },
    });
    expect(String((answer as ToolMessage).content)).toBe("sent as bob");
    expect(used).toEqual(["bob"]);
    expect(executed).toEqual(["send:bob"]);
    const error = await caller
      .call({ id: "c2", name: "send_email" }, invokeFor("send_email"), config())
      .catch((caught: unknown) => caught);
    expect(isAuthbusError(error, "MISSING_SUBJECT")).toBe(true);
    expect(executed).toEqual(["send:bob"]);
  });

  it("answers a finished call's replay as it answered, without calling again", async () => {
    const { caller, executed, waits, invokeFor, config } = await setUp();
    await caller.call({ id: "c1", name: "send_email" }, invokeFor("send_email"), config("alice"));
    const record = await waits.getCall({ threadId: "t1", taskId: "task-1", callId: "c1" });
    expect(record).toMatchObject({ status: "finished", repeatable: false, subject: "alice" });
    const replay = await caller.call(
      { id: "c1", name: "send_email" },
      invokeFor("send_email"),
      config("alice"),
    );
    expect(String((replay as ToolMessage).content)).toBe("sent as alice");
    expect(executed).toEqual(["send:alice"]);
  });

  it("closes a call a dead process left open: not repeated unless the server marked it safe", async () => {
    const { caller, executed, waits, invokeFor, config } = await setUp();
    const left = {
      threadId: "t1",
      taskId: "task-1",
      subject: "alice",
      repeatable: false,
      startedAt: 1,
    };
    await waits.startCall({ ...left, callId: "c1", toolName: "send_email" });
    await waits.startCall({ ...left, callId: "c2", toolName: "read_inbox", repeatable: true });
    const closed = (await caller.call(
      { id: "c1", name: "send_email" },
      invokeFor("send_email"),
      config("alice"),
    )) as ToolMessage;
    expect(closed.status).toBe("error");
    expect(String(closed.content)).toContain("was interrupted");
    expect(String(closed.content)).toContain("not retried");
    const again = (await caller.call(
      { id: "c2", name: "read_inbox" },
      invokeFor("read_inbox"),
      config("alice"),
    )) as ToolMessage;
    expect(String(again.content)).toBe("inbox of alice");
    expect(executed).toEqual(["read:alice"]);
    expect(await waits.listOpenCalls()).toEqual([]);
  });
});

describe("a pause for consent", () => {
  it("records which thread waits on the consent, with the run's subject and session digest", async () => {
    const auth = createFakeAuth();
    const waits = new MemoryConsentWaitStore();
    const connect = tool(async () => "connected", {
      name: "connect_mail",
      description: "connect",
      schema: z.object({}),
    });
    const client: AuthToolClient = {
      getTools: async () => [connect],
      serverFor: () => ({ serverName: "mail", resource: RESOURCE, connectTool: true }),
    };
    const graph = new StateGraph(MessagesAnnotation)
      .addNode(
        "tools",
        authToolNode({ client, bus: auth.bus, consents: auth.consents, tokens: auth.tokens, waits }),
      )
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
    const config = { configurable: { thread_id: "t-pause", subject: "carol", session: "cookie-1" } };
    const call = { id: "k1", name: "connect_mail", args: {}, type: "tool_call" as const };
    await graph.invoke(
      { messages: [new HumanMessage("hi"), new AIMessage({ content: "", tool_calls: [call] })] },
      config,
    );
    const [pending] = pendingAuthInterrupts(await graph.getState(config));
    expect(await waits.findWaits(pending?.consentId ?? "")).toEqual([
      {
        consentId: pending?.consentId,
        threadId: "t-pause",
        subject: "carol",
        sessionDigest: await digestSession("cookie-1"),
        createdAt: expect.any(Number),
      },
    ]);
    expect(auth.begins[0]?.subject).toBe("carol");
  });
});
