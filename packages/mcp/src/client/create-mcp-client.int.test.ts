import { type AddressInfo, createServer } from "node:net";
import {
  type AuthEventName,
  type AuthEvents,
  createAuthBus,
  fingerprintToken,
  isAuthbusError,
  MemoryTokenStore,
  parseAuthEvent,
  type TokenStore,
} from "@authbus/core";
import { createRefresher } from "@authbus/oauth";
import {
  type AuthServer,
  buildChallenge,
  type ProtectedMCPServer,
  startAuthServer,
  startProtectedMCPServer,
} from "@authbus/testkit";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { consentAndStore, createTestRefresher } from "../testing/oauth-flow.test-helpers.js";
import {
  type CreateMCPClientOptions,
  createMCPClient,
  type MCPClient,
  type MCPServerConfig,
} from "./create-mcp-client.js";

let as: AuthServer;
let files: ProtectedMCPServer;
let calendar: ProtectedMCPServer;
let notes: ProtectedMCPServer;

beforeAll(async () => {
  as = await startAuthServer();
  [files, calendar, notes] = await Promise.all([
    startProtectedMCPServer({
      name: "files",
      authServer: as,
      tools: [
        {
          name: "list_files",
          description: "Lists the user's files.",
          scopes: ["files.read"],
          handler: () => "notes.txt",
        },
        {
          name: "delete_file",
          description: "Deletes a file.",
          scopes: ["files.write"],
          inputSchema: { name: z.string() },
          handler: (args) => `deleted ${String(args.name)}`,
        },
      ],
    }),
    startProtectedMCPServer({
      name: "calendar",
      authServer: as,
      headerStyle: "dpop-and-bearer",
      tools: [
        { name: "list_events", description: "Lists events.", scopes: ["calendar.read"], handler: () => "[]" },
      ],
    }),
    startProtectedMCPServer({
      name: "notes",
      authServer: as,
      headerStyle: "uppercase",
      tools: [
        { name: "read_notes", scopes: ["notes.read"], handler: () => "a note" },
        { name: "write_note", scopes: ["notes.write"], handler: () => "written" },
      ],
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([files?.close(), calendar?.close(), notes?.close()]);
  await as?.close();
});

function recordEvents(bus = createAuthBus()) {
  const events: { type: AuthEventName; payload: unknown }[] = [];
  bus.on("*", (type, payload) => {
    events.push({ type, payload });
  });
  const of = <K extends AuthEventName>(type: K): AuthEvents[K][] =>
    events.filter((event) => event.type === type).map((event) => event.payload as AuthEvents[K]);
  return { bus, events, of };
}

function toolNamed(tools: readonly DynamicStructuredTool[], name: string): DynamicStructuredTool {
  const found = tools.find((tool) => tool.name === name);
  if (!found) throw new Error(`no tool ${name} in ${tools.map((tool) => tool.name).join(", ")}`);
  return found;
}

async function invoke(
  tool: DynamicStructuredTool,
  id: string,
  args: Record<string, unknown> = {},
): Promise<unknown> {
  const message = (await tool.invoke({ name: tool.name, args, id, type: "tool_call" })) as {
    content: unknown;
  };
  return message.content;
}

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );

describe.each(["http", "sse"] as const)("createMCPClient over %s", (transport) => {
  const clients: MCPClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  const serverConfig = (server: ProtectedMCPServer, description?: string): MCPServerConfig =>
    transport === "http"
      ? { url: server.url, transport: "http", ...(description ? { description } : {}) }
      : {
          url: server.sseUrl,
          transport: "sse",
          resource: server.resource,
          ...(description ? { description } : {}),
        };

  function setUp(
    servers: Record<string, ProtectedMCPServer>,
    options: Partial<Omit<CreateMCPClientOptions, "servers">> & {
      descriptions?: Record<string, string>;
    } = {},
  ) {
    const tokens: TokenStore = options.tokens ?? new MemoryTokenStore();
    const { bus, events, of } = recordEvents(options.bus);
    const client = createMCPClient({
      servers: Object.fromEntries(
        Object.entries(servers).map(([name, server]) => [
          name,
          serverConfig(server, options.descriptions?.[name]),
        ]),
      ),
      tokens,
      bus,
      subject: options.subject ?? "alice",
      ...(options.refresh ? { refresh: options.refresh } : {}),
      ...(options.onUnauthorized ? { onUnauthorized: options.onUnauthorized } : {}),
    });
    clients.push(client);
    const key = (server: ProtectedMCPServer) => ({
      subject: options.subject ?? "alice",
      resource: server.resource,
    });
    return { client, tokens, bus, events, of, key };
  }

  it("describes a stand-in from the tool list a catalog kept from an earlier process", async () => {
    const saved = new Map<string, readonly { name: string; description: string }[]>();
    const toolCatalog = {
      load: async (name: string) => saved.get(name),
      save: async (name: string, tools: readonly { name: string; description: string }[]) => {
        saved.set(name, tools);
      },
    };
    const { bus } = recordEvents();
    const before = new MemoryTokenStore();
    await consentAndStore(as, before, { subject: "alice", resource: files.resource }, ["files.read"]);
    const first = createMCPClient({
      servers: { files: serverConfig(files) },
      tokens: before,
      bus,
      subject: "alice",
      toolCatalog,
    });
    clients.push(first);
    await first.getTools();
    await first.close();
    expect(
      saved
        .get("files")
        ?.map((tool) => tool.name)
        .sort(),
    ).toEqual(["delete_file", "list_files"]);

    // "After a restart": a new client, no token, the same catalog.
    const second = createMCPClient({
      servers: { files: serverConfig(files) },
      tokens: new MemoryTokenStore(),
      bus,
      subject: "alice",
      toolCatalog,
    });
    clients.push(second);
    const [standIn] = await second.getTools();
    expect(standIn?.name).toBe("connect_files");
    expect(standIn?.description).toContain("list_files");
  });

  it("leaves a server that cannot be reached out of the list instead of failing every server's tools", async () => {
    // A loopback port that was just free: connecting to it is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const down = `http://127.0.0.1:${port}/mcp`;

    const tokens = new MemoryTokenStore();
    const { bus } = recordEvents();
    await consentAndStore(as, tokens, { subject: "alice", resource: files.resource }, ["files.read"]);
    const client = createMCPClient({
      servers: { files: serverConfig(files), down: { url: down, transport: "http" } },
      tokens,
      bus,
      subject: "alice",
    });
    clients.push(client);
    const tools = await client.getTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["delete_file", "list_files"]);
    const unavailable = client.unavailable();
    expect(Object.keys(unavailable)).toEqual(["down"]);
    expect(isAuthbusError(unavailable.down) && unavailable.down.code).toBe("MCP_CONNECT_FAILED");

    // With only unreachable servers there is nothing to offer: that is an error.
    const alone = createMCPClient({
      servers: { down: { url: down, transport: "http" } },
      tokens,
      bus,
      subject: "alice",
    });
    clients.push(alone);
    const error = await alone.getTools().catch((e: unknown) => e);
    expect(isAuthbusError(error) && error.code).toBe("MCP_CONNECT_FAILED");
  });

  it("rejects getTools with the server's challenge when it connects without a token (onUnauthorized: throw)", async () => {
    const { client, of } = setUp({ files }, { onUnauthorized: "throw" });
    const error = await rejection(client.getTools());

    expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
    if (!isAuthbusError(error, "AUTH_CHALLENGE")) return;
    const header = buildChallenge("standard", { resourceMetadata: files.resourceMetadataUrl });
    expect(error.status).toBe(401);
    expect(error.serverName).toBe("files");
    expect(error.wwwAuthenticate).toBe(header);
    expect(error.challenges[0]?.params.resource_metadata).toBe(files.resourceMetadataUrl);
    expect(error.headers.get("www-authenticate")).toBe(header);
    const challenges = of("challenge");
    expect(challenges.length).toBeGreaterThanOrEqual(1);
    expect(challenges[0]).toMatchObject({
      serverName: "files",
      resource: files.resource,
      subject: "alice",
      status: 401,
      wwwAuthenticate: header,
      challenges: error.challenges,
    });
    expect(challenges[0]?.oauth?.resourceMetadata).toBe(files.resourceMetadataUrl);
  });

  it("offers connect_<server> beside the tools of servers that connected, then the real tools once a token is stored", async () => {
    const { client, tokens, of, key } = setUp(
      { files, calendar },
      { descriptions: { calendar: "the user's calendar events" } },
    );
    await consentAndStore(as, tokens, key(files), ["files.read", "files.write"]);

    const first = await client.getTools();
    expect(first.map((tool) => tool.name).sort()).toEqual(["connect_calendar", "delete_file", "list_files"]);
    const connect = toolNamed(first, "connect_calendar");
    expect(connect.description).toContain("the user's calendar events");
    const standIn = client.serverFor("connect_calendar");
    expect(standIn).toMatchObject({ serverName: "calendar", resource: calendar.resource, connectTool: true });
    // The refused connection's challenge is kept, so a consent begun before any call can read it.
    expect(standIn?.challenge?.status).toBe(401);
    expect(standIn?.challenge?.oauth?.resourceMetadata).toBe(calendar.resourceMetadataUrl);
    expect(client.serverFor("list_files")).toEqual({
      serverName: "files",
      resource: files.resource,
      connectTool: false,
    });
    expect(client.servers.calendar?.resource).toBe(calendar.resource);

    // The stand-in rejects with the server's own challenge, and the event carries the call id.
    const error = await rejection(invoke(connect, "call-connect-1"));
    expect(isAuthbusError(error, "AUTH_CHALLENGE") && error.serverName).toBe("calendar");
    expect(isAuthbusError(error, "AUTH_CHALLENGE") && error.status).toBe(401);
    expect(
      of("challenge").some((event) => event.callId === "call-connect-1" && event.serverName === "calendar"),
    ).toBe(true);

    // Without a new token, getTools does not knock again.
    const before = of("challenge").length;
    expect((await client.getTools()).map((tool) => tool.name)).toContain("connect_calendar");
    expect(of("challenge")).toHaveLength(before);

    await consentAndStore(as, tokens, key(calendar), ["calendar.read"]);
    const second = await client.getTools();
    expect(second.map((tool) => tool.name).sort()).toEqual(["delete_file", "list_events", "list_files"]);
    expect(await invoke(toolNamed(second, "list_events"), "call-events")).toBe("[]");
  });

  it("connects through the stand-in tool once consent has stored a token", async () => {
    const { client, tokens, key } = setUp({ calendar });
    const tools = await client.getTools();
    expect(tools.map((tool) => tool.name)).toEqual(["connect_calendar"]);
    await consentAndStore(as, tokens, key(calendar), ["calendar.read"]);
    expect(await invoke(toolNamed(tools, "connect_calendar"), "call-2")).toMatch(/list_events/);
    const after = await client.getTools();
    expect(after.map((tool) => tool.name)).toEqual(["list_events"]);
    // The remembered tool list now describes the stand-in, should the server challenge again.
  });

  it("fails the next tool call with the 401 challenge once the token is revoked", async () => {
    const { client, tokens, of, key } = setUp({ files });
    const granted = await consentAndStore(as, tokens, key(files), ["files.read"]);
    const tools = await client.getTools();
    expect(await invoke(toolNamed(tools, "list_files"), "call-ok")).toBe("notes.txt");

    // Revoking the refresh token revokes the whole grant (RFC 7009 §2.1).
    expect(await as.revokeToken(granted.refreshToken ?? granted.accessToken)).toBe(true);
    const error = await rejection(invoke(toolNamed(tools, "list_files"), "call-revoked"));
    expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
    if (!isAuthbusError(error, "AUTH_CHALLENGE")) return;
    expect(error.status).toBe(401);
    expect(error.oauth?.error).toBe("invalid_token");
    expect(error.challenges[0]?.params.resource_metadata).toBe(files.resourceMetadataUrl);
    const event = of("challenge").find((challenge) => challenge.callId === "call-revoked");
    expect(event?.oauth?.error).toBe("invalid_token");
    expect(event?.tokenFingerprint).toBe(await fingerprintToken(granted.accessToken));
  });

  it("reports a refused refresh and still gives the caller the challenge", async () => {
    const tokens = new MemoryTokenStore();
    const { client, of, key } = setUp({ files }, { tokens, refresh: createTestRefresher(as, tokens) });
    const granted = await consentAndStore(as, tokens, key(files), ["files.read"]);
    const tools = await client.getTools();
    await as.revokeToken(granted.refreshToken as string);
    const error = await rejection(invoke(toolNamed(tools, "list_files"), "call-dead-grant"));
    expect(isAuthbusError(error, "AUTH_CHALLENGE") && error.status).toBe(401);
    expect((error as Error).cause).toMatchObject({ code: "TEST_REFRESH_FAILED" });
    expect(of("token.refresh_failed")).toMatchObject([{ serverName: "files", callId: "call-dead-grant" }]);
  });

  it("fails a tool lacking scope with 403 insufficient_scope and the scope the server asked for", async () => {
    const { client, tokens, key } = setUp({ files });
    await consentAndStore(as, tokens, key(files), ["files.read"]);
    const tools = await client.getTools();
    const error = await rejection(
      invoke(toolNamed(tools, "delete_file"), "call-delete", { name: "notes.txt" }),
    );
    expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
    if (!isAuthbusError(error, "AUTH_CHALLENGE")) return;
    expect(error.status).toBe(403);
    expect(error.oauth?.error).toBe("insufficient_scope");
    expect(error.oauth?.scope).toEqual(["files.write"]);
    expect(files.callCount("delete_file")).toBe(0);
  });

  it("reads DPoP + Bearer and upper-case challenges the same way", async () => {
    const { client, tokens, key } = setUp({ calendar, notes }, { onUnauthorized: "throw", subject: "bob" });
    const connectError = await rejection(client.getTools());
    expect(isAuthbusError(connectError, "AUTH_CHALLENGE")).toBe(true);
    if (!isAuthbusError(connectError, "AUTH_CHALLENGE")) return;
    expect(connectError.serverName).toBe("calendar");
    expect(connectError.challenges.map((challenge) => challenge.scheme)).toEqual(["dpop", "bearer"]);
    expect(connectError.oauth?.resourceMetadata).toBe(calendar.resourceMetadataUrl);

    await consentAndStore(as, tokens, key(calendar), ["calendar.read"]);
    const notesError = await rejection(client.getTools());
    expect(isAuthbusError(notesError, "AUTH_CHALLENGE") && notesError.serverName).toBe("notes");
    expect(isAuthbusError(notesError, "AUTH_CHALLENGE") && notesError.wwwAuthenticate).toMatch(/^BEARER /);
    expect(
      isAuthbusError(notesError, "AUTH_CHALLENGE") && notesError.challenges[0]?.params.resource_metadata,
    ).toBe(notes.resourceMetadataUrl);

    await consentAndStore(as, tokens, key(notes), ["notes.read"]);
    const tools = await client.getTools();
    const scopeError = await rejection(invoke(toolNamed(tools, "write_note"), "call-write"));
    expect(isAuthbusError(scopeError, "AUTH_CHALLENGE")).toBe(true);
    if (!isAuthbusError(scopeError, "AUTH_CHALLENGE")) return;
    expect(scopeError.status).toBe(403);
    expect(scopeError.oauth).toMatchObject({
      scheme: "bearer",
      error: "insufficient_scope",
      scope: ["notes.write"],
    });
  });

  it("refreshes once for 100 concurrent tool calls with an expired access token", async () => {
    const tokens = new MemoryTokenStore();
    const { client, of, events, key } = setUp(
      { files },
      { tokens, refresh: createTestRefresher(as, tokens) },
    );
    await consentAndStore(as, tokens, key(files), ["files.read"]);
    const listFiles = toolNamed(await client.getTools(), "list_files");
    files.resetCounters();
    as.expireAllTokens();
    as.resetStats();

    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => invoke(listFiles, `call-${i}`)));

    expect(results).toEqual(Array(100).fill("notes.txt"));
    expect(as.stats.refreshRequests).toBe(1);
    expect(as.stats.refreshFailures).toBe(0);
    expect(files.callCount("list_files")).toBe(100);
    expect(of("token.refreshed")).toHaveLength(1);
    expect(of("request.retried").length).toBeGreaterThanOrEqual(1);
    expect(of("request.retried").every((event) => event.callId?.startsWith("call-"))).toBe(true);
    for (const { type, payload } of events) expect(() => parseAuthEvent(type, payload)).not.toThrow();
  });

  it("coalesces with @authbus/oauth's createRefresher too, and does not echo its events", async () => {
    const tokens = new MemoryTokenStore();
    const bus = createAuthBus();
    const refresh = createRefresher({ tokens, bus, serverName: () => "files" });
    const { client, of, key } = setUp({ files }, { tokens, refresh, bus });
    await consentAndStore(as, tokens, key(files), ["files.read"]);
    const listFiles = toolNamed(await client.getTools(), "list_files");
    as.expireAllTokens();
    as.resetStats();

    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => invoke(listFiles, `call-${i}`)));

    expect(results).toEqual(Array(100).fill("notes.txt"));
    expect(as.stats.refreshRequests).toBe(1);
    expect(of("token.refreshing")).toHaveLength(1);
    expect(of("token.refreshed")).toHaveLength(1);
  });

  it("never sends a token to the wrong server", async () => {
    const { client, tokens, key } = setUp({ files, calendar });
    files.resetCounters();
    calendar.resetCounters();
    const filesToken = await consentAndStore(as, tokens, key(files), ["files.read"]);
    const calendarToken = await consentAndStore(as, tokens, key(calendar), ["calendar.read"]);
    const tools = await client.getTools();
    await Promise.all([
      invoke(toolNamed(tools, "list_files"), "call-f"),
      invoke(toolNamed(tools, "list_events"), "call-c"),
    ]);

    expect(files.foreignTokens()).toEqual([]);
    expect(calendar.foreignTokens()).toEqual([]);
    const filesPrints = new Set(files.receivedTokens.map((token) => token.fingerprint));
    const calendarPrints = new Set(calendar.receivedTokens.map((token) => token.fingerprint));
    expect([...filesPrints]).toEqual([await fingerprintToken(filesToken.accessToken)]);
    expect([...calendarPrints]).toEqual([await fingerprintToken(calendarToken.accessToken)]);
    // The authorization server's record: each token's audience is the server that received it.
    for (const issued of as.issuedAccessTokens) {
      if (issued.fingerprint && filesPrints.has(issued.fingerprint))
        expect(issued.audience).toEqual([files.resource]);
      if (issued.fingerprint && calendarPrints.has(issued.fingerprint)) {
        expect(issued.audience).toEqual([calendar.resource]);
      }
    }
  });

  it("tells parallel calls' challenges apart by callId", async () => {
    const { client, tokens, of, key } = setUp({ files });
    await consentAndStore(as, tokens, key(files), ["files.read"]);
    const tools = await client.getTools();
    const results = await Promise.allSettled([
      invoke(toolNamed(tools, "delete_file"), "call-a", { name: "a" }),
      invoke(toolNamed(tools, "delete_file"), "call-b", { name: "b" }),
      invoke(toolNamed(tools, "list_files"), "call-c"),
    ]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    expect(
      of("challenge")
        .map((event) => event.callId)
        .sort(),
    ).toEqual(["call-a", "call-b"]);
  });
});
