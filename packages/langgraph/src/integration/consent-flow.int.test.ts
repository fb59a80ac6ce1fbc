import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authInterruptSchema, type TokenSet } from "@authbus/core";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeConsent } from "../resume/resume-consent.js";
import { databaseText, openWorld, secretsOf, type World } from "../testing/consent-world.test-helpers.js";
import { lastText } from "../testing/scripted-chat-model.test-helpers.js";
import { withAuthInterrupts } from "../tools/with-auth-interrupts.js";

let demo: DemoServers;
let dir: string;
let world: World;
let checkpointPath: string;
const seenTokens: Array<TokenSet | undefined> = [];

async function rememberTokens(subject: string): Promise<void> {
  for (const resource of [demo.calendar.url, demo.files.url]) {
    seenTokens.push(await world.stores.tokens.get({ subject, resource }));
  }
}

/** Approves (or denies) a consent headlessly and completes it, as the app's callback would. */
async function answer(
  authorizationUrl: string,
  user: string,
  options: { approve?: boolean; grantScopes?: string[] } = {},
) {
  const callback = await approveConsent(authorizationUrl, { user, ...options });
  const result = await world.consents.complete(callback);
  await rememberTokens(user);
  return result;
}

beforeAll(async () => {
  demo = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "authbus-langgraph-"));
  checkpointPath = join(dir, "checkpoints.db");
  world = openWorld({
    urls: { calendar: demo.calendar.url, files: demo.files.url },
    storePath: join(dir, "authbus.db"),
    checkpointPath,
  });
});

afterAll(async () => {
  await world?.close();
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("consent interrupts against the testkit servers, with SqliteSaver", () => {
  it("a new user: connect_calendar pauses, consent resumes, list_events is offered and answers in one run", async () => {
    const rig = world.agentFor("alice");
    const paused = await rig.ask("alice-1", "what's on my calendar");
    expect(rig.model.turns[0]?.tools).toEqual(expect.arrayContaining(["connect_calendar", "connect_files"]));
    expect(lastText(paused.messages as never)).not.toContain("Team standup");
    const pending = await rig.pending("alice-1");
    expect(pending).toHaveLength(1);
    const [consent] = pending;
    expect(authInterruptSchema.safeParse(consent?.value).success).toBe(true);
    expect(consent?.value).toMatchObject({ serverName: "calendar", resource: demo.calendar.url });

    const result = await answer(consent?.value.authorizationUrl ?? "", "alice");
    expect(result).toMatchObject({ consentId: consent?.consentId, outcome: "granted" });
    const done = await rig.resume("alice-1", result.consentId, result.outcome);

    const afterConsent = rig.model.turns.at(-2);
    expect(afterConsent?.tools).toContain("list_events");
    expect(afterConsent?.tools).not.toContain("connect_calendar");
    expect(lastText(done.messages as never)).toContain("Team standup");
    expect(demo.calendar.callCount("list_events")).toBe(1);
    expect(await rig.pending("alice-1")).toEqual([]);
  });

  it("a token revoked mid-session: the next call pauses, and is made again after consent", async () => {
    const rig = world.agentFor("bob");
    await rig.ask("bob-1", "what's on my calendar");
    const [first] = await rig.pending("bob-1");
    const granted = await answer(first?.value.authorizationUrl ?? "", "bob");
    await rig.resume("bob-1", granted.consentId, "granted");
    const before = demo.calendar.callCount("list_events");

    const held = (await world.stores.tokens.get({ subject: "bob", resource: demo.calendar.url })) as TokenSet;
    await demo.authServer.revokeToken(held.refreshToken ?? held.accessToken);

    await rig.ask("bob-2", "what's on my calendar");
    const pending = await rig.pending("bob-2");
    expect(pending).toHaveLength(1);
    expect(pending[0]?.value.reason).toBe("refresh_failed");
    expect(demo.calendar.callCount("list_events")).toBe(before);

    const again = await answer(pending[0]?.value.authorizationUrl ?? "", "bob");
    const done = await rig.resume("bob-2", again.consentId, again.outcome);
    expect(lastText(done.messages as never)).toContain("Team standup");
    expect(demo.calendar.callCount("list_events")).toBe(before + 1);
  });

  it("three parallel calls to one server: one consent, three interrupts, one resumeConsent, each executed once", async () => {
    const rig = world.agentFor("carol");
    await rig.ask("carol-1", "what's on my calendar");
    const [first] = await rig.pending("carol-1");
    const granted = await answer(first?.value.authorizationUrl ?? "", "carol");
    await rig.resume("carol-1", granted.consentId, "granted");
    const held = (await world.stores.tokens.get({
      subject: "carol",
      resource: demo.calendar.url,
    })) as TokenSet;
    await demo.authServer.revokeToken(held.refreshToken ?? held.accessToken);
    const before = demo.calendar.callCount("list_events");
    const required = world.events.filter((e) => e.type === "consent.required").length;

    await rig.ask("carol-2", "show me three calendar weeks");
    const pending = await rig.pending("carol-2");
    expect(pending).toHaveLength(3);
    expect(new Set(pending.map((p) => p.interruptId)).size).toBe(3);
    expect(new Set(pending.map((p) => p.consentId)).size).toBe(1);
    expect(world.events.filter((e) => e.type === "consent.required").length).toBe(required + 1);

    const again = await answer(pending[0]?.value.authorizationUrl ?? "", "carol");
    const done = await rig.resume("carol-2", again.consentId, again.outcome);
    expect(demo.calendar.callCount("list_events")).toBe(before + 3);
    expect(lastText(done.messages as never).split("|")).toHaveLength(3);
    expect(await rig.pending("carol-2")).toEqual([]);
  });

  it("step-up: delete_file after a files.read consent asks for the union, then deletes", async () => {
    const rig = world.agentFor("dave");
    await rig.ask("dave-1", "list my files");
    const [read] = await rig.pending("dave-1");
    const granted = await answer(read?.value.authorizationUrl ?? "", "dave", {
      grantScopes: ["files.read", "offline_access"],
    });
    const listed = await rig.resume("dave-1", granted.consentId, "granted");
    expect(lastText(listed.messages as never)).toContain("notes.txt");

    await rig.ask("dave-1", "delete notes.txt");
    const [stepUp] = await rig.pending("dave-1");
    expect(stepUp?.value.reason).toBe("insufficient_scope");
    expect(stepUp?.value.scopes).toEqual(expect.arrayContaining(["files.read", "files.write"]));
    expect(stepUp?.consentId).not.toBe(read?.consentId);
    const upgraded = await answer(stepUp?.value.authorizationUrl ?? "", "dave");
    const done = await rig.resume("dave-1", upgraded.consentId, upgraded.outcome);
    expect(lastText(done.messages as never)).not.toContain("Sorry");
    expect(demo.files.callCount("delete_file")).toBe(1);
  });

  it("a denied consent ends the run with an explanation and no retry", async () => {
    const rig = world.agentFor("erin");
    await rig.ask("erin-1", "what's on my calendar");
    const [pending] = await rig.pending("erin-1");
    const result = await answer(pending?.value.authorizationUrl ?? "", "erin", { approve: false });
    expect(result.outcome).toBe("denied");
    const required = world.events.filter((e) => e.type === "consent.required").length;
    const done = await rig.resume("erin-1", result.consentId, result.outcome);
    expect(lastText(done.messages as never)).toContain("Access to calendar was declined");
    expect(world.events.filter((e) => e.type === "consent.required").length).toBe(required);
    expect(await rig.pending("erin-1")).toEqual([]);
  });

  it("withAuthInterrupts in a hand-built graph (Send → ToolNode) over the real client: revoked token, two calls, one consent", async () => {
    const { client } = world.agentFor("henry");
    const begun = await world.consents.begin({
      subject: "henry",
      serverName: "calendar",
      resource: demo.calendar.url,
    });
    await answer(begun.authorizationUrl, "henry");
    const tools = withAuthInterrupts(await client.getTools(), {
      bus: world.bus,
      consents: world.consents,
      subject: "henry",
      tokens: world.stores.tokens,
      serverFor: (name) => client.serverFor(name),
    });
    expect(tools.map((t) => t.name)).toContain("list_events");
    const graph = new StateGraph(MessagesAnnotation)
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
      .compile({ checkpointer: world.checkpointer });
    const held = (await world.stores.tokens.get({
      subject: "henry",
      resource: demo.calendar.url,
    })) as TokenSet;
    await demo.authServer.revokeToken(held.refreshToken ?? held.accessToken);
    const before = demo.calendar.callCount("list_events");
    const config = { configurable: { thread_id: "henry-1" } };
    const calls = ["h1", "h2"].map((id) => ({
      id,
      name: "list_events",
      args: {},
      type: "tool_call" as const,
    }));
    await graph.invoke({ messages: [new AIMessage({ content: "", tool_calls: calls })] }, config);
    const pending = pendingAuthInterrupts(await graph.getState(config));
    expect(pending).toHaveLength(2);
    expect(new Set(pending.map((p) => p.consentId)).size).toBe(1);

    const again = await answer(pending[0]?.value.authorizationUrl ?? "", "henry");
    const done = await graph.invoke(
      await resumeConsent(graph, config, again.consentId, again.outcome),
      config,
    );
    const results = done.messages.filter((m) => ToolMessage.isInstance(m));
    expect(results.map((m) => String(m.content).includes("Team standup"))).toEqual([true, true]);
    expect(demo.calendar.callCount("list_events")).toBe(before + 2);
  });

  it("an expired consent ends the run with an explanation and no retry", async () => {
    const short = openWorld({
      urls: { calendar: demo.calendar.url, files: demo.files.url },
      storePath: join(dir, "expiry.db"),
      checkpointPath: join(dir, "expiry-checkpoints.db"),
      ttlSeconds: 1,
    });
    try {
      const rig = short.agentFor("grace");
      const expired = new Promise<{ consentId: string }>((resolve) =>
        short.bus.on("consent.expired", resolve),
      );
      await rig.ask("grace-1", "what's on my calendar");
      const [pending] = await rig.pending("grace-1");
      const { consentId } = await expired;
      expect(consentId).toBe(pending?.consentId);
      const done = await rig.resume("grace-1", consentId, "expired");
      expect(lastText(done.messages as never)).toContain("expired before it was answered");
      expect(short.events.filter((e) => e.type === "consent.required")).toHaveLength(1);
      expect(await rig.pending("grace-1")).toEqual([]);
    } finally {
      await short.close();
    }
  });

  it("no checkpoint and no event holds an access or refresh token", async () => {
    const secrets = secretsOf(seenTokens);
    expect(secrets.length).toBeGreaterThan(4);
    const checkpoints = databaseText(checkpointPath);
    expect(checkpoints.length).toBeGreaterThan(1000);
    const events = JSON.stringify(world.events);
    for (const secret of secrets) {
      expect(checkpoints.includes(secret)).toBe(false);
      expect(events.includes(secret)).toBe(false);
    }
  });
});
