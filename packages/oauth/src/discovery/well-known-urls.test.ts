import { describe, expect, it } from "vitest";
import { authorizationServerMetadataUrls, protectedResourceMetadataUrls } from "./well-known-urls.js";

// Vectors from MCP 2025-11-25 Authorization, "Protected Resource Metadata Discovery Requirements"
// and "Authorization Server Metadata Discovery".
describe("protectedResourceMetadataUrls", () => {
  it("tries the path-inserted URL, then the root", () => {
    expect(protectedResourceMetadataUrls("https://example.com/public/mcp").map(String)).toEqual([
      "https://example.com/.well-known/oauth-protected-resource/public/mcp",
      "https://example.com/.well-known/oauth-protected-resource",
    ]);
  });
  it("uses only the root for a resource without a path, and drops a terminating slash", () => {
    expect(protectedResourceMetadataUrls("https://example.com/").map(String)).toEqual([
      "https://example.com/.well-known/oauth-protected-resource",
    ]);
    expect(protectedResourceMetadataUrls("https://example.com/mcp/").map(String)[0]).toBe(
      "https://example.com/.well-known/oauth-protected-resource/mcp",
    );
  });
});

describe("authorizationServerMetadataUrls", () => {
  it("is path-aware for an issuer with a path", () => {
    expect(authorizationServerMetadataUrls("https://auth.example.com/tenant1").map(String)).toEqual([
      "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
      "https://auth.example.com/.well-known/openid-configuration/tenant1",
      "https://auth.example.com/tenant1/.well-known/openid-configuration",
    ]);
  });
  it("tries RFC 8414 then OIDC for an issuer without a path", () => {
    expect(authorizationServerMetadataUrls("https://auth.example.com").map(String)).toEqual([
      "https://auth.example.com/.well-known/oauth-authorization-server",
      "https://auth.example.com/.well-known/openid-configuration",
    ]);
  });
});
