import {
  type AuthEventName,
  type AuthEvents,
  createAuthBus,
  isAuthbusError,
  MemoryTokenStore,
  parseAuthEvent,
  type TokenSet,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { runWithCallId } from "../call-context/call-id.js";
import { authFetch } from "./auth-fetch.js";

const RESOURCE = "https://mcp.example.com/mcp";
const METADATA = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const subject = "alice";
const key = { subject, resource: RESOURCE };

type Handler = (request: Request) => Response | Promise<Response>;

/** A fetch backed by an in-test handler that records every request it was sent. */
function createServer(handler: Handler) {
  const requests: Request[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    requests.push(request.clone());
    return handler(request);
  };
  return { fetch, requests };
}

function tokenSet(accessToken: string, extra: Partial<TokenSet> = {}): TokenSet {
  return { accessToken, tokenType: "Bearer", scopes: ["files.read"], ...extra };
}

function recordEvents() {
  const bus = createAuthBus();
  const events: { type: AuthEventName; payload: unknown }[] = [];
  bus.on("*", (type, payload) => {
    events.push({ type, payload });
  });
  const of = <K extends AuthEventName>(type: K): AuthEvents[K][] =>
    events.filter((event) => event.type === type).map((event) => event.payload as AuthEvents[K]);
  return { bus, events, of };
}

const unauthorized = (wwwAuthenticate: string, status = 401): Response =>
  new Response("unauthorized", { status, headers: { "www-authenticate": wwwAuthenticate } });

/** A resource server that accepts exactly the access tokens in `valid`. */
function protectedHandler(valid: Set<string>): Handler {
  return async (request) => {
    const authorization = request.headers.get("authorization");
    if (authorization === null) return unauthorized(`Bearer resource_metadata="${METADATA}"`);
    const token = authorization.replace(/^Bearer /, "");
    if (!valid.has(token)) {
      return unauthorized(
        `Bearer error="invalid_token", error_description="expired", resource_metadata="${METADATA}"`,
      );
    }
    const body = request.body ? await request.text() : "";
    return new Response(JSON.stringify({ ok: true, echo: body }), {
      headers: { "content-type": "application/json" },
    });
  };
}

describe("authFetch", () => {
  it("sends the stored token to the resource's origin only", async () => {
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1"));
    const server = createServer(() => new Response("ok"));
    const { bus } = recordEvents();
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus,
      fetch: server.fetch,
    });

    await fetch(RESOURCE, { method: "POST", body: "{}" });
    await fetch("https://mcp.example.com/other/path");
    await fetch("https://evil.example.com/mcp", { headers: { Authorization: "Bearer at-1" } });
    await fetch("http://mcp.example.com/mcp");

    expect(server.requests.map((request) => request.headers.get("authorization"))).toEqual([
      "Bearer at-1",
      "Bearer at-1",
      null,
      null,
    ]);
  });

  it("sends no Authorization when no token is stored, and leaves the caller's headers", async () => {
    const server = createServer(() => new Response("ok"));
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens: new MemoryTokenStore(),
      bus: createAuthBus(),
      fetch: server.fetch,
    });
    await fetch(new URL(RESOURCE), { headers: { "mcp-session-id": "s1" } });
    expect(server.requests[0]?.headers.get("authorization")).toBeNull();
    expect(server.requests[0]?.headers.get("mcp-session-id")).toBe("s1");
  });

  it("rejects a 401 with an AuthChallengeError and emits the same challenge", async () => {
    const server = createServer(protectedHandler(new Set()));
    const { bus, of } = recordEvents();
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens: new MemoryTokenStore(),
      bus,
      fetch: server.fetch,
    });

    const error = await fetch(`${RESOURCE}?session=secret`, { method: "POST", body: "{}" }).catch(
      (e: unknown) => e,
    );

    expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
    if (!isAuthbusError(error, "AUTH_CHALLENGE")) return;
    expect(error.status).toBe(401);
    expect(error.serverName).toBe("files");
    expect(error.url).toBe(RESOURCE);
    expect(error.wwwAuthenticate).toBe(`Bearer resource_metadata="${METADATA}"`);
    expect(error.challenges[0]?.params.resource_metadata).toBe(METADATA);
    expect(error.headers.get("www-authenticate")).toBe(error.wwwAuthenticate);
    const [challenge] = of("challenge");
    expect(challenge).toMatchObject({
      serverName: "files",
      resource: RESOURCE,
      subject,
      status: 401,
      method: "POST",
      url: RESOURCE,
      wwwAuthenticate: error.wwwAuthenticate,
      challenges: error.challenges,
    });
    expect(challenge?.callId).toBeUndefined();
    expect(() => parseAuthEvent("challenge", challenge)).not.toThrow();
  });

  it("tags each event with the callId of the tool call it came from", async () => {
    const server = createServer(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, request.url.endsWith("slow") ? 20 : 1));
      return unauthorized('Bearer error="invalid_token"');
    });
    const { bus, of } = recordEvents();
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens: new MemoryTokenStore(),
      bus,
      fetch: server.fetch,
    });
    await Promise.allSettled([
      runWithCallId("call-slow", () => fetch(`${RESOURCE}/slow`)),
      runWithCallId("call-fast", () => fetch(`${RESOURCE}/fast`)),
    ]);
    const challenges = of("challenge");
    expect(challenges.map((event) => [event.callId, event.url])).toEqual([
      ["call-fast", `${RESOURCE}/fast`],
      ["call-slow", `${RESOURCE}/slow`],
    ]);
  });

  it("still emits the challenge when the header does not parse", async () => {
    const raw = 'Bearer realm="unterminated';
    const server = createServer(() => unauthorized(raw));
    const { bus, of } = recordEvents();
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens: new MemoryTokenStore(),
      bus,
      fetch: server.fetch,
    });
    const error = await fetch(RESOURCE).catch((e: unknown) => e);
    expect(isAuthbusError(error, "AUTH_CHALLENGE") && error.challenges).toEqual([]);
    const [challenge] = of("challenge");
    expect(challenge?.wwwAuthenticate).toBe(raw);
    expect(challenge?.challenges).toEqual([]);
    expect(challenge?.parseError?.position).toBeTypeOf("number");
    expect(challenge?.parseError?.message).toMatch(/quot/i);
  });

  it("reads DPoP + Bearer challenges with upper-case names like any other", async () => {
    const header = `DPoP algs="ES256", BEARER ERROR="insufficient_scope", SCOPE="files.write", RESOURCE_METADATA="${METADATA}"`;
    const server = createServer(() => unauthorized(header, 403));
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1", { refreshToken: "rt-1" }));
    let refreshes = 0;
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      refresh: async () => {
        refreshes++;
        return tokenSet("at-2");
      },
      fetch: server.fetch,
    });
    const error = await fetch(RESOURCE).catch((e: unknown) => e);
    expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
    if (!isAuthbusError(error, "AUTH_CHALLENGE")) return;
    expect(error.status).toBe(403);
    expect(error.challenges.map((challenge) => challenge.scheme)).toEqual(["dpop", "bearer"]);
    expect(error.oauth).toMatchObject({
      scheme: "bearer",
      error: "insufficient_scope",
      scope: ["files.write"],
    });
    expect(error.oauth?.resourceMetadata).toBe(METADATA);
    expect(refreshes).toBe(0);
  });

  it("passes a 403 without WWW-Authenticate through: it is the application's answer", async () => {
    const server = createServer(() => new Response("forbidden", { status: 403 }));
    const { bus, events } = recordEvents();
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens: new MemoryTokenStore(),
      bus,
      fetch: server.fetch,
    });
    const response = await fetch(RESOURCE);
    expect(response.status).toBe(403);
    expect(events).toEqual([]);
  });

  it("refreshes once for many concurrent invalid_token answers and replays each request", async () => {
    const valid = new Set(["at-2"]);
    const server = createServer(protectedHandler(valid));
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1", { refreshToken: "rt-1" }));
    const { bus, of, events } = recordEvents();
    let refreshes = 0;
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus,
      refresh: async (refreshKey) => {
        refreshes++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        const next = tokenSet("at-2", { refreshToken: "rt-2", expiresAt: Date.now() + 60_000 });
        await tokens.set(refreshKey, next);
        return next;
      },
      fetch: server.fetch,
    });

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        runWithCallId(`call-${i}`, () => fetch(RESOURCE, { method: "POST", body: `{"n":${i}}` })),
      ),
    );

    expect(refreshes).toBe(1);
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    const bodies = await Promise.all(responses.map((response) => response.json()));
    expect(bodies.map((body) => body.echo)).toEqual(Array.from({ length: 50 }, (_, i) => `{"n":${i}}`));
    expect(of("token.refreshing")).toHaveLength(1);
    expect(of("token.refreshed")).toHaveLength(1);
    expect(of("request.retried")).toHaveLength(50);
    expect(new Set(of("request.retried").map((event) => event.callId)).size).toBe(50);
    const [refreshed] = of("token.refreshed");
    expect(refreshed?.tokenFingerprint).not.toBe(refreshed?.previousFingerprint);
    for (const { type, payload } of events) expect(() => parseAuthEvent(type, payload)).not.toThrow();
    expect(JSON.stringify(events)).not.toMatch(/at-1|at-2|rt-1|rt-2/);
  });

  it("uses tokens stored meanwhile by another caller instead of refreshing again", async () => {
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1", { refreshToken: "rt-1" }));
    // The server answers only after the store has changed: a late 401 for the old token.
    const server = createServer(async (request) => {
      if (request.headers.get("authorization") === "Bearer at-1") {
        await tokens.set(key, tokenSet("at-2", { refreshToken: "rt-2" }));
        return unauthorized('Bearer error="invalid_token"');
      }
      return new Response("ok");
    });
    let refreshes = 0;
    const { bus, of } = recordEvents();
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus,
      refresh: async () => {
        refreshes++;
        throw new Error("must not refresh");
      },
      fetch: server.fetch,
    });
    const response = await fetch(RESOURCE);
    expect(response.status).toBe(200);
    expect(refreshes).toBe(0);
    expect(of("request.retried")).toHaveLength(1);
    expect(server.requests.map((request) => request.headers.get("authorization"))).toEqual([
      "Bearer at-1",
      "Bearer at-2",
    ]);
  });

  it("gives up after one replay: a second 401 reaches the caller", async () => {
    const server = createServer(protectedHandler(new Set()));
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1", { refreshToken: "rt-1" }));
    let refreshes = 0;
    const { bus, of } = recordEvents();
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus,
      refresh: async (refreshKey) => {
        refreshes++;
        const next = tokenSet(`at-${refreshes + 1}`, { refreshToken: "rt-2" });
        await tokens.set(refreshKey, next);
        return next;
      },
      fetch: server.fetch,
    });
    const error = await fetch(RESOURCE).catch((e: unknown) => e);
    expect(isAuthbusError(error, "AUTH_CHALLENGE") && error.oauth?.error).toBe("invalid_token");
    expect(refreshes).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(of("challenge")).toHaveLength(2);
  });

  it("reports a failed refresh and rejects with the challenge, the refresh error as cause", async () => {
    const server = createServer(protectedHandler(new Set()));
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1", { refreshToken: "rt-1" }));
    const { bus, of } = recordEvents();
    const refreshError = Object.assign(new Error("invalid_grant: refresh token revoked"), {
      code: "OAUTH_REFRESH",
    });
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus,
      refresh: async () => {
        throw refreshError;
      },
      fetch: server.fetch,
    });
    const errors = await Promise.all(
      [fetch(RESOURCE), fetch(RESOURCE)].map((p) => p.catch((e: unknown) => e)),
    );
    for (const error of errors) {
      expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
      expect((error as Error).cause).toBe(refreshError);
      expect((error as { status?: number }).status).toBe(401);
    }
    expect(of("token.refresh_failed")).toEqual([
      {
        serverName: "files",
        resource: RESOURCE,
        subject,
        error: { code: "OAUTH_REFRESH", message: refreshError.message },
      },
    ]);
  });

  it("does not refresh when the challenge asks for a scope the token lacks, or without a refresh token", async () => {
    const server = createServer(() =>
      unauthorized('Bearer error="invalid_token", scope="files.read files.admin"'),
    );
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1", { refreshToken: "rt-1" }));
    let refreshes = 0;
    const refresh = async (): Promise<TokenSet> => {
      refreshes++;
      return tokenSet("at-2");
    };
    const bus = createAuthBus();
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus,
      refresh,
      fetch: server.fetch,
    });
    await expect(fetch(RESOURCE)).rejects.toMatchObject({ name: "AuthChallengeError", status: 401 });

    const plain = createServer(protectedHandler(new Set()));
    await tokens.set(key, tokenSet("at-1"));
    const fetchPlain = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus,
      refresh,
      fetch: plain.fetch,
    });
    await expect(fetchPlain(RESOURCE)).rejects.toMatchObject({ name: "AuthChallengeError", status: 401 });
    expect(refreshes).toBe(0);
  });

  it("buffers a stream body so the replay sends the same bytes", async () => {
    const server = createServer(protectedHandler(new Set(["at-2"])));
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1", { refreshToken: "rt-1" }));
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      refresh: async (refreshKey) => {
        const next = tokenSet("at-2");
        await tokens.set(refreshKey, next);
        return next;
      },
      fetch: server.fetch,
    });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"streamed":'));
        controller.enqueue(new TextEncoder().encode("true}"));
        controller.close();
      },
    });
    const init = { method: "POST", body, duplex: "half" } as RequestInit;
    const response = await fetch(RESOURCE, init);
    expect(await response.json()).toEqual({ ok: true, echo: '{"streamed":true}' });

    const fromRequest = await fetch(new Request(RESOURCE, { method: "POST", body: "from a Request" }));
    expect(await fromRequest.json()).toEqual({ ok: true, echo: "from a Request" });
  });

  it("follows redirects itself; the token follows only inside the resource's path on its origin", async () => {
    const server = createServer((request) => {
      const url = new URL(request.url);
      if (url.host === "mcp.example.com" && url.pathname === "/mcp")
        return Response.redirect("https://mcp.example.com/mcp/v2", 307);
      // Another server behind the same gateway: same origin, not this resource.
      if (url.pathname === "/mcp/v2") return Response.redirect("https://mcp.example.com/files/mcp", 307);
      if (url.pathname === "/files/mcp")
        return Response.redirect("https://elsewhere.example.net/landing", 302);
      return new Response("landed");
    });
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("at-1"));
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      fetch: server.fetch,
    });
    const response = await fetch(RESOURCE, { method: "POST", body: "{}" });
    expect(await response.text()).toBe("landed");
    expect(
      server.requests.map((request) => [request.url, request.method, request.headers.get("authorization")]),
    ).toEqual([
      [RESOURCE, "POST", "Bearer at-1"],
      ["https://mcp.example.com/mcp/v2", "POST", "Bearer at-1"],
      ["https://mcp.example.com/files/mcp", "POST", null],
      ["https://elsewhere.example.net/landing", "GET", null],
    ]);

    const manual = await fetch(RESOURCE, { redirect: "manual" });
    expect(manual.status).toBe(307);
  });

  it("never puts a token in an error message or its JSON", async () => {
    const server = createServer(protectedHandler(new Set()));
    const tokens = new MemoryTokenStore();
    await tokens.set(key, tokenSet("secret-access-token"));
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      fetch: server.fetch,
    });
    const error = await fetch(RESOURCE).catch((e: unknown) => e);
    expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain("secret-access-token");
  });
});
