import {
  type AuthEventName,
  createAuthBus,
  isAuthbusError,
  MemoryTokenStore,
  type TokenKey,
  type TokenSet,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { authFetch, type ObtainTokens } from "./auth-fetch.js";

const RESOURCE = "https://mcp.example.com/mcp";
const METADATA = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const subject = "reporting-agent";
const key = { subject, resource: RESOURCE };

const challenge = (value: string, status = 401): Response =>
  new Response("denied", { status, headers: { "www-authenticate": value } });

/** A resource that wants a token holding `required` scopes; tokens are "at-<n>:<scope,scope>". */
function resourceServer(required: string[]) {
  const seen: (string | null)[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const authorization = request.headers.get("authorization");
    seen.push(authorization);
    if (authorization === null) return challenge(`Bearer resource_metadata="${METADATA}"`);
    const token = authorization.replace(/^Bearer /, "");
    if (token.startsWith("dead")) {
      return challenge(`Bearer error="invalid_token", resource_metadata="${METADATA}"`);
    }
    const held = token.split(":")[1]?.split(",") ?? [];
    if (!required.every((scope) => held.includes(scope))) {
      return challenge(
        `Bearer error="insufficient_scope", scope="${required.join(" ")}", resource_metadata="${METADATA}"`,
        403,
      );
    }
    return new Response(JSON.stringify({ ok: true }), { headers: { "content-type": "application/json" } });
  };
  return { fetch, seen };
}

/** A grant stand-in: records what it was asked, stores and returns a token for those scopes. */
function fakeObtain(tokens: MemoryTokenStore, fail?: Error) {
  const calls: { key: TokenKey; scopes: string[]; resourceMetadata?: string }[] = [];
  const obtain: ObtainTokens = async (k, options) => {
    calls.push({ key: k, ...options });
    if (fail) throw fail;
    const scopes = options.scopes.length > 0 ? options.scopes : ["default"];
    const set: TokenSet = {
      accessToken: `at-${calls.length}:${scopes.join(",")}`,
      tokenType: "Bearer",
      scopes,
    };
    await tokens.set(k, set);
    return set;
  };
  return { obtain, calls };
}

function recorded() {
  const bus = createAuthBus();
  const types: AuthEventName[] = [];
  bus.on("*", (type) => {
    types.push(type);
  });
  return { bus, types };
}

describe("authFetch with obtain (a service client)", () => {
  it("answers a 401 without a token by obtaining one and replaying the request once", async () => {
    const tokens = new MemoryTokenStore();
    const server = resourceServer([]);
    const { obtain, calls } = fakeObtain(tokens);
    const { bus, types } = recorded();
    const fetch = authFetch({
      serverName: "reports",
      resource: RESOURCE,
      subject,
      tokens,
      bus,
      obtain,
      fetch: server.fetch,
    });
    const response = await fetch(RESOURCE, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    expect(calls).toEqual([{ key, scopes: [], resourceMetadata: METADATA }]);
    expect(server.seen).toEqual([null, "Bearer at-1:default"]);
    expect(types).toEqual(["challenge", "request.retried"]);
    // The next request uses the stored token directly.
    await fetch(RESOURCE, { method: "POST", body: "{}" });
    expect(server.seen.at(-1)).toBe("Bearer at-1:default");
    expect(calls).toHaveLength(1);
  });

  it("answers a 403 insufficient_scope with the union of held and challenged scopes", async () => {
    const tokens = new MemoryTokenStore();
    await tokens.set(key, { accessToken: "at-0:files.read", tokenType: "Bearer", scopes: ["files.read"] });
    const server = resourceServer(["files.write"]);
    const { obtain, calls } = fakeObtain(tokens);
    const fetch = authFetch({
      serverName: "reports",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      obtain,
      fetch: server.fetch,
    });
    const response = await fetch(RESOURCE, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    expect(calls[0]?.scopes).toEqual(["files.read", "files.write"]);
    expect(server.seen.at(-1)).toBe("Bearer at-1:files.read,files.write");
  });

  it("answers invalid_token with a new grant when there is nothing to refresh", async () => {
    const tokens = new MemoryTokenStore();
    await tokens.set(key, { accessToken: "dead-token", tokenType: "Bearer", scopes: ["r"] });
    const server = resourceServer([]);
    const { obtain, calls } = fakeObtain(tokens);
    const fetch = authFetch({
      serverName: "reports",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      obtain,
      fetch: server.fetch,
      refresh: async () => {
        throw new Error("no refresh token");
      },
    });
    expect((await fetch(RESOURCE)).status).toBe(200);
    expect(calls).toEqual([{ key, scopes: ["r"], resourceMetadata: METADATA }]);
  });

  it("rejects with the challenge, the grant's error as cause, when the grant fails", async () => {
    const tokens = new MemoryTokenStore();
    const refused = Object.assign(new Error("the authorization server refused the grant (invalid_client)"), {
      name: "GrantError",
      code: "GRANT_FAILED",
    });
    const { obtain } = fakeObtain(tokens, refused);
    const server = resourceServer([]);
    const fetch = authFetch({
      serverName: "reports",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      obtain,
      fetch: server.fetch,
    });
    const error = await fetch(RESOURCE).catch((e: unknown) => e);
    expect(isAuthbusError(error, "AUTH_CHALLENGE")).toBe(true);
    expect(error).toMatchObject({ status: 401, serverName: "reports" });
    expect((error as Error).cause).toBe(refused);
    expect(server.seen).toEqual([null]);
  });

  it("replays once: a token the resource still refuses reaches the caller as the challenge", async () => {
    const tokens = new MemoryTokenStore();
    const server = resourceServer(["admin"]);
    const calls: string[][] = [];
    const obtain: ObtainTokens = async (k, options) => {
      calls.push(options.scopes);
      // The authorization server narrows the grant: "admin" is never granted.
      const set: TokenSet = { accessToken: "at-x:files.read", tokenType: "Bearer", scopes: ["files.read"] };
      await tokens.set(k, set);
      return set;
    };
    const fetch = authFetch({
      serverName: "reports",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      obtain,
      fetch: server.fetch,
    });
    const error = await fetch(RESOURCE).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AuthChallengeError", status: 403 });
    expect(calls).toEqual([[]]);
    expect(server.seen).toHaveLength(2);
  });

  it("leaves other challenges to the caller (a 401 invalid_request, a 403 without insufficient_scope)", async () => {
    const tokens = new MemoryTokenStore();
    const { obtain, calls } = fakeObtain(tokens);
    for (const answer of [
      () => challenge('Bearer error="invalid_request"'),
      () => challenge('Bearer error="access_denied"', 403),
    ]) {
      const fetch = authFetch({
        serverName: "reports",
        resource: RESOURCE,
        subject,
        tokens,
        bus: createAuthBus(),
        obtain,
        fetch: async () => answer(),
      });
      expect(isAuthbusError(await fetch(RESOURCE).catch((e: unknown) => e), "AUTH_CHALLENGE")).toBe(true);
    }
    expect(calls).toHaveLength(0);
  });

  it("keeps an interactive client (no obtain) as it was: insufficient_scope goes to the caller", async () => {
    const tokens = new MemoryTokenStore();
    await tokens.set(key, { accessToken: "at-0:files.read", tokenType: "Bearer", scopes: ["files.read"] });
    const server = resourceServer(["files.write"]);
    const fetch = authFetch({
      serverName: "reports",
      resource: RESOURCE,
      subject,
      tokens,
      bus: createAuthBus(),
      fetch: server.fetch,
    });
    expect(await fetch(RESOURCE).catch((e: unknown) => e)).toMatchObject({ status: 403 });
    expect(server.seen).toHaveLength(1);
  });
});
