import { createAuthBus, MemoryTokenStore } from "@authbus/core";
import { authFetch, currentCallId } from "@authbus/mcp";
import { AIMessage, type ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MemorySaver, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeConsent } from "../resume/resume-consent.js";
import { createFakeAuth, SUBJECT } from "../testing/fake-auth.test-helpers.js";
import { withAuthInterrupts } from "./with-auth-interrupts.js";

const RESOURCE = "https://legacy.example/mcp";

function graphOf(
  tools: Parameters<typeof withAuthInterrupts>[0],
  options: Parameters<typeof withAuthInterrupts>[1],
) {
  return new StateGraph(MessagesAnnotation)
    .addNode("tools", new ToolNode(withAuthInterrupts(tools, options)))
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

const ask = {
  messages: [
    new AIMessage({ content: "", tool_calls: [{ id: "x1", name: "legacy", args: {}, type: "tool_call" }] }),
  ],
};

describe("challenges seen only on the bus", () => {
  it("pauses a call whose client swallowed the AuthChallengeError, matched by call id", async () => {
    const auth = createFakeAuth();
    let calls = 0;
    const legacy = tool(
      async () => {
        calls += 1;
        if (calls === 1) {
          // What authFetch does on a 401, followed by a client that drops the cause.
          auth.bus.emit("challenge", {
            serverName: "legacy",
            resource: RESOURCE,
            subject: SUBJECT,
            callId: currentCallId() as string,
            status: 403,
            url: RESOURCE,
            method: "POST",
            wwwAuthenticate: 'Bearer error="insufficient_scope", scope="a b"',
            challenges: [],
            oauth: { scheme: "bearer", error: "insufficient_scope", scope: ["a", "b"] },
          });
          throw new Error("ToolException: request failed");
        }
        return "legacy ok";
      },
      { name: "legacy", description: "a legacy tool", schema: z.object({}) },
    );
    const graph = graphOf([legacy], { ...auth, subject: SUBJECT });
    const config = { configurable: { thread_id: "bus-1" } };
    await graph.invoke(ask, config);
    const [pending] = pendingAuthInterrupts(await graph.getState(config));
    expect(pending?.value).toMatchObject({ serverName: "legacy", resource: RESOURCE, scopes: ["a", "b"] });
    expect(auth.begins[0]).toMatchObject({ callId: "x1", challenge: { error: "insufficient_scope" } });
    const done = await graph.invoke(
      await resumeConsent(graph, config, pending?.consentId ?? "", "granted"),
      config,
    );
    expect((done.messages.at(-1) as ToolMessage).content).toBe("legacy ok");
  });

  it("re-throws an ordinary failure and ignores challenges of other calls", async () => {
    const auth = createFakeAuth();
    const broken = tool(
      async () => {
        auth.bus.emit("challenge", {
          serverName: "legacy",
          resource: RESOURCE,
          subject: SUBJECT,
          callId: "someone-else",
          status: 401,
          url: RESOURCE,
          method: "POST",
          wwwAuthenticate: "Bearer",
          challenges: [],
        });
        throw new Error("disk full");
      },
      { name: "legacy", description: "a legacy tool", schema: z.object({}) },
    );
    const graph = graphOf([broken], { ...auth, subject: SUBJECT });
    const done = await graph.invoke(ask, { configurable: { thread_id: "bus-2" } });
    const message = done.messages.at(-1) as ToolMessage;
    expect(message.status).toBe("error");
    expect(message.content).toContain("disk full");
    expect(auth.begins).toHaveLength(0);
  });

  it("names a refused silent refresh as the reason", async () => {
    const auth = createFakeAuth();
    const tokens = new MemoryTokenStore();
    await tokens.set(
      { subject: SUBJECT, resource: RESOURCE },
      { accessToken: "t", tokenType: "Bearer", scopes: [] },
    );
    const bus = createAuthBus();
    const { AuthChallengeError } = await import("@authbus/core");
    const expiring = tool(
      async () => {
        bus.emit("token.refresh_failed", {
          serverName: "legacy",
          resource: RESOURCE,
          subject: SUBJECT,
          error: { code: "REFRESH_FAILED", message: "invalid_grant" },
        });
        throw new AuthChallengeError({
          status: 401,
          url: RESOURCE,
          headers: new Headers({ "www-authenticate": 'Bearer error="invalid_token"' }),
        });
      },
      { name: "legacy", description: "a legacy tool", schema: z.object({}) },
    );
    const graph = graphOf([expiring], { bus, consents: auth.consents, subject: SUBJECT, tokens });
    const config = { configurable: { thread_id: "bus-3" } };
    await graph.invoke(ask, config);
    expect(auth.begins[0]?.reason).toBe("refresh_failed");
  });

  it("does not ask a person when the refresh failed for a passing reason (authorization server down)", async () => {
    const auth = createFakeAuth();
    const tokens = new MemoryTokenStore();
    await tokens.set(
      { subject: SUBJECT, resource: RESOURCE },
      { accessToken: "t", refreshToken: "r", tokenType: "Bearer", scopes: [] },
    );
    const { AuthChallengeError, AuthbusError } = await import("@authbus/core");
    // What @authbus/oauth's RefreshError carries, recognised by its code alone.
    const refreshFailed = Object.assign(
      new AuthbusError({ code: "REFRESH_FAILED", message: "the token endpoint answered 503" }),
      { consentRequired: false },
    );
    const outage = tool(
      async () => {
        throw new AuthChallengeError({
          status: 401,
          url: RESOURCE,
          headers: new Headers({ "www-authenticate": 'Bearer error="invalid_token"' }),
          cause: refreshFailed,
        });
      },
      { name: "legacy", description: "a legacy tool", schema: z.object({}) },
    );
    const graph = graphOf([outage], { ...auth, subject: SUBJECT, tokens });
    const done = await graph.invoke(ask, { configurable: { thread_id: "bus-4" } });
    const message = done.messages.at(-1) as ToolMessage;
    expect(message.status).toBe("error");
    expect(auth.begins).toHaveLength(0);
    expect(
      pendingAuthInterrupts(await graph.getState({ configurable: { thread_id: "bus-4" } })),
    ).toHaveLength(0);
  });

  it("does not ask a person when a service client's grant failed (@authbus/oauth's GrantError, recognised by its code)", async () => {
    const auth = createFakeAuth();
    const { AuthChallengeError, AuthbusError } = await import("@authbus/core");
    const misconfigured = tool(
      async () => {
        throw new AuthChallengeError({
          status: 401,
          url: RESOURCE,
          headers: new Headers({ "www-authenticate": 'Bearer error="invalid_token"' }),
          cause: new AuthbusError({ code: "GRANT_FAILED", message: "invalid_client" }),
        });
      },
      { name: "legacy", description: "a legacy tool", schema: z.object({}) },
    );
    const graph = graphOf([misconfigured], { ...auth, subject: SUBJECT });
    const done = await graph.invoke(ask, { configurable: { thread_id: "bus-5" } });
    expect((done.messages.at(-1) as ToolMessage).status).toBe("error");
    expect(auth.begins).toHaveLength(0);
  });
});

describe("the token read", () => {
  it("is made once per call: the call's first request is sent with the tokens the wrapper read", async () => {
    const auth = createFakeAuth();
    await auth.tokens.set(
      { subject: SUBJECT, resource: RESOURCE },
      {
        accessToken: "held-token",
        tokenType: "Bearer",
        scopes: [],
      },
    );
    let reads = 0;
    const get = auth.tokens.get.bind(auth.tokens);
    auth.tokens.get = (key) => {
      reads += 1;
      return get(key);
    };
    const sent: (string | null)[] = [];
    const fetch = authFetch({
      serverName: "legacy",
      resource: RESOURCE,
      subject: SUBJECT,
      tokens: auth.tokens,
      bus: auth.bus,
      fetch: async (input, init) => {
        sent.push(new Request(input, init).headers.get("authorization"));
        return new Response("{}", { status: 200 });
      },
    });
    const legacy = tool(
      async () => {
        await fetch(RESOURCE, { method: "POST", body: "{}" });
        return "legacy ok";
      },
      { name: "legacy", description: "a legacy tool", schema: z.object({}) },
    );
    const graph = graphOf([legacy], {
      ...auth,
      subject: SUBJECT,
      serverFor: () => ({ serverName: "legacy", resource: RESOURCE }),
    });
    const done = await graph.invoke(ask, { configurable: { thread_id: "read-once" } });
    expect((done.messages.at(-1) as ToolMessage).content).toBe("legacy ok");
    expect(sent).toEqual(["Bearer held-token"]);
    expect(reads).toBe(1);
  });
});
