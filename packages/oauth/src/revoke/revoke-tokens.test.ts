import {
  createAuthBus,
  isAuthbusError,
  MemoryTokenStore,
  parseAuthEvent,
  type TokenSet,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { type RevokeTokensOptions, revokeTokens } from "./revoke-tokens.js";

const issuer = "https://as.test";
const key = { subject: "alice", resource: "https://mcp.test/mcp" };
const held: TokenSet = {
  accessToken: "at-secret-0001",
  refreshToken: "rt-secret-0001",
  tokenType: "Bearer",
  scopes: ["files.read"],
  issuer,
  clientId: "client-1",
};

type Revocation = "ok" | "hang" | "server_error" | "unsupported_access";

// An authorization server with (or without) a revocation endpoint, recording what it was sent.
function fakeServer(revocation: Revocation | "none" = "ok") {
  const sent: URLSearchParams[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (request.url === `${issuer}/.well-known/oauth-authorization-server`) {
      return Response.json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        code_challenge_methods_supported: ["S256"],
        ...(revocation === "none" ? {} : { revocation_endpoint: `${issuer}/revoke` }),
      });
    }
    if (request.url === `${issuer}/revoke` && request.method === "POST") {
      const form = new URLSearchParams(await request.text());
      sent.push(form);
      if (revocation === "hang") return new Promise<Response>(() => {});
      if (revocation === "server_error") return Response.json({ error: "server_error" }, { status: 503 });
      if (revocation === "unsupported_access" && form.get("token_type_hint") === "access_token") {
        return Response.json({ error: "unsupported_token_type" }, { status: 400 });
      }
      return new Response(null, { status: 200 });
    }
    return new Response("not found", { status: 404 });
  };
  return { fetch, sent };
}

async function setup(revocation: Revocation | "none" = "ok", extra: Partial<RevokeTokensOptions> = {}) {
  const server = fakeServer(revocation);
  const tokens = new MemoryTokenStore();
  await tokens.set(key, held);
  const bus = createAuthBus();
  const events = recordEvents(bus);
  const options: RevokeTokensOptions = {
    tokens,
    bus,
    fetch: server.fetch,
    serverName: () => "files",
    ...extra,
  };
  return { ...server, tokens, events, options };
}

describe("revokeTokens (RFC 7009)", () => {
  it("revokes the refresh token, then the access token, as the tokens' client, and deletes them", async () => {
    const { options, sent, tokens, events } = await setup();
    const result = await revokeTokens(key, options);
    expect(result).toEqual({ held: true, server: "revoked", revoked: ["refresh_token", "access_token"] });
    expect(
      sent.map((form) => [form.get("token"), form.get("token_type_hint"), form.get("client_id")]),
    ).toEqual([
      [held.refreshToken, "refresh_token", "client-1"],
      [held.accessToken, "access_token", "client-1"],
    ]);
    expect(await tokens.get(key)).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(["token.revoked"]);
    const payload = parseAuthEvent("token.revoked", events[0]?.payload);
    expect(payload).toMatchObject({ serverName: "files", subject: "alice", server: "revoked" });
    expect(payload.tokenFingerprint).toMatch(/^fp_/);
    expect(leakedSecrets(events, [held.accessToken, held.refreshToken ?? ""])).toEqual([]);
  });

  it("deletes locally and reports it when the server never answers (timeoutMs)", async () => {
    const { options, sent, tokens, events } = await setup("hang", { timeoutMs: 30 });
    const result = await revokeTokens(key, options);
    expect(result.server).toBe("failed");
    expect(result.revoked).toEqual([]);
    expect(isAuthbusError(result.error, "REVOCATION_FAILED")).toBe(true);
    expect(isAuthbusError(result.error?.cause, "REQUEST_TIMEOUT")).toBe(true);
    expect(sent).toHaveLength(1); // an unreachable server is not asked again
    expect(await tokens.get(key)).toBeUndefined();
    expect(parseAuthEvent("token.revoked", events[0]?.payload)).toMatchObject({
      server: "failed",
      error: { code: "REVOCATION_FAILED" },
    });
    expect(String(result.error)).not.toContain(held.refreshToken);
  });

  it("deletes locally when the server cannot be reached at all", async () => {
    const { options, tokens } = await setup("ok", {
      fetch: async () => Promise.reject(new TypeError("fetch failed")),
    });
    const result = await revokeTokens(key, options);
    expect(result).toMatchObject({ held: true, server: "failed", revoked: [] });
    expect(await tokens.get(key)).toBeUndefined();
  });

  it("stops at a failing server, but tries the other token after an OAuth error response", async () => {
    const refused = await setup("server_error");
    expect(await revokeTokens(key, refused.options)).toMatchObject({ server: "failed", revoked: [] });
    expect(refused.sent).toHaveLength(1);
  });

  it("counts an access token the server cannot revoke (unsupported_token_type, RFC 7009 §2.2.1) as not revoked, not failed", async () => {
    const partial = await setup("unsupported_access");
    const result = await revokeTokens(key, partial.options);
    expect(result).toEqual({ held: true, server: "revoked", revoked: ["refresh_token"] });
    expect(partial.sent).toHaveLength(2);
  });

  it("only deletes when the server advertises no revocation_endpoint", async () => {
    const { options, sent, tokens } = await setup("none");
    expect(await revokeTokens(key, options)).toEqual({ held: true, server: "unsupported", revoked: [] });
    expect(sent).toEqual([]);
    expect(await tokens.get(key)).toBeUndefined();
  });

  it("does nothing (and emits nothing) when no tokens are held", async () => {
    const { options, sent, events } = await setup();
    await options.tokens.delete(key);
    expect(await revokeTokens(key, options)).toEqual({ held: false, server: "skipped", revoked: [] });
    expect(sent).toEqual([]);
    expect(events).toEqual([]);
  });

  it("forgets a stored value it cannot read, reporting why nothing was sent", async () => {
    const { options, sent } = await setup();
    let deleted = false;
    const broken = {
      get: async () => {
        throw Object.assign(new Error("the stored value in authbus_tokens does not verify"), {
          name: "StoreCorruptError",
          code: "STORE_CORRUPT",
        });
      },
      set: async () => {},
      delete: async () => {
        deleted = true;
      },
    };
    const result = await revokeTokens(key, { ...options, tokens: broken });
    expect(result).toMatchObject({ held: true, server: "skipped", error: { code: "STORE_CORRUPT" } });
    expect(deleted).toBe(true);
    expect(sent).toEqual([]);
  });
});
