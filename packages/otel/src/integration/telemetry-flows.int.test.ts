import { writeFileSync } from "node:fs";
import {
  type AuthBus,
  createAuthBus,
  MemoryConsentStore,
  MemoryTokenStore,
  normalizeResource,
  type TokenSet,
} from "@authbus/core";
import { pendingAuthInterrupts, resumeConsent, withAuthInterrupts } from "@authbus/langgraph";
import { createMCPClient, type MCPClient } from "@authbus/mcp";
import {
  type Consents,
  createConsents,
  createRefresher,
  MemoryClientRegistrationStore,
} from "@authbus/oauth";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import {
  isGraphInterrupt,
  type LangGraphRunnableConfig,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AuthBusInstrumentation, instrumentAuthBus } from "../instrument/instrument-auth-bus.js";
import {
  captureDiagLogs,
  dumpSpans,
  durationMs,
  formatTrace,
  histogramOf,
  pointsOf,
  sleep,
  startTelemetry,
  type Telemetry,
  useAsyncContext,
} from "../testing/telemetry.test-helpers.js";

const REDIRECT_URI = "http://127.0.0.1:9/callback";

let demo: DemoServers;
let undoContext: () => void;

beforeAll(async () => {
  undoContext = useAsyncContext();
  demo = await startDemoServers();
});

afterAll(async () => {
  await demo?.close();
  undoContext?.();
});

/** One app process: stores, consents, refresher, bus, and the instrumentation under test. */
interface App {
  bus: AuthBus;
  telemetry: Telemetry;
  tokens: MemoryTokenStore;
  consentStore: MemoryConsentStore;
  registrations: MemoryClientRegistrationStore;
  consents: Consents;
  refresh: ReturnType<typeof createRefresher>;
  stop: AuthBusInstrumentation;
  /** Every secret the flows handled: tokens, codes, states, verifiers, authorization URL queries. */
  secrets: Set<string>;
  clients: MCPClient[];
}

let app: App;
/** How far the token endpoint is, for refreshes: a real one is tens to hundreds of milliseconds away. */
let tokenEndpointLatencyMs = 0;

beforeEach(() => {
  const bus = createAuthBus();
  const telemetry = startTelemetry();
  const tokens = new MemoryTokenStore();
  const consentStore = new MemoryConsentStore();
  const registrations = new MemoryClientRegistrationStore();
  const client = { redirectUri: REDIRECT_URI };
  const names = new Map([
    [normalizeResource(demo.calendar.url), "calendar"],
    [normalizeResource(demo.files.url), "files"],
  ]);
  app = {
    bus,
    telemetry,
    tokens,
    consentStore,
    registrations,
    consents: createConsents({
      tokens,
      store: consentStore,
      registrations,
      bus,
      client,
      allowHttpLoopback: true,
    }),
    refresh: createRefresher({
      tokens,
      bus,
      registrations,
      client,
      allowHttpLoopback: true,
      serverName: (key) => names.get(key.resource) ?? key.resource,
      fetch: async (input, init) => {
        if (String(input instanceof Request ? input.url : input) === demo.authServer.endpoints.token) {
          await sleep(tokenEndpointLatencyMs);
        }
        return fetch(input, init);
      },
    }),
    stop: instrumentAuthBus(bus, { tracer: telemetry.tracer, meter: telemetry.meter }),
    secrets: new Set(),
    clients: [],
  };
});

afterEach(async () => {
  tokenEndpointLatencyMs = 0;
  app.stop();
  app.consents.close();
  await Promise.all(app.clients.map((client) => client.close()));
  await app.telemetry.shutdown();
});

function keepSecretsOf(tokens: TokenSet | undefined): void {
  if (!tokens) return;
  app.secrets.add(tokens.accessToken);
  if (tokens.refreshToken) app.secrets.add(tokens.refreshToken);
}

/** A person answers the consent card: the authorization server's page, then the app's callback. */
async function answerConsent(
  consentId: string,
  subject: string,
  options: { approve?: boolean; grantScopes?: string[] } = {},
) {
  const record = await app.consentStore.get(consentId);
  if (!record) throw new Error(`no consent ${consentId}`);
  const authorizationUrl = new URL(record.authorizationUrl);
  app.secrets.add(record.state);
  app.secrets.add(record.codeVerifier);
  app.secrets.add(authorizationUrl.search.slice(1));
  app.secrets.add(authorizationUrl.searchParams.get("code_challenge") ?? "");
  const callback = new URL(await approveConsent(authorizationUrl, { user: subject, ...options }));
  const code = callback.searchParams.get("code");
  if (code) app.secrets.add(code);
  // The app's callback route, traced as an HTTP server span would be.
  const result = await app.telemetry.tracer.startActiveSpan(
    "GET /oauth/callback",
    { kind: SpanKind.SERVER },
    async (span) => {
      try {
        return await app.consents.complete(callback.href);
      } finally {
        span.end();
      }
    },
  );
  keepSecretsOf(await app.tokens.get({ subject, resource: normalizeResource(demo.files.url) }));
  const registration = await app.registrations.get(demo.authServer.issuer, REDIRECT_URI);
  if (registration?.clientSecret) app.secrets.add(registration.clientSecret);
  return result;
}

/** Grants `files.read` (and a refresh token) to `subject` before the flows under test. */
async function grantFilesRead(subject: string): Promise<void> {
  const begun = await app.consents.begin({ subject, serverName: "files", resource: demo.files.url });
  await answerConsent(begun.consentId, subject, { grantScopes: ["files.read", "offline_access"] });
}

function clientFor(subject: string): MCPClient {
  const client = createMCPClient({
    servers: { files: { url: demo.files.url } },
    tokens: app.tokens,
    bus: app.bus,
    subject,
    refresh: app.refresh,
  });
  app.clients.push(client);
  return client;
}

/** Runs a tool call inside an `execute_tool` span (OpenTelemetry GenAI conventions), as an instrumented agent does. */
function executeTool<T>(name: string, callId: string, run: () => Promise<T>): Promise<T> {
  return app.telemetry.tracer.startActiveSpan(
    `execute_tool ${name}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.id": callId,
      },
    },
    async (span) => {
      try {
        return await run();
      } catch (error) {
        // An interrupt is the graph pausing, not a failure.
        if (!isGraphInterrupt(error)) span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** A hand-built graph whose tool node runs each call in its span and pauses for consent. */
function buildGraph(tools: StructuredToolInterface[]) {
  const runTools = async (state: typeof MessagesAnnotation.State, config: LangGraphRunnableConfig) => {
    const last = state.messages.at(-1) as AIMessage;
    const messages: BaseMessage[] = [];
    for (const call of last.tool_calls ?? []) {
      const tool = tools.find((candidate) => candidate.name === call.name);
      if (!tool || !call.id) throw new Error(`no tool ${call.name}`);
      const id = call.id;
      messages.push(
        await executeTool(call.name, id, () => tool.invoke({ ...call, id, type: "tool_call" }, config)),
      );
    }
    return { messages };
  };
  return new StateGraph(MessagesAnnotation)
    .addNode("tools", runTools)
    .addEdge(START, "tools")
    .compile({ checkpointer: new MemorySaver() });
}

const invokeAgent = <T>(run: () => Promise<T>): Promise<T> =>
  app.telemetry.tracer.startActiveSpan(
    "invoke_agent",
    { attributes: { "gen_ai.operation.name": "invoke_agent" } },
    async (span) => {
      try {
        return await run();
      } finally {
        span.end();
      }
    },
  );

/**
 * A step-up consent across a real interrupt and resume: `delete_file` with only `files.read`
 * held → 403 `insufficient_scope` → consent → interrupt; the person answers after `waitMs`;
 * the graph resumes and the call is made again.
 */
async function consentThroughGraph(
  subject: string,
  options: { approve: boolean; waitMs: number; file: string },
) {
  await grantFilesRead(subject);
  const client = clientFor(subject);
  const tools = withAuthInterrupts(await client.getTools(), {
    bus: app.bus,
    consents: app.consents,
    subject,
    tokens: app.tokens,
    serverFor: (name) => client.serverFor(name),
  });
  const graph = buildGraph(tools);
  const config = { configurable: { thread_id: `${subject}-thread` } };
  const times: Record<string, number> = {};
  app.bus.on("consent.required", () => {
    times.required = Date.now();
  });
  app.bus.on(options.approve ? "consent.granted" : "consent.denied", () => {
    times.answered = Date.now();
  });
  app.telemetry.exporter.reset();

  const call = { id: `call_delete_${subject}`, name: "delete_file", args: { name: options.file } };
  await invokeAgent(() =>
    graph.invoke({ messages: [new AIMessage({ content: "", tool_calls: [call] })] }, config),
  );
  const [pending, ...others] = pendingAuthInterrupts(await graph.getState(config));
  if (!pending || others.length > 0) throw new Error("expected one consent interrupt");
  await sleep(options.waitMs); // the person reads the card
  const result = await answerConsent(pending.consentId, subject, { approve: options.approve });
  await app.stop.flush();
  const done = await invokeAgent(async () =>
    graph.invoke(await resumeConsent(graph, config, result.consentId, result.outcome), config),
  );
  return { pending, result, done, times };
}

describe("a consent across a LangGraph interrupt and resume", () => {
  it("is one consent span with its real duration and outcome, linked to the tool call", async () => {
    const deletesBefore = demo.files.callCount("delete_file");
    const { pending, result, done, times } = await consentThroughGraph("olivia", {
      approve: true,
      waitMs: 300,
      file: "notes.txt",
    });
    expect(pending.value.reason).toBe("insufficient_scope");
    expect(result.outcome).toBe("granted");
    const answer = done.messages.at(-1);
    expect(ToolMessage.isInstance(answer) && answer.status !== "error").toBe(true);
    expect(demo.files.callCount("delete_file")).toBe(deletesBefore + 1);

    const spans = app.telemetry.spans();
    const consents = app.telemetry.spansNamed("authbus.consent");
    expect(consents).toHaveLength(1);
    const [consent] = consents;
    expect(consent?.attributes).toMatchObject({
      "authbus.consent.id": pending.consentId,
      "authbus.consent.outcome": "granted",
      "authbus.consent.reason": "insufficient_scope",
      "authbus.server.name": "files",
      "gen_ai.tool.call.id": "call_delete_olivia",
    });
    const measured = (times.answered ?? 0) - (times.required ?? 0);
    expect(measured).toBeGreaterThanOrEqual(300);
    // The span's duration is the gap between the two events (a loose bound: the machine may be busy).
    expect(Math.abs(durationMs(consent?.duration ?? [0, 0]) - measured)).toBeLessThanOrEqual(25);

    // Linked to the tool call span that raised the consent, and to the callback that answered it.
    const asking = spans.find((span) =>
      span.events.some((event) => event.name === "authbus.consent.required"),
    );
    expect(asking?.name).toBe("execute_tool delete_file");
    expect(asking?.events.map((event) => event.name)).toEqual([
      "authbus.challenge",
      "authbus.consent.required",
    ]);
    const callback = spans.find((span) => span.name === "GET /oauth/callback");
    expect(
      consent?.links.map((link) => [link.context.spanId, link.attributes?.["authbus.link.type"]]),
    ).toEqual([
      [asking?.spanContext().spanId, "consent.required"],
      [callback?.spanContext().spanId, "consent.outcome"],
    ]);
    expect(callback?.events.map((event) => event.name)).toContain("authbus.consent.granted");

    const metrics = await app.telemetry.collect();
    // The setup's consent (files.read, reason missing_token) is counted apart.
    const stepUp = { "authbus.consent.outcome": "granted", "authbus.consent.reason": "insufficient_scope" };
    expect(pointsOf(metrics, "authbus.consents")).toContainEqual(
      expect.objectContaining({ value: 1, attributes: expect.objectContaining(stepUp) }),
    );
    expect(pointsOf(metrics, "authbus.consent.duration")).toContainEqual(
      expect.objectContaining({
        value: expect.objectContaining({ count: 1, sum: durationMs(consent?.duration ?? [0, 0]) / 1000 }),
        attributes: expect.objectContaining(stepUp),
      }),
    );
    expect(pointsOf(metrics, "authbus.challenges")).toMatchObject([
      {
        value: 1,
        attributes: { "http.response.status_code": 403, "authbus.challenge.reason": "insufficient_scope" },
      },
    ]);

    const dump = process.env.AUTHBUS_TRACE_DUMP;
    if (dump) writeFileSync(dump, `${formatTrace(spans)}\n`);
  });
});

/** `n` concurrent calls with an expired access token, each in its own tool call span. */
async function refreshStorm(subject: string, n: number) {
  await grantFilesRead(subject);
  const client = clientFor(subject);
  const listFiles = (await client.getTools()).find((tool) => tool.name === "list_files");
  if (!listFiles) throw new Error("no list_files tool");
  const key = { subject, resource: normalizeResource(demo.files.url) };
  const expired = await app.tokens.get(key);
  keepSecretsOf(expired);
  demo.authServer.expireAllTokens();
  demo.authServer.resetStats();
  app.telemetry.exporter.reset();
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      executeTool("list_files", `call_list_${i}`, () =>
        listFiles.invoke({ name: "list_files", args: {}, id: `call_list_${i}`, type: "tool_call" }),
      ),
    ),
  );
  keepSecretsOf(await app.tokens.get(key));
  return { results };
}

describe("a refresh storm", () => {
  it("is one refresh span with N waiters, not N refreshes", async () => {
    const n = 40;
    tokenEndpointLatencyMs = 100;
    const { results } = await refreshStorm("peter", n);
    expect(results.every((message) => (message as ToolMessage).status !== "error")).toBe(true);
    expect(demo.authServer.stats.refreshRequests).toBe(1);

    const refreshes = app.telemetry.spansNamed("authbus.token.refresh");
    expect(refreshes).toHaveLength(1);
    const [refresh] = refreshes;
    const tools = app.telemetry.spansNamed("execute_tool list_files");
    expect(tools).toHaveLength(n);
    expect(tools.map((span) => span.spanContext().spanId)).toContain(refresh?.parentSpanContext?.spanId);
    expect(refresh?.attributes).toMatchObject({
      "authbus.refresh.result": "success",
      "authbus.refresh.waiters": n,
      "authbus.server.name": "files",
    });
    expect(refresh?.links).toHaveLength(n);
    expect(new Set(refresh?.links.map((link) => link.context.spanId))).toEqual(
      new Set(tools.map((span) => span.spanContext().spanId)),
    );
    expect(durationMs(refresh?.duration ?? [0, 0])).toBeGreaterThanOrEqual(100);
    // Each caller's own span shows its 401 and its replay, and links to the refresh that answered it.
    // The caller that started the refresh also carries the refresh's own events.
    for (const tool of tools) {
      const started = tool.spanContext().spanId === refresh?.parentSpanContext?.spanId;
      expect(tool.events.map((event) => event.name)).toEqual(
        started
          ? [
              "authbus.challenge",
              "authbus.token.refreshing",
              "authbus.token.refreshed",
              "authbus.request.retried",
            ]
          : ["authbus.challenge", "authbus.request.retried"],
      );
      expect(tool.links).toMatchObject([
        { context: refresh?.spanContext(), attributes: { "authbus.link.type": "refresh" } },
      ]);
    }

    const metrics = await app.telemetry.collect();
    expect(pointsOf(metrics, "authbus.token.refreshes")).toMatchObject([
      { value: 1, attributes: { "authbus.refresh.result": "success" } },
    ]);
    expect(histogramOf(metrics, "authbus.token.refresh.duration")?.count).toBe(1);
    expect(pointsOf(metrics, "authbus.challenges")).toMatchObject([
      { value: n, attributes: { "authbus.challenge.reason": "invalid_token" } },
    ]);
  });
});

describe("exported telemetry", () => {
  it("holds no token, code, state, verifier, authorization URL query or client secret", async () => {
    const diagLogs = captureDiagLogs();
    try {
      await consentThroughGraph("quinn", { approve: false, waitMs: 10, file: "todo.md" });
      await consentThroughGraph("rita", { approve: true, waitMs: 10, file: "todo.md" });
      const spansAfterConsents = app.telemetry.spans();
      await refreshStorm("rita", 10);
      await app.stop.flush();
      const spans = [...spansAfterConsents, ...app.telemetry.spans()];
      const exported = [
        dumpSpans(spans),
        JSON.stringify(await app.telemetry.collect()),
        diagLogs.lines.join("\n"),
      ].join("\n");

      const secrets = [...app.secrets].filter((secret) => secret.length >= 8);
      // Access and refresh tokens of three grants and a refresh, codes, states, verifiers, queries.
      expect(secrets.length).toBeGreaterThanOrEqual(15);
      expect(spans.length).toBeGreaterThan(10);
      expect(exported).toContain("authbus.consent");
      expect(exported).toContain("fp_");
      for (const secret of secrets)
        expect(exported.includes(secret), `leaked ${secret.slice(0, 4)}…`).toBe(false);
      expect(exported).not.toMatch(/[?&](code|state|code_verifier|access_token|refresh_token)=/);
      expect(trace.getActiveSpan()).toBeUndefined();
    } finally {
      diagLogs.stop();
    }
  });
});
