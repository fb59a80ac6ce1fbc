import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fingerprintToken, isAuthbusError, parseWWWAuthenticate } from "@authbus/core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ACR_BASIC, ACR_MFA, type AuthServer, startAuthServer } from "../auth-server/start-auth-server.js";
import { obtainTokens } from "../testing/oauth-flow.test-helpers.js";
import {
  type ProtectedMCPServer,
  type ProtectedToolSpec,
  startProtectedMCPServer,
} from "./start-protected-mcp-server.js";

const TOOLS: ProtectedToolSpec[] = [
  {
    name: "read_notes",
    description: "Read notes",
    scopes: ["notes.read"],
    handler: (_args, context) => `notes for ${context.subject}`,
  },
  {
    name: "write_note",
    scopes: ["notes.read", "notes.write"],
    inputSchema: { text: z.string() },
    handler: (args) => ({ saved: args.text }),
  },
  { name: "wipe_notes", scopes: ["notes.write"], requiresAcr: ACR_MFA },
];

let as: AuthServer;
let notes: ProtectedMCPServer;
let other: ProtectedMCPServer;

beforeAll(async () => {
  as = await startAuthServer({ accessTokenTTL: 60 });
  [notes, other] = await Promise.all([
    startProtectedMCPServer({ name: "notes", authServer: as, tools: TOOLS }),
    startProtectedMCPServer({
      name: "other",
      authServer: as,
      tools: [{ name: "ping", scopes: ["other.use"], handler: () => "pong" }],
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([notes.close(), other.close()]);
  await as.close();
});

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};

function post(
  url: string,
  body: unknown,
  token?: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extra,
    },
    body: JSON.stringify(body),
  });
}

function toolCall(name: string, args: Record<string, unknown> = {}, id = 2) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } };
}

async function tokenFor(
  server: ProtectedMCPServer,
  scope: string,
  extra: { user?: string; acr?: string; acrValues?: string } = {},
) {
  return (await obtainTokens(as, { resource: server.url, scope, ...extra })).access_token;
}

async function connect(server: ProtectedMCPServer, token: string, kind: "streamable" | "sse" = "streamable") {
  const client = new Client({ name: "testkit-test", version: "0.0.0" });
  const requestInit = { headers: { Authorization: `Bearer ${token}` } };
  const transport =
    kind === "sse"
      ? new SSEClientTransport(new URL(server.sseUrl), { requestInit })
      : new StreamableHTTPClientTransport(new URL(server.url), { requestInit });
  await client.connect(transport);
  return client;
}

describe("protected resource metadata (RFC 9728)", () => {
  it("is served at the path-inserted and the root well-known URLs", async () => {
    expect(notes.resourceMetadataUrl).toBe(`${notes.origin}/.well-known/oauth-protected-resource/mcp`);
    for (const url of [notes.resourceMetadataUrl, notes.rootResourceMetadataUrl]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toEqual({
        resource: notes.url,
        authorization_servers: [as.issuer],
        scopes_supported: ["notes.read", "notes.write"],
        bearer_methods_supported: ["header"],
        resource_name: "notes",
      });
    }
  });

  it("matches what the authorization server knows of the resource", () => {
    expect(notes.url).toBe(`${notes.origin}/mcp`);
    expect(as.resourceScopes(notes.url)).toEqual(["notes.read", "notes.write"]);
  });

  it("can publish a wrong resource, for clients' §3.3 check", async () => {
    await using wrong = await startProtectedMCPServer({
      name: "liar",
      authServer: as,
      metadataResource: "https://attacker.example/mcp",
      tools: [{ name: "t", scopes: ["liar.use"] }],
    });
    const metadata = (await (await fetch(wrong.resourceMetadataUrl)).json()) as { resource: string };
    expect(metadata.resource).toBe("https://attacker.example/mcp");
  });
});

describe("401 and 403 answers", () => {
  it("no token: 401 with resource_metadata and no error code, before initialize runs", async () => {
    const response = await post(notes.url, INITIALIZE);
    expect(response.status).toBe(401);
    const header = response.headers.get("www-authenticate") ?? "";
    expect(header).toBe(`Bearer resource_metadata="${notes.resourceMetadataUrl}"`);
    expect(parseWWWAuthenticate(header)).toEqual([
      { scheme: "bearer", params: { resource_metadata: notes.resourceMetadataUrl } },
    ]);
  });

  it("initialScope names scopes in the no-token 401", async () => {
    await using scoped = await startProtectedMCPServer({
      name: "scoped",
      authServer: as,
      initialScope: ["scoped.read"],
      tools: [{ name: "t", scopes: ["scoped.read", "scoped.write"] }],
    });
    const response = await post(scoped.url, INITIALIZE);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer scope="scoped.read", resource_metadata="${scoped.resourceMetadataUrl}"`,
    );
  });

  it("no token on the SSE GET and on the messages POST: the same 401", async () => {
    for (const response of [
      await fetch(notes.sseUrl, { headers: { accept: "text/event-stream" } }),
      await post(`${notes.messagesUrl}?sessionId=x`, INITIALIZE),
    ]) {
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        `Bearer resource_metadata="${notes.resourceMetadataUrl}"`,
      );
    }
  });

  it("another scheme counts as no token; a malformed bearer token is 400 invalid_request", async () => {
    const basic = await post(notes.url, INITIALIZE, undefined, { authorization: "Basic dTpw" });
    expect(basic.status).toBe(401);
    expect(basic.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${notes.resourceMetadataUrl}"`,
    );
    const malformed = await post(notes.url, INITIALIZE, undefined, { authorization: "Bearer a b" });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("www-authenticate")).toBe(
      `Bearer error="invalid_request", resource_metadata="${notes.resourceMetadataUrl}"`,
    );
  });

  it("bad token: 401 invalid_token", async () => {
    const response = await post(notes.url, INITIALIZE, "eyJhbGciOiJFUzI1NiJ9.e30.c2ln");
    expect(response.status).toBe(401);
    const header = response.headers.get("www-authenticate") ?? "";
    expect(header).toBe(`Bearer error="invalid_token", resource_metadata="${notes.resourceMetadataUrl}"`);
    expect(parseWWWAuthenticate(header)[0]?.params).toEqual({
      error: "invalid_token",
      resource_metadata: notes.resourceMetadataUrl,
    });
  });

  it("a token for another resource is rejected (audience) and recorded as foreign", async () => {
    const otherToken = await tokenFor(other, "other.use");
    const response = await post(notes.url, INITIALIZE, otherToken);
    expect(response.status).toBe(401);
    expect(parseWWWAuthenticate(response.headers.get("www-authenticate") ?? "")[0]?.params.error).toBe(
      "invalid_token",
    );
    const foreign = notes.foreignTokens();
    expect(foreign.at(-1)).toMatchObject({ audience: [other.url], accepted: false });
    expect(JSON.stringify(notes.receivedTokens)).not.toContain(otherToken);
  });

  it("an expired token is rejected with invalid_token", async () => {
    await using shortLived = await startProtectedMCPServer({
      name: "short",
      authServer: as,
      accessTokenTTL: 1,
      tools: [{ name: "t", scopes: ["short.use"] }],
    });
    const token = await tokenFor(shortLived, "short.use");
    // Nothing but the clock is wrong with this token: right audience, still active at the server.
    expect(decodeJwt(token)).toMatchObject({ aud: shortLived.url, iss: as.issuer });
    expect(as.tokenStatus(String(decodeJwt(token).jti))).toEqual({ active: true });
    const exp = Number(decodeJwt(token).exp);
    expect(exp - Number(decodeJwt(token).iat)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 1100));
    const response = await post(shortLived.url, INITIALIZE, token);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer error="invalid_token", resource_metadata="${shortLived.resourceMetadataUrl}"`,
    );
  });

  it("a tools/call without the tool's scopes: 403 insufficient_scope naming every scope the tool needs", async () => {
    const token = await tokenFor(notes, "notes.read");
    const client = await connect(notes, token);
    try {
      expect((await client.callTool({ name: "read_notes" })).content).toEqual([
        { type: "text", text: "notes for alice" },
      ]);
      const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId ?? "";
      const response = await post(notes.url, toolCall("write_note", { text: "x" }), token, {
        "mcp-session-id": sessionId,
        "mcp-protocol-version": "2025-11-25",
      });
      expect(response.status).toBe(403);
      const header = response.headers.get("www-authenticate") ?? "";
      expect(header).toBe(
        `Bearer error="insufficient_scope", scope="notes.read notes.write", resource_metadata="${notes.resourceMetadataUrl}"`,
      );
      expect(parseWWWAuthenticate(header)[0]?.params).toEqual({
        error: "insufficient_scope",
        scope: "notes.read notes.write",
        resource_metadata: notes.resourceMetadataUrl,
      });
      expect(notes.callCount("write_note")).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("a tool that needs a stronger login: 401 insufficient_user_authentication with acr_values", async () => {
    const basic = await tokenFor(notes, "notes.read notes.write", { acr: ACR_BASIC });
    const client = await connect(notes, basic);
    try {
      const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId ?? "";
      const response = await post(notes.url, toolCall("wipe_notes"), basic, { "mcp-session-id": sessionId });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        `Bearer error="insufficient_user_authentication", acr_values="${ACR_MFA}", resource_metadata="${notes.resourceMetadataUrl}"`,
      );
    } finally {
      await client.close();
    }
    const strong = await tokenFor(notes, "openid notes.write", { acrValues: ACR_MFA });
    const before = notes.callCount("wipe_notes");
    const client2 = await connect(notes, strong);
    try {
      const result = await client2.callTool({ name: "wipe_notes" });
      expect(result.isError).toBeFalsy();
      expect(notes.callCount("wipe_notes")).toBe(before + 1);
    } finally {
      await client2.close();
    }
  });
});

describe("MCP over streamable HTTP and SSE with a bearer token", () => {
  it("lists and calls tools over streamable HTTP, counting each executed call once", async () => {
    const token = await tokenFor(notes, "notes.read notes.write", { user: "gina" });
    const client = await connect(notes, token);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["read_notes", "write_note", "wipe_notes"]);
      const before = notes.callCount("write_note");
      const result = await client.callTool({ name: "write_note", arguments: { text: "hello" } });
      expect(result.structuredContent).toEqual({ saved: "hello" });
      expect(notes.callCount("write_note")).toBe(before + 1);
      expect(notes.calls.get("write_note")).toBe(before + 1);
    } finally {
      await client.close();
    }
  });

  it("works over the legacy SSE transport, with the same scope check", async () => {
    const token = await tokenFor(notes, "notes.read", { user: "hank" });
    const client = await connect(notes, token, "sse");
    try {
      expect(notes.openSessions).toBeGreaterThan(0);
      const result = await client.callTool({ name: "read_notes" });
      expect(result.content).toEqual([{ type: "text", text: "notes for hank" }]);
      const denied = await client
        .callTool({ name: "write_note", arguments: { text: "x" } })
        .catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(Error);
    } finally {
      await client.close();
    }
    const sessionId = "unknown-session";
    const response = await post(`${notes.messagesUrl}?sessionId=${sessionId}`, toolCall("read_notes"), token);
    expect(response.status).toBe(404);
  });

  it("answers an SSE POST that lacks scope with 403 before the message reaches the server", async () => {
    const token = await tokenFor(notes, "notes.read");
    const sse = await fetch(notes.sseUrl, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
    });
    expect(sse.status).toBe(200);
    const reader = sse.body?.getReader();
    const first = new TextDecoder().decode((await reader?.read())?.value);
    const endpoint = /data: (\S+)/.exec(first)?.[1] ?? "";
    expect(endpoint).toContain("/mcp/messages?sessionId=");
    const response = await post(
      new URL(endpoint, notes.origin).href,
      toolCall("write_note", { text: "x" }),
      token,
    );
    expect(response.status).toBe(403);
    expect(parseWWWAuthenticate(response.headers.get("www-authenticate") ?? "")[0]?.params.scope).toBe(
      "notes.read notes.write",
    );
    await reader?.cancel();
  });

  it("rejects a revoked token and tokens issued before expireAllTokens with invalid_token", async () => {
    const token = await tokenFor(notes, "notes.read");
    expect((await post(notes.url, INITIALIZE, token)).status).toBe(200);
    await as.revokeToken(token);
    const revoked = await post(notes.url, INITIALIZE, token);
    expect(revoked.status).toBe(401);
    expect(parseWWWAuthenticate(revoked.headers.get("www-authenticate") ?? "")[0]?.params.error).toBe(
      "invalid_token",
    );

    const token2 = await tokenFor(notes, "notes.read");
    expect((await post(notes.url, INITIALIZE, token2)).status).toBe(200);
    as.expireAllTokens();
    expect((await post(notes.url, INITIALIZE, token2)).status).toBe(401);
    const token3 = await tokenFor(notes, "notes.read");
    expect((await post(notes.url, INITIALIZE, token3)).status).toBe(200);
  });

  it("records every token it received by fingerprint, and none for another resource when used right", async () => {
    await using fresh = await startProtectedMCPServer({
      name: "fresh",
      authServer: as,
      tools: [{ name: "t", scopes: ["fresh.use"] }],
    });
    const token = await tokenFor(fresh, "fresh.use");
    const client = await connect(fresh, token);
    await client.callTool({ name: "t" });
    await client.close();
    expect(fresh.foreignTokens()).toEqual([]);
    expect(fresh.receivedTokens.length).toBeGreaterThan(0);
    expect(fresh.receivedTokens.every((t) => t.accepted && t.audience[0] === fresh.url)).toBe(true);
    expect(new Set(fresh.receivedTokens.map((t) => t.fingerprint)).size).toBe(1);
    const issued = as.issuedAccessTokens.find((t) => t.jti === decodeJwt(token).jti);
    expect(issued?.fingerprint).toBe(fresh.receivedTokens[0]?.fingerprint);
    expect(fresh.receivedTokens[0]?.fingerprint).toBe(await fingerprintToken(token));
  });
});

describe("header styles", () => {
  const styles = ["bare-tokens", "dpop-and-bearer", "uppercase", "extra-params"] as const;
  const servers = new Map<string, ProtectedMCPServer>();

  beforeAll(async () => {
    for (const headerStyle of styles) {
      servers.set(
        headerStyle,
        await startProtectedMCPServer({
          name: headerStyle,
          authServer: as,
          headerStyle,
          tools: [
            { name: "read", scopes: [`${headerStyle}.read`] },
            { name: "write", scopes: [`${headerStyle}.read`, `${headerStyle}.write`] },
          ],
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.close()));
  });

  it("bare-tokens: token values bare, the rest quoted (RFC 9110 §11.2 allows both)", async () => {
    const server = servers.get("bare-tokens") as ProtectedMCPServer;
    const token = await tokenFor(server, "bare-tokens.read");
    const init = await post(server.url, INITIALIZE, token);
    const sessionId = init.headers.get("mcp-session-id") ?? "";
    await init.body?.cancel();
    const forbidden = await post(server.url, toolCall("write"), token, { "mcp-session-id": sessionId });
    const header = forbidden.headers.get("www-authenticate") ?? "";
    expect(header).toBe(
      `Bearer error=insufficient_scope, scope="bare-tokens.read bare-tokens.write", resource_metadata="${server.resourceMetadataUrl}"`,
    );
    expect(parseWWWAuthenticate(header)[0]?.params.scope).toBe("bare-tokens.read bare-tokens.write");
  });

  it("dpop-and-bearer: a DPoP challenge, then the Bearer one", async () => {
    const server = servers.get("dpop-and-bearer") as ProtectedMCPServer;
    const none = await post(server.url, INITIALIZE);
    expect(none.headers.get("www-authenticate")).toBe(
      `DPoP algs="ES256 PS256", Bearer resource_metadata="${server.resourceMetadataUrl}"`,
    );
    const token = await tokenFor(server, "dpop-and-bearer.read");
    const init = await post(server.url, INITIALIZE, token);
    const sessionId = init.headers.get("mcp-session-id") ?? "";
    await init.body?.cancel();
    const forbidden = await post(server.url, toolCall("write"), token, { "mcp-session-id": sessionId });
    expect(forbidden.status).toBe(403);
    const challenges = parseWWWAuthenticate(forbidden.headers.get("www-authenticate") ?? "");
    expect(challenges.map((c) => c.scheme)).toEqual(["dpop", "bearer"]);
    expect(challenges[1]?.params).toEqual({
      error: "insufficient_scope",
      scope: "dpop-and-bearer.read dpop-and-bearer.write",
      resource_metadata: server.resourceMetadataUrl,
    });
  });

  it("uppercase: upper-case names, every value quoted", async () => {
    const server = servers.get("uppercase") as ProtectedMCPServer;
    const bad = await post(server.url, INITIALIZE, "bad.token.value");
    const header = bad.headers.get("www-authenticate") ?? "";
    expect(header).toBe(`BEARER ERROR="invalid_token", RESOURCE_METADATA="${server.resourceMetadataUrl}"`);
    expect(parseWWWAuthenticate(header)).toEqual([
      { scheme: "bearer", params: { error: "invalid_token", resource_metadata: server.resourceMetadataUrl } },
    ]);
  });

  it("extra-params: realm, a tricky error_description and unknown parameters", async () => {
    const server = servers.get("extra-params") as ProtectedMCPServer;
    const token = await tokenFor(server, "extra-params.read");
    const init = await post(server.url, INITIALIZE, token);
    const sessionId = init.headers.get("mcp-session-id") ?? "";
    await init.body?.cancel();
    const forbidden = await post(server.url, toolCall("write"), token, { "mcp-session-id": sessionId });
    expect(forbidden.status).toBe(403);
    const [bearer] = parseWWWAuthenticate(forbidden.headers.get("www-authenticate") ?? "");
    expect(bearer?.scheme).toBe("bearer");
    expect(bearer?.params).toMatchObject({
      realm: "authbus testkit",
      error: "insufficient_scope",
      scope: "extra-params.read extra-params.write",
      resource_metadata: server.resourceMetadataUrl,
      x_note: 'unknown params are ignored, even "quoted", scope="wrong"',
    });
    expect(bearer?.params.error_description).toContain("scope=");
  });
});

describe("authServer given as an issuer URL", () => {
  it("registers over HTTP and still sees revocations", async () => {
    await using remote = await startProtectedMCPServer({
      name: "remote",
      authServer: `${as.issuer}/`,
      tools: [{ name: "t", scopes: ["remote.use"], handler: () => "ok" }],
    });
    expect(as.resourceScopes(remote.url)).toEqual(["remote.use"]);
    const token = await tokenFor(remote, "remote.use");
    expect((await post(remote.url, INITIALIZE, token)).status).toBe(200);
    await as.revokeToken(token);
    expect((await post(remote.url, INITIALIZE, token)).status).toBe(401);
  });
});

describe("options", () => {
  it("rejects a tool with no scopes, duplicate tools and a bad path with typed errors", async () => {
    const attempts = await Promise.all([
      startProtectedMCPServer({ name: "x", authServer: as, tools: [{ name: "t", scopes: [] }] }).catch(
        (e: unknown) => e,
      ),
      startProtectedMCPServer({
        name: "x",
        authServer: as,
        tools: [
          { name: "t", scopes: ["a"] },
          { name: "t", scopes: ["b"] },
        ],
      }).catch((e: unknown) => e),
      startProtectedMCPServer({
        name: "x",
        authServer: as,
        path: "mcp/",
        tools: [{ name: "t", scopes: ["a"] }],
      }).catch((e: unknown) => e),
      startProtectedMCPServer({ name: "x", authServer: as, tools: [] }).catch((e: unknown) => e),
    ]);
    for (const error of attempts) {
      expect(isAuthbusError(error)).toBe(true);
      expect((error as { code: string }).code).toBe("TESTKIT_INVALID_OPTIONS");
    }
  });

  it("fails with TESTKIT_UNKNOWN_RESOURCE when the authorization server will not register it", async () => {
    // Serves discovery and JWKS like an authorization server, but has no testkit registration route.
    const foreign = createServer((req, res) => {
      if (req.url === "/.well-known/openid-configuration") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jwks_uri: `${origin}/jwks` }));
      } else if (req.url === "/jwks") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(as.jwks));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    try {
      const error = await startProtectedMCPServer({
        name: "x",
        authServer: origin,
        tools: [{ name: "t", scopes: ["a"] }],
      }).catch((e: unknown) => e);
      expect(isAuthbusError(error)).toBe(true);
      expect((error as { code: string }).code).toBe("TESTKIT_UNKNOWN_RESOURCE");
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  });

  it("fails with TESTKIT_INVALID_OPTIONS when the issuer's JWKS cannot be read", async () => {
    const error = await startProtectedMCPServer({
      name: "x",
      authServer: other.origin,
      tools: [{ name: "t", scopes: ["a"] }],
    }).catch((e: unknown) => e);
    expect(isAuthbusError(error)).toBe(true);
    expect((error as { code: string }).code).toBe("TESTKIT_INVALID_OPTIONS");
  });
});
