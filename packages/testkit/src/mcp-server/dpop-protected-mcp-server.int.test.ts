import { createHash } from "node:crypto";
import { parseWWWAuthenticate } from "@authbus/core";
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthServer, startAuthServer } from "../auth-server/start-auth-server.js";
import { buildAuthorizationUrl, createPkce, REDIRECT_URI } from "../testing/oauth-flow.test-helpers.js";
import { type ProtectedMCPServer, startProtectedMCPServer } from "./start-protected-mcp-server.js";

interface DPoPKeyPair {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function newKey(): Promise<DPoPKeyPair> {
  const pair = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  return { privateKey: pair.privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

function proofFor(
  key: DPoPKeyPair,
  method: string,
  url: string,
  extra: { accessToken?: string; nonce?: string | undefined } = {},
): Promise<string> {
  return new SignJWT({
    jti: crypto.randomUUID(),
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ...(extra.accessToken ? { ath: createHash("sha256").update(extra.accessToken).digest("base64url") } : {}),
    ...(extra.nonce ? { nonce: extra.nonce } : {}),
  })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk })
    .sign(key.privateKey);
}

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "0" } },
});

let as: AuthServer;
let vault: ProtectedMCPServer;
let plain: ProtectedMCPServer;

beforeAll(async () => {
  as = await startAuthServer({ dpop: { requireNonce: true } });
  [vault, plain] = await Promise.all([
    startProtectedMCPServer({
      name: "vault",
      authServer: as,
      dpop: { requireNonce: true },
      tools: [{ name: "open", scopes: ["vault.read"], handler: () => "opened" }],
    }),
    startProtectedMCPServer({
      name: "plain",
      authServer: as,
      tools: [{ name: "read", scopes: ["plain.read"], handler: () => "read" }],
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([vault?.close(), plain?.close()]);
  await as?.close();
});

/** Code + PKCE with a DPoP proof at the token endpoint, answering its nonce challenge. */
async function dpopTokens(key: DPoPKeyPair, resource: string, scope: string) {
  const pkce = createPkce();
  const { url } = buildAuthorizationUrl(as, { resource, scope }, pkce);
  const code = new URL(await as.approveConsent(url, { user: "alice" })).searchParams.get("code") as string;
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    code_verifier: pkce.verifier,
    client_id: as.clientId,
    redirect_uri: REDIRECT_URI,
    resource,
  });
  const post = async (nonce?: string) =>
    fetch(as.endpoints.token, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        dpop: await proofFor(key, "POST", as.endpoints.token, { nonce }),
      },
      body: form,
    });
  const challenged = await post();
  expect(challenged.status).toBe(400);
  expect(((await challenged.json()) as { error: string }).error).toBe("use_dpop_nonce");
  const nonce = challenged.headers.get("dpop-nonce") as string;
  expect(nonce).toBeTruthy();
  const granted = await post(nonce);
  expect(granted.status).toBe(200);
  return (await granted.json()) as { access_token: string; token_type: string; refresh_token?: string };
}

async function send(
  server: ProtectedMCPServer,
  headers: Record<string, string>,
  method = "POST",
): Promise<Response> {
  return fetch(server.url, {
    method,
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    ...(method === "POST" ? { body: initialize } : {}),
  });
}

function challengeOf(response: Response) {
  const [challenge] = parseWWWAuthenticate(response.headers.get("www-authenticate") ?? "");
  return challenge;
}

describe("a DPoP-only protected MCP server with the testkit authorization server", () => {
  it("advertises DPoP at both servers", async () => {
    const asMetadata = (await (await fetch(as.endpoints.oauthMetadata)).json()) as Record<string, unknown>;
    expect(asMetadata.dpop_signing_alg_values_supported).toContain("ES256");
    const rsMetadata = (await (await fetch(vault.resourceMetadataUrl)).json()) as Record<string, unknown>;
    expect(rsMetadata).toMatchObject({ dpop_bound_access_tokens_required: true });
    expect(rsMetadata.dpop_signing_alg_values_supported).toContain("ES256");
    const anonymous = await send(vault, {});
    expect(anonymous.status).toBe(401);
    expect(challengeOf(anonymous)).toMatchObject({
      scheme: "dpop",
      params: { algs: expect.stringContaining("ES256"), resource_metadata: vault.resourceMetadataUrl },
    });
  });

  it("takes a DPoP-bound token with a proof of its key and the server's nonce; refuses everything else", async () => {
    const key = await newKey();
    const tokens = await dpopTokens(key, vault.url, "vault.read");
    expect(tokens.token_type).toBe("DPoP");
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: key.jkt });
    const token = tokens.access_token;
    const dpopAuth = `DPoP ${token}`;

    // As a Bearer token: not the scheme this server takes.
    const asBearer = await send(vault, { authorization: `Bearer ${token}` });
    expect(asBearer.status).toBe(401);
    expect(challengeOf(asBearer)?.params.error).toBeUndefined();

    // A good proof without the nonce: use_dpop_nonce with the nonce to use (RFC 9449 §9).
    const noNonce = await send(vault, {
      authorization: dpopAuth,
      dpop: await proofFor(key, "POST", vault.url, { accessToken: token }),
    });
    expect(noNonce.status).toBe(401);
    expect(challengeOf(noNonce)?.params.error).toBe("use_dpop_nonce");
    const nonce = noNonce.headers.get("dpop-nonce") as string;
    expect(vault.dpopNonceChallenges).toBeGreaterThan(0);

    const proof = await proofFor(key, "POST", vault.url, { accessToken: token, nonce });
    const ok = await send(vault, { authorization: dpopAuth, dpop: proof });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("dpop-nonce")).toBeNull();
    await ok.text();

    const refused = async (headers: Record<string, string>, error: string) => {
      const response = await send(vault, { authorization: dpopAuth, ...headers });
      expect(response.status).toBe(401);
      expect(challengeOf(response)?.params.error).toBe(error);
    };
    // RFC 9449 §11.1: the same proof again is a replay.
    await refused({ dpop: proof }, "invalid_dpop_proof");
    await refused({}, "invalid_dpop_proof");
    await refused(
      { dpop: await proofFor(key, "GET", vault.url, { accessToken: token, nonce }) },
      "invalid_dpop_proof",
    );
    await refused(
      { dpop: await proofFor(key, "POST", vault.url, { accessToken: "other", nonce }) },
      "invalid_dpop_proof",
    );
    // Another key's proof: the token is bound to the first key (cnf.jkt).
    const thief = await newKey();
    await refused(
      { dpop: await proofFor(thief, "POST", vault.url, { accessToken: token, nonce }) },
      "invalid_token",
    );

    // Rotation announced: the old nonce is taken once more and the new one handed out.
    const next = vault.rotateDPoPNonce({ keepPrevious: true });
    const announced = await send(vault, {
      authorization: dpopAuth,
      dpop: await proofFor(key, "POST", vault.url, { accessToken: token, nonce }),
    });
    expect(announced.status).toBe(200);
    expect(announced.headers.get("dpop-nonce")).toBe(next);
    await announced.text();
    // Rotation unannounced: the old nonce is refused.
    const latest = vault.rotateDPoPNonce();
    const stale = await send(vault, {
      authorization: dpopAuth,
      dpop: await proofFor(key, "POST", vault.url, { accessToken: token, nonce: next }),
    });
    expect(stale.status).toBe(401);
    expect(stale.headers.get("dpop-nonce")).toBe(latest);
    expect(vault.receivedTokens.every((t) => t.scheme === "dpop" || t.scheme === "bearer")).toBe(true);
  });

  it("keeps a Bearer-only server from taking a DPoP-bound token as a Bearer token (RFC 9449 §7.2)", async () => {
    const key = await newKey();
    const { access_token: token } = await dpopTokens(key, plain.url, "plain.read");
    const response = await send(plain, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(challengeOf(response)).toMatchObject({ scheme: "bearer", params: { error: "invalid_token" } });
    expect(() => plain.rotateDPoPNonce()).toThrow(/does not use DPoP nonces/);
  });
});
