/**
 * URL-mode elicitation end to end: the testkit's `repos` server (OAuth-protected, and needing the
 * person to connect the third-party site Octo) through the real MCP SDK client, in a hand-built
 * LangGraph graph with a checkpointer. Both forms: `elicitation/create` during the call, and the
 * -32042 error.
 */
import {
  type AuthBus,
  type AuthEvents,
  authInterruptSchema,
  createAuthBus,
  MemoryConsentStore,
  MemoryConsentWaitStore,
  MemoryTokenStore,
} from "@authbus/core";
import { createMCPClient, createUrlElicitations, type MCPClient, type UrlElicitations } from "@authbus/mcp";
import { type Consents, createConsents } from "@authbus/oauth";
import {
  type AuthServer,
  approveConsent,
  type ProtectedMCPServer,
  requireThirdParty,
  startAuthServer,
  startProtectedMCPServer,
  startThirdPartySite,
  type ThirdPartySite,
} from "@authbus/testkit";
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { toolsCondition } from "@langchain/langgraph/prebuilt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { authToolNode } from "../client/auth-tool-node.js";
import { pendingAuthInterrupts } from "../resume/pending-auth-interrupts.js";
import { resumeConsent } from "../resume/resume-consent.js";
import { toolCall } from "../testing/scripted-chat-model.test-helpers.js";

const REDIRECT_URI = "http://127.0.0.1:9/callback";

let as: AuthServer;
let octo: ThirdPartySite;
let repos: ProtectedMCPServer;
let users = 0;
const closers: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  as = await startAuthServer();
  octo = await startThirdPartySite({ name: "Octo" });
  repos = await startProtectedMCPServer({
    name: "repos",
    authServer: as,
    initialScope: ["repos.read"],
    tools: [
      {
        name: "list_repositories",
        description: "List the user's repositories on Octo.",
        scopes: ["repos.read"],
        handler: requireThirdParty(octo, { mode: "request" }, (_args, context) => ({
          repositories: [`${context.subject}/authbus`],
        })),
      },
      {
        name: "list_issues",
        description: "List the user's open issues on Octo.",
        scopes: ["repos.read"],
        handler: requireThirdParty(octo, { mode: "error" }, () => ({ issues: ["#1 pause and resume"] })),
      },
    ],
  });
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(async () => {
  await repos?.close();
  await octo?.close();
  await as?.close();
});

function text(message: BaseMessage | undefined): string {
  return typeof message?.content === "string" ? message.content : JSON.stringify(message?.content ?? "");
}

/** The model: call `connect_repos` until the real tool is offered, call the tool, then relay its answer. */
function script(tool: string) {
  return (messages: BaseMessage[], offered: string[]): AIMessage => {
    const last = messages.at(-1);
    if (ToolMessage.isInstance(last) && last.name !== "connect_repos") {
      return new AIMessage(`${last.status === "error" ? "Sorry: " : "Here you go: "}${text(last)}`);
    }
    const name = offered.includes(tool) ? tool : "connect_repos";
    return new AIMessage({ content: "", tool_calls: [toolCall(name)] });
  };
}

interface Rig {
  subject: string;
  bus: AuthBus;
  events: Array<{ type: string; event: unknown }>;
  tokens: MemoryTokenStore;
  consents: Consents;
  elicitations: UrlElicitations;
  client: MCPClient;
  graph: ReturnType<typeof buildGraph>;
  config: { configurable: { thread_id: string } };
  ask(): Promise<{ messages: BaseMessage[] }>;
  pending(): Promise<ReturnType<typeof pendingAuthInterrupts>>;
  resume(consentId: string, outcome: "granted" | "denied" | "expired"): Promise<{ messages: BaseMessage[] }>;
}

function buildGraph(
  parts: { bus: AuthBus; consents: Consents; tokens: MemoryTokenStore; elicitations: UrlElicitations },
  client: MCPClient,
  subject: string,
  tool: string,
  checkpointer: MemorySaver,
  waits: MemoryConsentWaitStore,
) {
  const reply = script(tool);
  return new StateGraph(MessagesAnnotation)
    .addNode("model", async (state) => {
      const offered = (await client.getTools()).map((t) => t.name);
      return { messages: [reply(state.messages, offered)] };
    })
    .addNode("tools", authToolNode({ client, subject, waits, ...parts }))
    .addEdge(START, "model")
    .addConditionalEdges("model", toolsCondition, ["tools", END])
    .addEdge("tools", "model")
    .compile({ checkpointer });
}

/** One person with their own stores, client and thread; `shared` reuses a previous rig's stores (a restart). */
function rigFor(tool: string, shared?: Rig & { store: MemoryConsentStore; checkpointer: MemorySaver }) {
  users += 1;
  const subject = shared?.subject ?? `user-${users}`;
  const bus = createAuthBus();
  const events: Rig["events"] = [];
  bus.on("*", (type, event) => {
    events.push({ type: String(type), event: structuredClone(event) });
  });
  const tokens = shared?.tokens ?? new MemoryTokenStore();
  const store = shared?.store ?? new MemoryConsentStore();
  const waits = new MemoryConsentWaitStore();
  const consents = createConsents({
    tokens,
    store,
    bus,
    client: { redirectUri: REDIRECT_URI },
    allowHttpLoopback: true,
  });
  const elicitations = createUrlElicitations({ store, bus });
  const client = createMCPClient({
    servers: { repos: { url: repos.url, description: "the user's Octo repositories" } },
    tokens,
    bus,
    subject,
    elicitations,
  });
  closers.push(
    () => client.close(),
    () => consents.close(),
    () => elicitations.close(),
  );
  const checkpointer = shared?.checkpointer ?? new MemorySaver();
  const graph = buildGraph(
    { bus, consents, tokens, elicitations },
    client,
    subject,
    tool,
    checkpointer,
    waits,
  );
  const config = { configurable: { thread_id: shared?.config.configurable.thread_id ?? `thread-${users}` } };
  const rig = {
    subject,
    bus,
    events,
    tokens,
    store,
    checkpointer,
    consents,
    elicitations,
    client,
    graph,
    config,
    ask: () =>
      graph.invoke({ messages: [new HumanMessage("what is on Octo?")] }, config) as Promise<{
        messages: BaseMessage[];
      }>,
    pending: async () => pendingAuthInterrupts(await graph.getState(config)),
    resume: async (consentId: string, outcome: "granted" | "denied" | "expired") =>
      graph.invoke(await resumeConsent(graph, config, consentId, outcome), config) as Promise<{
        messages: BaseMessage[];
      }>,
  };
  return rig;
}

/** A new person: the first run pauses for the OAuth consent to `repos`; approve it headlessly and resume. */
async function signIn(rig: ReturnType<typeof rigFor>): Promise<ReturnType<typeof pendingAuthInterrupts>> {
  await rig.ask();
  const [oauth] = await rig.pending();
  expect(oauth?.value.channel).toBeUndefined();
  const callback = await approveConsent(oauth?.value.authorizationUrl ?? "", { user: rig.subject });
  const done = await rig.consents.complete(callback);
  await rig.resume(done.consentId, "granted");
  return rig.pending();
}

function eventsOf<K extends keyof AuthEvents>(rig: { events: Rig["events"] }, type: K): AuthEvents[K][] {
  return rig.events.filter((e) => e.type === type).map((e) => e.event as AuthEvents[K]);
}

describe("URL-mode elicitation in a LangGraph graph (testkit server, MCP SDK client, checkpointer)", () => {
  it("elicitation/create: the call pauses with the server's URL; its completion notification resumes the run and the held call answers", async () => {
    const rig = rigFor("list_repositories");
    const pending = await signIn(rig);
    expect(pending).toHaveLength(1);
    const [card] = pending;
    const value = authInterruptSchema.parse(card?.value);
    expect(value).toMatchObject({
      type: "authbus/consent_required",
      channel: "elicitation",
      reason: "url_elicitation",
      serverName: "repos",
      resource: repos.url,
      scopes: [],
      message: expect.stringContaining("Octo"),
    });
    expect(value.authorizationUrl.startsWith(`${octo.origin}/authorize?request=`)).toBe(true);
    expect(octo.status(String(value.elicitationId))).toBe("pending");
    // The tool is waiting inside the server for the answer.
    expect(repos.callCount("list_repositories")).toBe(1);

    // The app resumes when the bus says the server completed it.
    const resumed = new Promise<{ messages: BaseMessage[] }>((resolve, reject) => {
      rig.bus.on("elicitation.completed", ({ consentId }) => {
        rig.resume(consentId, "granted").then(resolve, reject);
      });
    });
    // The person opens the link (headless: GET it).
    expect(await (await fetch(value.authorizationUrl)).text()).toContain("Connected to Octo");
    const done = await resumed;

    expect(text(done.messages.at(-1))).toContain(`${rig.subject}/authbus`);
    expect(repos.callCount("list_repositories")).toBe(1);
    expect(await rig.pending()).toEqual([]);
    expect(eventsOf(rig, "elicitation.completed")).toEqual([
      expect.objectContaining({
        consentId: card?.consentId,
        elicitationId: value.elicitationId,
        by: "server",
      }),
    ]);
    expect(eventsOf(rig, "elicitation.answered")).toEqual([
      expect.objectContaining({ consentId: card?.consentId, action: "accept", serverName: "repos" }),
    ]);
    const required = eventsOf(rig, "consent.required").filter((e) => e.channel === "elicitation");
    // Events carry the URL without its query (the link's secret).
    expect(required).toEqual([
      expect.objectContaining({ authorizationUrl: `${octo.origin}/authorize`, reason: "url_elicitation" }),
    ]);
    expect((await rig.store.get(card?.consentId ?? ""))?.status).toBe("granted");

    // No token in the checkpoint, the events or the interrupt.
    const held = await rig.tokens.get({ subject: rig.subject, resource: repos.url });
    const checkpoint = JSON.stringify(await rig.checkpointer.getTuple(rig.config));
    for (const where of [checkpoint, JSON.stringify(rig.events)]) {
      expect(where).not.toContain(String(held?.accessToken));
    }
  });

  it("-32042: the refused call pauses; after completion the run resumes and the call is made once more", async () => {
    const rig = rigFor("list_issues");
    const [card] = await signIn(rig);
    expect(card?.value).toMatchObject({ channel: "elicitation", serverName: "repos" });
    expect(repos.callCount("list_issues")).toBe(1);
    const completed = new Promise<AuthEvents["elicitation.completed"]>((resolve) =>
      rig.bus.on("elicitation.completed", resolve),
    );
    await fetch(card?.value.authorizationUrl ?? "");
    const { consentId } = await completed;
    expect(consentId).toBe(card?.consentId);
    const done = await rig.resume(consentId, "granted");
    expect(text(done.messages.at(-1))).toMatch(/^Here you go: .*#1 pause and resume/);
    expect(repos.callCount("list_issues")).toBe(2);
    // No elicitation/create was sent in this form.
    expect(eventsOf(rig, "elicitation.answered")).toEqual([]);
  });

  it("declined: the server's request is answered decline and the tool returns an error the model relays", async () => {
    const rig = rigFor("list_repositories");
    const [card] = await signIn(rig);
    const answered = new Promise<AuthEvents["elicitation.answered"]>((resolve) =>
      rig.bus.on("elicitation.answered", resolve),
    );
    expect(await rig.elicitations.decline(card?.consentId ?? "")).toBe(true);
    expect(await answered).toMatchObject({ action: "decline", consentId: card?.consentId });
    const done = await rig.resume(card?.consentId ?? "", "denied");
    const reply = text(done.messages.at(-1));
    expect(reply).toMatch(/^Sorry: Access to repos was declined, so list_repositories was not run/);
    const toolMessage = done.messages.findLast((m) => ToolMessage.isInstance(m)) as ToolMessage;
    expect(toolMessage.status).toBe("error");
    expect(octo.isAuthorized(rig.subject)).toBe(false);
    expect(eventsOf(rig, "consent.denied")).toEqual([
      expect.objectContaining({ consentId: card?.consentId }),
    ]);
  });

  it("the person returns and says they are done (before the server reports it): the run resumes and the call answers", async () => {
    const rig = rigFor("list_issues");
    const [card] = await signIn(rig);
    await fetch(card?.value.authorizationUrl ?? "");
    // The app's "Done" button; the server's notification may come too, and then changes nothing.
    const finished = await rig.elicitations.finish(card?.consentId ?? "");
    const completions = eventsOf(rig, "elicitation.completed");
    expect(completions).toHaveLength(1);
    expect(finished || completions[0]?.by === "server").toBe(true);
    const done = await rig.resume(card?.consentId ?? "", "granted");
    expect(text(done.messages.at(-1))).toContain("#1 pause and resume");
  });

  it("after a restart the held call is gone: the resumed run makes the call again, and the server answers", async () => {
    const first = rigFor("list_repositories");
    const [card] = await signIn(first);
    await fetch(card?.value.authorizationUrl ?? "");
    await expect.poll(async () => (await first.store.get(card?.consentId ?? ""))?.status).toBe("granted");
    const before = repos.callCount("list_repositories");

    // A new process: new bus, client and elicitations over the same stores and checkpoints.
    const second = rigFor("list_repositories", first);
    const done = await second.resume(card?.consentId ?? "", "granted");
    expect(text(done.messages.at(-1))).toContain(`${first.subject}/authbus`);
    expect(repos.callCount("list_repositories")).toBe(before + 1);
  });

  it("expired: the server's request is answered cancel and the tool returns an error", async () => {
    const rig = rigFor("list_repositories");
    const [card] = await signIn(rig);
    const answered = new Promise<AuthEvents["elicitation.answered"]>((resolve) =>
      rig.bus.on("elicitation.answered", resolve),
    );
    const done = await rig.resume(card?.consentId ?? "", "expired");
    expect(await answered).toMatchObject({ action: "cancel" });
    expect(text(done.messages.at(-1))).toContain("expired before it was answered");
  });
});
