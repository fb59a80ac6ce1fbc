import { generateKeyPairSync } from "node:crypto";
import { createAuthBus, isAuthbusError, MemoryTokenStore, type TokenSet } from "@authbus/core";
import {
  type AuthServer,
  JWT_BEARER_GRANT,
  type ProtectedMCPServer,
  startAuthServer,
  startProtectedMCPServer,
  TOKEN_EXCHANGE_GRANT,
} from "@authbus/testkit";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverAuthorizationServer } from "../discovery/discover-authorization-server.js";
import { leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { callTool } from "../testing/mcp-http.test-helpers.js";
import { createSigningKey, signJwt } from "../testing/sign-jwt.test-helpers.js";
import { createServiceTokens, type ServiceGrant } from "./create-service-tokens.js";

const WORKLOAD_ISSUER = "https://workload-identity.test";
const secret = "integration-service-secret-0123456789";
const clientKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
const workloadKey = createSigningKey("workload-key");
const redirectUri = "http://127.0.0.1:9/callback";

let idp: AuthServer;
let as: AuthServer;
let mcp: ProtectedMCPServer;

beforeAll(async () => {
  // The enterprise identity provider: signs users in, exchanges their ID tokens for ID-JAGs.
  idp = await startAuthServer({
    serviceClients: [
      {
        clientId: "agent-at-idp",
        tokenEndpointAuthMethod: "none",
        grantTypes: [TOKEN_EXCHANGE_GRANT],
        redirectUris: ["http://127.0.0.1/callback"],
        idJagClientId: "agent",
      },
    ],
  });
  // The MCP server's authorization server.
  as = await startAuthServer({
    serviceClients: [
      { clientId: "svc-basic", tokenEndpointAuthMethod: "client_secret_basic", clientSecret: secret },
      { clientId: "svc-post", tokenEndpointAuthMethod: "client_secret_post", clientSecret: secret },
      {
        clientId: "svc-jwt",
        tokenEndpointAuthMethod: "private_key_jwt",
        jwks: { keys: [{ ...clientKey.publicKey.export({ format: "jwk" }), kid: "k1" }] },
      },
      { clientId: "workload", tokenEndpointAuthMethod: "none", grantTypes: [JWT_BEARER_GRANT] },
      {
        clientId: "agent",
        tokenEndpointAuthMethod: "client_secret_basic",
        clientSecret: secret,
        grantTypes: [JWT_BEARER_GRANT],
      },
    ],
    trustedIssuers: [
      { issuer: WORKLOAD_ISSUER, jwks: { keys: [workloadKey.publicJwk] } },
      { issuer: idp.issuer, jwks: idp.jwks },
    ],
  });
  mcp = await startProtectedMCPServer({
    name: "reports",
    authServer: as,
    tools: [
      { name: "read_report", scopes: ["reports.read"] },
      { name: "write_report", scopes: ["reports.write"] },
    ],
  });
});

afterAll(async () => {
  await mcp?.close();
  await as?.close();
  await idp?.close();
});

function service(grant: ServiceGrant) {
  const bus = createAuthBus();
  const events = recordEvents(bus);
  const tokens = new MemoryTokenStore();
  const obtain = createServiceTokens({ tokens, bus, grant });
  return { obtain, tokens, events };
}

async function works(tokens: TokenSet, tool = "read_report"): Promise<number> {
  const response = await callTool(mcp.url, tool, tokens.accessToken);
  await response.text();
  return response.status;
}

describe("non-interactive grants against the testkit authorization server (oidc-provider)", () => {
  it.each([
    ["client_secret_basic", { clientId: "svc-basic", clientSecret: secret }],
    [
      "client_secret_post",
      { clientId: "svc-post", clientSecret: secret, tokenEndpointAuthMethod: "client_secret_post" as const },
    ],
    ["private_key_jwt", { clientId: "svc-jwt", privateKey: clientKey.privateKey, keyId: "k1" }],
  ])("client credentials with %s: a resource-bound token the MCP server accepts", async (_method, client) => {
    const { obtain, tokens, events } = service({ type: "client_credentials", client });
    const key = { subject: client.clientId, resource: mcp.url };
    const obtained = await obtain(key, { scopes: ["reports.read"] });
    expect(obtained).toMatchObject({
      issuer: as.issuer,
      clientId: client.clientId,
      scopes: ["reports.read"],
    });
    expect(await tokens.get(key)).toEqual(obtained);
    expect(await works(obtained)).toBe(200);
    expect(as.issuedAccessTokens.at(-1)).toMatchObject({
      audience: [mcp.url],
      clientId: client.clientId,
      grantType: "client_credentials",
    });
    expect(events.map((e) => e.type)).toEqual(["token.obtaining", "token.obtained"]);
    expect(leakedSecrets(events, [secret, obtained.accessToken])).toEqual([]);
  });

  it("refuses a wrong secret with a typed, non-retryable error that holds no secret", async () => {
    const wrong = "wrong-secret-abcdefghijklmnop";
    const { obtain, tokens, events } = service({
      type: "client_credentials",
      client: { clientId: "svc-basic", clientSecret: wrong },
    });
    const key = { subject: "svc-basic", resource: mcp.url };
    const error = await obtain(key).catch((e: unknown) => e);
    expect(isAuthbusError(error, "GRANT_FAILED")).toBe(true);
    expect(error).toMatchObject({ error: "invalid_client", retryable: false, issuer: as.issuer });
    expect(JSON.stringify({ error, message: (error as Error).message })).not.toContain(wrong);
    expect(await tokens.get(key)).toBeUndefined();
    expect(events.at(-1)?.type).toBe("token.obtain_failed");
  });

  it("workload identity (jwt-bearer): a fresh assertion per grant; the token's subject is the workload", async () => {
    let minted = 0;
    const { obtain } = service({
      type: "jwt_bearer",
      client: { clientId: "workload" },
      assertion: ({ audience }) => {
        minted += 1;
        const now = Math.floor(Date.now() / 1000);
        return signJwt(
          {
            iss: WORKLOAD_ISSUER,
            sub: "billing-job",
            aud: audience,
            iat: now,
            exp: now + 300,
            jti: `j${minted}`,
          },
          workloadKey.privateKey,
          "workload-key",
        );
      },
    });
    const obtained = await obtain(
      { subject: "billing-job", resource: mcp.url },
      { scopes: ["reports.read"] },
    );
    expect(minted).toBe(1);
    expect(await works(obtained)).toBe(200);
    expect(as.issuedAccessTokens.at(-1)).toMatchObject({ subject: "billing-job", clientId: "workload" });
  });

  it.each([
    ["a wrong audience", { aud: "https://wrong.example" }],
    ["an expired assertion", { exp: Math.floor(Date.now() / 1000) - 60 }],
    ["an untrusted issuer", { iss: "https://evil.example" }],
  ])("refuses %s with invalid_grant, once", async (_case, override) => {
    const statsBefore = as.stats.tokenRequests;
    const { obtain } = service({
      type: "jwt_bearer",
      client: { clientId: "workload" },
      assertion: ({ audience }) => {
        const now = Math.floor(Date.now() / 1000);
        return signJwt(
          {
            iss: WORKLOAD_ISSUER,
            sub: "billing-job",
            aud: audience,
            iat: now - 120,
            exp: now + 300,
            ...override,
          },
          workloadKey.privateKey,
          "workload-key",
        );
      },
    });
    const error = await obtain({ subject: "billing-job", resource: mcp.url }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "GRANT_FAILED",
      grant: "jwt_bearer",
      error: "invalid_grant",
      retryable: false,
    });
    expect(as.stats.tokenRequests - statsBefore).toBe(1);
  });

  it("enterprise-managed: the user's ID token → ID-JAG at the IdP → a token for that user at the MCP server", async () => {
    const idToken = await signIn(idp, "alice");
    const { obtain, events } = service({
      type: "enterprise_managed",
      client: { clientId: "agent", clientSecret: secret },
      idp: { issuer: idp.issuer, tokenEndpoint: idp.endpoints.token, client: { clientId: "agent-at-idp" } },
      idToken: () => idToken,
    });
    const obtained = await obtain({ subject: "alice", resource: mcp.url }, { scopes: ["reports.read"] });
    expect(obtained).toMatchObject({ issuer: as.issuer, clientId: "agent", scopes: ["reports.read"] });
    expect(await works(obtained)).toBe(200);
    // Not a scope the ID-JAG allowed: the tool asks for more.
    expect(await works(obtained, "write_report")).toBe(403);
    expect(as.issuedAccessTokens.at(-1)).toMatchObject({
      subject: "alice",
      clientId: "agent",
      audience: [mcp.url],
    });
    expect(leakedSecrets(events, [idToken, obtained.accessToken, secret])).toEqual([]);
  });

  it("enterprise-managed: an ID token issued to another client is refused at the IdP", async () => {
    const { obtain } = service({
      type: "enterprise_managed",
      client: { clientId: "agent", clientSecret: secret },
      idp: { issuer: idp.issuer, tokenEndpoint: idp.endpoints.token, client: { clientId: "agent-at-idp" } },
      idToken: () =>
        signJwt({ iss: idp.issuer, sub: "mallory", aud: "agent-at-idp" }, workloadKey.privateKey, "x"),
    });
    const error = await obtain({ subject: "mallory", resource: mcp.url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ step: "token_exchange", error: "invalid_grant", issuer: idp.issuer });
  });
});

/** Signs `user` in at the identity provider (authorization code + PKCE, scope openid); returns the ID token. */
async function signIn(server: AuthServer, user: string): Promise<string> {
  const metadata = await discoverAuthorizationServer(server.issuer);
  const client: oauth.Client = { client_id: "agent-at-idp" };
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(String(metadata.authorization_endpoint));
  url.searchParams.set("client_id", client.client_id);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", "openid");
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  const callback = await server.approveConsent(url, { user });
  const params = oauth.validateAuthResponse(metadata, client, new URL(callback), oauth.skipStateCheck);
  const response = await oauth.authorizationCodeGrantRequest(
    metadata,
    client,
    oauth.None(),
    params,
    redirectUri,
    verifier,
    { [oauth.allowInsecureRequests]: true },
  );
  const result = await oauth.processAuthorizationCodeResponse(metadata, client, response, {
    expectedNonce: oauth.expectNoNonce,
  });
  if (!result.id_token) throw new Error("the identity provider issued no ID token");
  return result.id_token;
}

describe("non-interactive grants with DPoP (RFC 9449)", () => {
  it("binds a client credentials token to a key kept with it, answering the server's nonce", async () => {
    const dpopServer = await startAuthServer({
      dpop: { requireNonce: true },
      serviceClients: [
        { clientId: "svc-dpop", tokenEndpointAuthMethod: "client_secret_basic", clientSecret: secret },
      ],
    });
    const dpopMcp = await startProtectedMCPServer({
      name: "reports-dpop",
      authServer: dpopServer,
      tools: [{ name: "read_report", scopes: ["reports.read"] }],
    });
    try {
      const { obtain, events } = service({
        type: "client_credentials",
        client: { clientId: "svc-dpop", clientSecret: secret },
      });
      const key = { subject: "svc-dpop", resource: dpopMcp.url };
      const first = await obtain(key, { scopes: ["reports.read"] });
      expect(first.tokenType).toBe("DPoP");
      expect(first.dpopKey?.alg).toBe("ES256");
      expect(dpopServer.stats.dpopNonceChallenges).toBeGreaterThanOrEqual(1);
      const cnf = (token: string) =>
        JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).cnf as { jkt?: string };
      expect(cnf(first.accessToken).jkt).toEqual(expect.any(String));
      // The next grant for the same key proves possession of the same key.
      const second = await obtain(key, { scopes: ["reports.read"] });
      expect(second.dpopKey).toEqual(first.dpopKey);
      expect(cnf(second.accessToken)).toEqual(cnf(first.accessToken));
      expect(leakedSecrets(events, [secret, first.accessToken, String(first.dpopKey?.jwk.d)])).toEqual([]);
    } finally {
      await dpopMcp.close();
      await dpopServer.close();
    }
  });
});
