import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { MAX_AUTHORIZATION_SCOPES, MAX_AUTHORIZATION_URL_LENGTH } from "../shared/limits.js";
import { buildAuthorizationUrl } from "./authorization-url.js";

const base = {
  authorizationEndpoint: "https://as.example/authorize?tenant=t1",
  clientId: "client-1",
  redirectUri: "http://127.0.0.1:3000/callback",
  state: "st",
  codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  resource: "https://mcp.example/mcp",
  scopes: ["files.read", "files.write"],
};

describe("buildAuthorizationUrl", () => {
  it("sends PKCE S256, state, the RFC 8707 resource and space-separated scopes", () => {
    const url = buildAuthorizationUrl(base);
    const p = url.searchParams;
    expect(url.origin + url.pathname).toBe("https://as.example/authorize");
    expect(p.get("tenant")).toBe("t1");
    expect(p.get("response_type")).toBe("code");
    expect(p.get("client_id")).toBe("client-1");
    expect(p.get("redirect_uri")).toBe(base.redirectUri);
    expect(p.get("state")).toBe("st");
    expect(p.get("code_challenge")).toBe(base.codeChallenge);
    expect(p.get("code_challenge_method")).toBe("S256");
    expect(p.get("resource")).toBe("https://mcp.example/mcp");
    expect(p.get("scope")).toBe("files.read files.write");
    expect(p.has("prompt")).toBe(false);
    expect(p.has("acr_values")).toBe(false);
    expect(p.has("max_age")).toBe(false);
  });
  it("adds prompt=consent with offline_access and passes RFC 9470 step-up parameters", () => {
    const p = buildAuthorizationUrl({
      ...base,
      scopes: ["files.read", "offline_access"],
      acrValues: ["urn:mace:incommon:iap:silver", "phr"],
      maxAge: 0,
    }).searchParams;
    expect(p.get("prompt")).toBe("consent");
    expect(p.get("acr_values")).toBe("urn:mace:incommon:iap:silver phr");
    expect(p.get("max_age")).toBe("0");
  });
  it("omits scope when there is none", () => {
    expect(buildAuthorizationUrl({ ...base, scopes: [] }).searchParams.has("scope")).toBe(false);
  });
});

describe("buildAuthorizationUrl bounds", () => {
  it(`refuses more than MAX_AUTHORIZATION_SCOPES (${MAX_AUTHORIZATION_SCOPES}) scopes with a typed error`, () => {
    const scopes = Array.from({ length: MAX_AUTHORIZATION_SCOPES + 1 }, (_, k) => `s${k}`);
    expect(() => buildAuthorizationUrl({ ...base, scopes })).toThrow(
      expect.objectContaining({
        code: "LIMIT_EXCEEDED",
        limit: "authorization_scopes",
        actual: 101,
        max: 100,
      }),
    );
    expect(
      buildAuthorizationUrl({ ...base, scopes: scopes.slice(0, MAX_AUTHORIZATION_SCOPES) }).searchParams.get(
        "scope",
      ),
    ).toContain("s99");
  });

  it(`refuses an authorization URL longer than MAX_AUTHORIZATION_URL_LENGTH (${MAX_AUTHORIZATION_URL_LENGTH})`, () => {
    let caught: unknown;
    try {
      buildAuthorizationUrl({ ...base, scopes: ["x".repeat(MAX_AUTHORIZATION_URL_LENGTH)] });
    } catch (error) {
      caught = error;
    }
    expect(isAuthbusError(caught, "LIMIT_EXCEEDED")).toBe(true);
    expect(caught).toMatchObject({ limit: "authorization_url", max: MAX_AUTHORIZATION_URL_LENGTH });
    // The message never repeats the URL (it carries state and the PKCE challenge).
    expect((caught as Error).message).not.toContain(base.state);
    expect((caught as Error).message).not.toContain("xxxx");
  });

  it("refuses an authorization_endpoint that is not a URL with a typed error, not a TypeError", () => {
    expect(() => buildAuthorizationUrl({ ...base, authorizationEndpoint: "/authorize" })).toThrow(
      expect.objectContaining({ code: "URL_REFUSED", reason: "invalid_url", what: "authorization_endpoint" }),
    );
  });
});
