import { describe, expect, it } from "vitest";
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
