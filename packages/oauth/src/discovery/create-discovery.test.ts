import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createDiscovery } from "./create-discovery.js";
import { assertPkceS256 } from "./discover-authorization-server.js";

type Routes = Record<string, unknown>;

function serve(routes: Routes) {
  const requests: string[] = [];
  const fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    requests.push(url);
    const body = routes[url];
    if (body === undefined) return new Response("not found", { status: 404 });
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  };
  return { fetch, requests };
}

const as = {
  issuer: "https://as.test/",
  authorization_endpoint: "https://as.test/authorize",
  token_endpoint: "https://as.test/token",
  code_challenge_methods_supported: ["S256"],
};

describe("createDiscovery", () => {
  it("falls back from the path-inserted to the root metadata, and from RFC 8414 to OpenID discovery", async () => {
    const { fetch, requests } = serve({
      "https://mcp.test/.well-known/oauth-protected-resource": {
        resource: "https://mcp.test/mcp",
        authorization_servers: ["https://as.test/"],
      },
      "https://as.test/.well-known/openid-configuration": as,
    });
    const found = await createDiscovery({ fetch }).forResource("https://mcp.test/mcp");
    expect(found.authorizationServer.token_endpoint).toBe("https://as.test/token");
    expect(found.metadataUrl).toBe("https://mcp.test/.well-known/oauth-protected-resource");
    expect(requests).toEqual([
      "https://mcp.test/.well-known/oauth-protected-resource/mcp",
      "https://mcp.test/.well-known/oauth-protected-resource",
      "https://as.test/.well-known/oauth-authorization-server",
      "https://as.test/.well-known/openid-configuration",
    ]);
  });

  it("caches, shares concurrent look-ups, and fetches again when a challenge names other metadata", async () => {
    const prm = { resource: "https://mcp.test/mcp", authorization_servers: ["https://as.test/"] };
    const { fetch, requests } = serve({
      "https://mcp.test/.well-known/oauth-protected-resource/mcp": prm,
      "https://mcp.test/meta/v2": prm,
      "https://as.test/.well-known/oauth-authorization-server": as,
    });
    const discovery = createDiscovery({ fetch });
    await Promise.all([
      discovery.forResource("https://mcp.test/mcp"),
      discovery.forResource("https://mcp.test/mcp"),
    ]);
    await discovery.forResource("https://mcp.test/mcp");
    await discovery.forResource(
      "https://mcp.test/mcp",
      "https://mcp.test/.well-known/oauth-protected-resource/mcp",
    );
    expect(requests).toHaveLength(2);
    const moved = await discovery.forResource("https://mcp.test/mcp", "https://mcp.test/meta/v2");
    expect(moved.metadataUrl).toBe("https://mcp.test/meta/v2");
    expect(requests).toHaveLength(3); // the authorization server metadata stays cached
  });

  it("rejects a resource mismatch, a missing S256 and missing metadata with typed errors", async () => {
    const mismatch = serve({
      "https://mcp.test/.well-known/oauth-protected-resource/mcp": {
        resource: "https://evil.test/mcp",
        authorization_servers: ["https://as.test/"],
      },
    });
    await expect(createDiscovery(mismatch).forResource("https://mcp.test/mcp")).rejects.toSatisfy(
      (e) => isAuthbusError(e, "RESOURCE_MISMATCH") && e.received === "https://evil.test/mcp",
    );
    const noPkce = serve({
      "https://mcp.test/.well-known/oauth-protected-resource/mcp": {
        resource: "https://mcp.test/mcp",
        authorization_servers: ["https://as.test/"],
      },
      "https://as.test/.well-known/oauth-authorization-server": {
        ...as,
        code_challenge_methods_supported: undefined,
      },
    });
    // Discovery itself accepts it (service grants need no PKCE); consents refuse it.
    const found = await createDiscovery(noPkce).forResource("https://mcp.test/mcp");
    expect(() => assertPkceS256(found.authorizationServer)).toThrow(
      expect.objectContaining({ code: "PKCE_UNSUPPORTED" }),
    );
    expect(isAuthbusError(new Error("x"), "PKCE_UNSUPPORTED")).toBe(false);
    await expect(
      createDiscovery({ ...serve({}), legacyDiscovery: false }).forResource("https://mcp.test/mcp"),
    ).rejects.toSatisfy((e) => isAuthbusError(e, "DISCOVERY_FAILED") && e.tried.length === 2);
  });

  it("uses the metadata as written: a root document naming the origin covers the server", async () => {
    const { fetch } = serve({
      "https://mcp.test/.well-known/oauth-protected-resource": {
        resource: "https://mcp.test",
        authorization_servers: ["https://as.test/"],
      },
      "https://as.test/.well-known/oauth-authorization-server": as,
    });
    const found = await createDiscovery({ fetch }).forResource("https://mcp.test/mcp");
    expect(found.resource).toBe("https://mcp.test/mcp");
    expect(found.resourceIndicator).toBe("https://mcp.test"); // not normalised to "https://mcp.test/"
  });

  it("falls back to MCP 2025-03-26 discovery when the server publishes no resource metadata", async () => {
    const atOrigin = serve({
      "https://mcp.test/.well-known/oauth-authorization-server": { ...as, issuer: "https://mcp.test" },
    });
    const found = await createDiscovery(atOrigin).forResource("https://mcp.test/mcp");
    expect(found.legacy).toBe("metadata");
    expect(found.authorizationServer.issuer).toBe("https://mcp.test");

    const discovery = createDiscovery(serve({}));
    const guessed = await discovery.forResource("https://mcp.test/mcp");
    expect(guessed.legacy).toBe("default-endpoints");
    expect(guessed.authorizationServer.token_endpoint).toBe("https://mcp.test/token");
    // The callback and a refresh find the same endpoints by issuer.
    expect((await discovery.forIssuer("https://mcp.test")).authorization_endpoint).toBe(
      "https://mcp.test/authorize",
    );
  });

  it("never falls back when the challenge named metadata, or when the metadata names another resource", async () => {
    const { fetch } = serve({});
    await expect(
      createDiscovery({ fetch }).forResource("https://mcp.test/mcp", "https://mcp.test/meta"),
    ).rejects.toSatisfy((e: unknown) => isAuthbusError(e, "DISCOVERY_FAILED"));
  });

  it("refuses plain http to a host that is not loopback", async () => {
    const { fetch, requests } = serve({});
    await expect(createDiscovery({ fetch }).forResource("http://mcp.test/mcp")).rejects.toSatisfy(
      (e: unknown) => isAuthbusError(e, "DISCOVERY_FAILED"),
    );
    expect(requests).toEqual([]);
  });
});
