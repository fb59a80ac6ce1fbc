import { isAuthbusError } from "@authbus/core";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildAuthorizationUrl,
  createPkce,
  exchangeCode,
  obtainTokens,
  REDIRECT_URI,
  refreshTokens,
} from "../testing/oauth-flow.test-helpers.js";
import { approveConsent } from "./approve-consent.js";
import { ACR_BASIC, ACR_MFA, type AuthServer, startAuthServer } from "./start-auth-server.js";

const CALENDAR = "http://127.0.0.1:1/mcp";
const FILES = "http://127.0.0.1:2/mcp";

let as: AuthServer;

beforeAll(async () => {
  as = await startAuthServer({
    resources: { [CALENDAR]: { scopes: ["calendar.read"], name: "Calendar" } },
    accessTokenTTL: 120,
  });
  as.registerResource(FILES, ["files.read", "files.write"], { name: "Files" });
});

afterAll(async () => {
  await as.close();
});

describe("metadata", () => {
  it("serves RFC 8414 and OpenID discovery with PKCE S256, resource indicators and registration", async () => {
    for (const url of [as.endpoints.oauthMetadata, as.endpoints.openidConfiguration]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      const metadata = (await response.json()) as Record<string, unknown>;
      expect(metadata.issuer).toBe(as.issuer);
      expect(metadata.authorization_endpoint).toBe(as.endpoints.authorization);
      expect(metadata.token_endpoint).toBe(as.endpoints.token);
      expect(metadata.registration_endpoint).toBe(as.endpoints.registration);
      expect(metadata.revocation_endpoint).toBe(as.endpoints.revocation);
      expect(metadata.jwks_uri).toBe(as.endpoints.jwks);
      expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
      expect(metadata.response_types_supported).toEqual(["code"]);
      expect(metadata.grant_types_supported).toEqual(
        expect.arrayContaining(["authorization_code", "refresh_token"]),
      );
      expect(metadata.token_endpoint_auth_methods_supported).toContain("none");
      expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
      expect(metadata.acr_values_supported).toEqual([ACR_BASIC, ACR_MFA]);
      expect(metadata.id_token_signing_alg_values_supported).toEqual(["ES256"]);
      expect(metadata.scopes_supported).toEqual(["openid", "offline_access"]);
    }
  });

  it("publishes the public signing key only", async () => {
    const jwks = (await (await fetch(as.endpoints.jwks)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    expect(as.jwks.keys[0]).not.toHaveProperty("d");
  });
});

describe("authorization code + PKCE through approveConsent", () => {
  it("issues a JWT access token whose aud is the requested resource", async () => {
    const pkce = createPkce();
    const { url, state } = buildAuthorizationUrl(
      as,
      { resource: CALENDAR, scope: "openid offline_access calendar.read" },
      pkce,
    );
    const callback = new URL(await approveConsent(url, { user: "alice" }));
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe(state);
    // RFC 9207: the issuer identifies the authorization server in the response.
    expect(callback.searchParams.get("iss")).toBe(as.issuer);
    const code = callback.searchParams.get("code");
    expect(code).toBeTruthy();

    const tokens = await exchangeCode(as, { code: code ?? "", verifier: pkce.verifier, resource: CALENDAR });
    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe("Bearer");
    expect(tokens.body.expires_in).toBe(120);
    expect(tokens.body.scope).toBe("calendar.read");
    expect(tokens.body.refresh_token).toBeTruthy();
    const header = decodeProtectedHeader(tokens.body.access_token ?? "");
    expect(header).toMatchObject({ typ: "at+jwt", alg: "ES256" });
    const claims = decodeJwt(tokens.body.access_token ?? "");
    expect(claims).toMatchObject({
      iss: as.issuer,
      aud: CALENDAR,
      sub: "alice",
      client_id: as.clientId,
      scope: "calendar.read",
      acr: ACR_BASIC,
    });
  });

  it("is the same with a token request that omits resource (the granted one is used)", async () => {
    const pkce = createPkce();
    const { url } = buildAuthorizationUrl(as, { resource: FILES, scope: "files.read" }, pkce);
    const code = new URL(await as.approveConsent(url)).searchParams.get("code") ?? "";
    const tokens = await exchangeCode(as, { code, verifier: pkce.verifier });
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.access_token ?? "")).toMatchObject({ aud: FILES, scope: "files.read" });
  });

  it("grants only the scopes the resource owns, per resource", async () => {
    const tokens = await obtainTokens(as, { resource: CALENDAR, scope: "calendar.read files.write" });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: CALENDAR, scope: "calendar.read" });
  });

  it("can grant a subset of the requested scopes", async () => {
    const pkce = createPkce();
    const { url } = buildAuthorizationUrl(as, { resource: FILES, scope: "files.read files.write" }, pkce);
    const code =
      new URL(await approveConsent(url, { grantScopes: ["files.read"] })).searchParams.get("code") ?? "";
    const tokens = await exchangeCode(as, { code, verifier: pkce.verifier, resource: FILES });
    expect(tokens.body.scope).toBe("files.read");
  });

  it("rejects a wrong code_verifier and a reused code with invalid_grant", async () => {
    const pkce = createPkce();
    const { url } = buildAuthorizationUrl(as, { resource: CALENDAR, scope: "calendar.read" }, pkce);
    const code = new URL(await approveConsent(url)).searchParams.get("code") ?? "";
    const wrong = await exchangeCode(as, { code, verifier: createPkce().verifier, resource: CALENDAR });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe("invalid_grant");
  });

  it("requires PKCE with S256 (plain and missing challenges go back as invalid_request)", async () => {
    const pkce = createPkce();
    const { url } = buildAuthorizationUrl(as, { resource: CALENDAR, scope: "calendar.read" }, pkce);
    url.searchParams.delete("code_challenge");
    url.searchParams.delete("code_challenge_method");
    const missing = new URL(await approveConsent(url));
    expect(missing.searchParams.get("error")).toBe("invalid_request");

    const plain = buildAuthorizationUrl(as, { resource: CALENDAR, scope: "calendar.read" }, pkce).url;
    plain.searchParams.set("code_challenge_method", "plain");
    expect(new URL(await approveConsent(plain)).searchParams.get("error")).toBe("invalid_request");
  });

  it("answers invalid_target for an unknown resource (RFC 8707 §2)", async () => {
    const { url } = buildAuthorizationUrl(
      as,
      { resource: "http://127.0.0.1:3/mcp", scope: "x" },
      createPkce(),
    );
    expect(new URL(await approveConsent(url)).searchParams.get("error")).toBe("invalid_target");
  });

  it("returns error=access_denied when the user denies, or cancels the login", async () => {
    const { url, state } = buildAuthorizationUrl(
      as,
      { resource: CALENDAR, scope: "calendar.read" },
      createPkce(),
    );
    const denied = new URL(await approveConsent(url, { approve: false }));
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe(state);
    expect(denied.searchParams.get("iss")).toBe(as.issuer);
    expect(denied.searchParams.has("code")).toBe(false);

    const { url: url2 } = buildAuthorizationUrl(
      as,
      { resource: CALENDAR, scope: "calendar.read" },
      createPkce(),
    );
    const cancelled = new URL(await approveConsent(url2, { cancelLogin: true }));
    expect(cancelled.searchParams.get("error")).toBe("access_denied");
  });

  it("throws a typed error when the server shows an error page (unregistered redirect_uri)", async () => {
    const { url } = buildAuthorizationUrl(
      as,
      { resource: CALENDAR, scope: "calendar.read", redirectUri: "https://evil.example/cb" },
      createPkce(),
    );
    const error = await approveConsent(url).catch((e: unknown) => e);
    expect(isAuthbusError(error)).toBe(true);
    expect((error as { code: string }).code).toBe("TESTKIT_CONSENT_DRIVE_FAILED");
    expect((error as Error).message).toContain("invalid_redirect_uri");
  });
});

describe("refresh tokens", () => {
  it("rotates: the new refresh token works, the old one is rejected with invalid_grant", async () => {
    const first = await obtainTokens(as, { resource: CALENDAR, scope: "offline_access calendar.read" });
    const rt1 = first.refresh_token ?? "";
    const second = await refreshTokens(as, { refreshToken: rt1, resource: CALENDAR });
    expect(second.status).toBe(200);
    const rt2 = second.body.refresh_token ?? "";
    expect(rt2).toBeTruthy();
    expect(rt2).not.toBe(rt1);
    expect(decodeJwt(second.body.access_token ?? "")).toMatchObject({
      aud: CALENDAR,
      scope: "calendar.read",
    });

    const reused = await refreshTokens(as, { refreshToken: rt1 });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe("invalid_grant");
    // RFC 9700 §4.14.2: reuse of a rotated refresh token ends the whole grant, the newest token too.
    expect((await refreshTokens(as, { refreshToken: rt2 })).body.error).toBe("invalid_grant");
    const jti = String(decodeJwt(second.body.access_token ?? "").jti);
    expect(as.tokenStatus(jti)).toEqual({ active: false, reason: "grant_revoked" });
  });

  it("two concurrent refreshes with one refresh token: at most one succeeds", async () => {
    const tokens = await obtainTokens(as, { resource: CALENDAR, scope: "calendar.read" });
    const results = await Promise.all([
      refreshTokens(as, { refreshToken: tokens.refresh_token ?? "" }),
      refreshTokens(as, { refreshToken: tokens.refresh_token ?? "" }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    expect(results.some((r) => r.body.error === "invalid_grant")).toBe(true);
  });

  it("are issued without offline_access too (refreshTokens: always), and counted", async () => {
    const before = { ...as.stats };
    const tokens = await obtainTokens(as, { resource: CALENDAR, scope: "calendar.read" });
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await refreshTokens(as, { refreshToken: tokens.refresh_token ?? "" });
    expect(refreshed.status).toBe(200);
    expect(as.stats.authorizationRequests - before.authorizationRequests).toBe(1);
    expect(as.stats.tokenRequests - before.tokenRequests).toBe(2);
    expect(as.stats.refreshRequests - before.refreshRequests).toBe(1);
  });

  it("are revoked through the RFC 7009 endpoint, which also ends the grant's access tokens", async () => {
    const tokens = await obtainTokens(as, { resource: CALENDAR, scope: "calendar.read" });
    const jti = String(decodeJwt(tokens.access_token).jti);
    expect(as.tokenStatus(jti)).toEqual({ active: true });
    const response = await fetch(as.endpoints.revocation, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        token: tokens.refresh_token ?? "",
        token_type_hint: "refresh_token",
        client_id: as.clientId,
      }),
    });
    expect(response.status).toBe(200);
    expect(as.tokenStatus(jti)).toEqual({ active: false, reason: "grant_revoked" });
    const after = await refreshTokens(as, { refreshToken: tokens.refresh_token ?? "" });
    expect(after.body.error).toBe("invalid_grant");
  });
});

describe("test hooks", () => {
  it("revokeToken works on access tokens and refresh tokens", async () => {
    const tokens = await obtainTokens(as, { resource: CALENDAR, scope: "calendar.read" });
    const jti = String(decodeJwt(tokens.access_token).jti);
    expect(await as.revokeToken(tokens.access_token)).toBe(true);
    expect(as.tokenStatus(jti)).toEqual({ active: false, reason: "revoked" });
    expect(await as.revokeToken(tokens.refresh_token ?? "")).toBe(true);
    expect((await refreshTokens(as, { refreshToken: tokens.refresh_token ?? "" })).body.error).toBe(
      "invalid_grant",
    );
    expect(await as.revokeToken("not-a-token")).toBe(false);
  });

  it("expireAllTokens ends earlier access tokens only; refresh still works", async () => {
    const tokens = await obtainTokens(as, { resource: CALENDAR, scope: "calendar.read" });
    const jti = String(decodeJwt(tokens.access_token).jti);
    as.expireAllTokens();
    expect(as.tokenStatus(jti)).toEqual({ active: false, reason: "expired_by_test" });
    const refreshed = await refreshTokens(as, { refreshToken: tokens.refresh_token ?? "" });
    expect(as.tokenStatus(String(decodeJwt(refreshed.body.access_token ?? "").jti))).toEqual({
      active: true,
    });
  });

  it("revokeUser ends every token of one user and no other", async () => {
    const bob = await obtainTokens(as, { resource: CALENDAR, scope: "calendar.read", user: "bob" });
    const carol = await obtainTokens(as, { resource: CALENDAR, scope: "calendar.read", user: "carol" });
    await as.revokeUser("bob");
    expect(as.tokenStatus(String(decodeJwt(bob.access_token).jti)).active).toBe(false);
    expect(as.tokenStatus(String(decodeJwt(carol.access_token).jti)).active).toBe(true);
    expect((await refreshTokens(as, { refreshToken: bob.refresh_token ?? "" })).body.error).toBe(
      "invalid_grant",
    );
    expect((await refreshTokens(as, { refreshToken: carol.refresh_token ?? "" })).status).toBe(200);
  });

  it("records each issued access token's audience, never the token", async () => {
    const tokens = await obtainTokens(as, { resource: FILES, scope: "files.read", user: "dave" });
    const jti = decodeJwt(tokens.access_token).jti;
    const record = as.issuedAccessTokens.find((t) => t.jti === jti);
    expect(record).toMatchObject({
      audience: [FILES],
      subject: "dave",
      clientId: as.clientId,
      scope: "files.read",
    });
    expect(record?.fingerprint).toMatch(/^fp_[A-Za-z0-9_-]{12}$/);
    expect(JSON.stringify(as.issuedAccessTokens)).not.toContain(tokens.access_token);
  });

  it("setAccessTokenTTL changes the lifetime of new tokens", async () => {
    as.setAccessTokenTTL(7);
    try {
      const pkce = createPkce();
      const { url } = buildAuthorizationUrl(as, { resource: CALENDAR, scope: "calendar.read" }, pkce);
      const code = new URL(await approveConsent(url)).searchParams.get("code") ?? "";
      const tokens = await exchangeCode(as, { code, verifier: pkce.verifier });
      expect(tokens.body.expires_in).toBe(7);
    } finally {
      as.setAccessTokenTTL(120);
    }
  });
});

describe("step-up (RFC 9470)", () => {
  it("acr_values makes the login reach that acr; a basic login stays basic", async () => {
    const strong = await obtainTokens(as, {
      resource: CALENDAR,
      scope: "openid calendar.read",
      acrValues: ACR_MFA,
    });
    expect(decodeJwt(strong.access_token).acr).toBe(ACR_MFA);
    const weak = await obtainTokens(as, {
      resource: CALENDAR,
      scope: "openid calendar.read",
      acrValues: ACR_MFA,
      acr: ACR_BASIC,
    });
    expect(decodeJwt(weak.access_token).acr).toBe(ACR_BASIC);
  });

  it("accepts max_age and puts auth_time in the token", async () => {
    const tokens = await obtainTokens(as, { resource: CALENDAR, scope: "openid calendar.read", maxAge: 0 });
    const claims = decodeJwt(tokens.access_token);
    expect(typeof claims.auth_time).toBe("number");
    expect(Math.abs(Number(claims.auth_time) - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe("dynamic client registration (RFC 7591)", () => {
  it("registers a public client that can run the whole flow", async () => {
    const redirectUri = "http://127.0.0.1:7777/oauth/callback";
    const response = await fetch(as.endpoints.registration, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "dcr test",
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      }),
    });
    expect(response.status).toBe(201);
    const client = (await response.json()) as { client_id: string; client_secret?: string };
    expect(client.client_id).toBeTruthy();
    expect(client.client_secret).toBeUndefined();

    const pkce = createPkce();
    const { url } = buildAuthorizationUrl(
      as,
      { resource: FILES, scope: "files.read", clientId: client.client_id, redirectUri },
      pkce,
    );
    const callback = new URL(await approveConsent(url, { user: "erin" }));
    expect(callback.href.startsWith(redirectUri)).toBe(true);
    const tokens = await exchangeCode(as, {
      code: callback.searchParams.get("code") ?? "",
      verifier: pkce.verifier,
      clientId: client.client_id,
      redirectUri,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toBeTruthy();
    expect(decodeJwt(tokens.body.access_token ?? "")).toMatchObject({
      client_id: client.client_id,
      aud: FILES,
    });
  });
});

describe("browser pages", () => {
  it("render a login form and then a consent page with Approve and Deny", async () => {
    const { url } = buildAuthorizationUrl(
      as,
      { resource: FILES, scope: "files.read files.write" },
      createPkce(),
    );
    const start = await fetch(url, { redirect: "manual" });
    expect(start.status).toBe(303);
    const loginUrl = new URL(start.headers.get("location") ?? "", as.issuer);
    const cookie = start.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const login = await fetch(loginUrl, { headers: { cookie } });
    expect(login.status).toBe(200);
    expect(login.headers.get("content-type")).toContain("text/html");
    const loginHtml = await login.text();
    expect(loginHtml).toContain(`<form id="login-form" method="post" action="${loginUrl.pathname}/login"`);
    expect(loginHtml).toContain('name="login"');
    expect(loginHtml).toContain('type="password"');
    expect(loginHtml).toContain(`<option value="${ACR_MFA}">`);

    const posted = await fetch(`${loginUrl.href}/login`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ login: "frank", acr: ACR_BASIC }),
      redirect: "manual",
    });
    expect(posted.status).toBe(303);
    // Follow the resume redirect to the consent page by hand.
    const resumeUrl = new URL(posted.headers.get("location") ?? "", as.issuer);
    const jar = new Map<string, string>();
    for (const c of [...start.headers.getSetCookie(), ...posted.headers.getSetCookie()]) {
      const [pair = ""] = c.split(";");
      const [name = "", value = ""] = pair.split("=");
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
    const cookie2 = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const resumed = await fetch(resumeUrl, { headers: { cookie: cookie2 }, redirect: "manual" });
    expect(resumed.status).toBe(303);
    const consentUrl = new URL(resumed.headers.get("location") ?? "", as.issuer);
    for (const c of resumed.headers.getSetCookie()) {
      const [pair = ""] = c.split(";");
      const [name = "", value = ""] = pair.split("=");
      if (value) jar.set(name, value);
    }
    const consent = await fetch(consentUrl, {
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    const consentHtml = await consent.text();
    expect(consent.status).toBe(200);
    expect(consentHtml).toContain("Authorize access");
    expect(consentHtml).toContain(`data-resource="${FILES}"`);
    expect(consentHtml).toContain('data-scope="files.read"');
    expect(consentHtml).toContain('data-scope="files.write"');
    expect(consentHtml).toContain(
      '<button id="approve" type="submit" name="decision" value="approve">Approve</button>',
    );
    expect(consentHtml).toContain(
      '<button id="deny" type="submit" name="decision" value="deny">Deny</button>',
    );
    expect(consentHtml).toContain("frank");
  });

  it("escape what they echo", async () => {
    const { url } = buildAuthorizationUrl(as, { resource: CALENDAR, scope: "calendar.read" }, createPkce());
    url.searchParams.set("login_hint", '"><script>alert(1)</script>');
    const start = await fetch(url, { redirect: "manual" });
    const cookie = start.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const html = await (
      await fetch(new URL(start.headers.get("location") ?? "", as.issuer), { headers: { cookie } })
    ).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;");
  });
});

describe("options", () => {
  it("checks users and passwords when configured", async () => {
    await using strict = await startAuthServer({
      users: { alice: "wonderland" },
      resources: { [CALENDAR]: { scopes: ["calendar.read"] } },
    });
    const { url } = buildAuthorizationUrl(
      strict,
      { resource: CALENDAR, scope: "calendar.read" },
      createPkce(),
    );
    const wrong = await approveConsent(url, { user: "alice", password: "nope" }).catch((e: unknown) => e);
    expect(isAuthbusError(wrong)).toBe(true);
    expect((wrong as Error).message).toContain("Wrong password");
    const unknown = await approveConsent(url, { user: "mallory" }).catch((e: unknown) => e);
    expect((unknown as Error).message).toContain("Unknown user");
    const { url: url2 } = buildAuthorizationUrl(
      strict,
      { resource: CALENDAR, scope: "calendar.read" },
      createPkce(),
    );
    const ok = new URL(await approveConsent(url2, { user: "alice", password: "wonderland" }));
    expect(ok.searchParams.get("code")).toBeTruthy();
  });

  it("rejects bad options with typed errors", async () => {
    const errors = await Promise.all([
      startAuthServer({ accessTokenTTL: 0 }).catch((e: unknown) => e),
      startAuthServer({ resources: { "not a url": { scopes: ["a"] } } }).catch((e: unknown) => e),
      startAuthServer({ resources: { [CALENDAR]: { scopes: [] } } }).catch((e: unknown) => e),
      startAuthServer({ clients: [] }).catch((e: unknown) => e),
    ]);
    for (const error of errors) {
      expect(isAuthbusError(error)).toBe(true);
      expect((error as { code: string }).code).toBe("TESTKIT_INVALID_OPTIONS");
    }
    expect(() => as.registerResource(CALENDAR, ["bad scope"])).toThrow(/invalid scope token/);
  });
});
