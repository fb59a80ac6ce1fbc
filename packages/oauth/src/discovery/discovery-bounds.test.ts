import { isAuthbusError } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { MAX_RESPONSE_BODY_BYTES } from "../shared/limits.js";
import { createDiscovery, type DiscoveryOptions } from "./create-discovery.js";

type Routes = Record<string, unknown>;

// Routes answer JSON; a route whose value is `"hang"` never answers.
function serve(routes: Routes) {
  const requests: string[] = [];
  const fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    requests.push(url);
    const body = routes[url];
    if (body === "hang") return new Promise<Response>(() => {});
    if (body === undefined) return new Response("not found", { status: 404 });
    return new Response(typeof body === "string" ? body : JSON.stringify(body), {
      headers: { "content-type": "application/json" },
    });
  };
  return { fetch, requests };
}

const asFor = (issuer: string, extra: Record<string, unknown> = {}) => ({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  code_challenge_methods_supported: ["S256"],
  ...extra,
});

const prmUrl = "https://mcp.test/.well-known/oauth-protected-resource/mcp";

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function discover(routes: Routes, options: DiscoveryOptions = {}) {
  const served = serve(routes);
  return { ...served, discovery: createDiscovery({ fetch: served.fetch, ...options }) };
}

describe("discovery: URLs from a challenge", () => {
  it("refuses a relative or malformed resource_metadata with a typed error before any request", async () => {
    for (const hint of ["/x", "not a url", "https://user:pw@mcp.test/prm"]) {
      const { discovery, requests } = discover({});
      const error = await caught(discovery.forResource("https://mcp.test/mcp", hint));
      expect(isAuthbusError(error, "URL_REFUSED"), hint).toBe(true);
      expect(requests).toEqual([]);
    }
  });

  it("refuses a resource_metadata in a private network unless allowPrivateNetworks", async () => {
    const hint = "https://10.1.2.3/.well-known/oauth-protected-resource";
    const refused = discover({});
    const error = await caught(refused.discovery.forResource("https://mcp.test/mcp", hint));
    expect(error).toMatchObject({
      code: "URL_REFUSED",
      reason: "private_network",
      what: "resource_metadata",
    });
    expect(refused.requests).toEqual([]);
    const allowed = discover(
      {
        [hint]: { resource: "https://mcp.test/mcp", authorization_servers: ["https://as.test"] },
        "https://as.test/.well-known/oauth-authorization-server": asFor("https://as.test"),
      },
      { allowPrivateNetworks: true },
    );
    expect((await allowed.discovery.forResource("https://mcp.test/mcp", hint)).metadataUrl).toBe(hint);
  });

  it("fetches a cross-origin resource_metadata, but uses it only when its resource names this server (RFC 9728 §3.3)", async () => {
    const hint = "https://metadata.example.net/mcp-test";
    const good = discover({
      [hint]: { resource: "https://mcp.test/mcp", authorization_servers: ["https://as.test"] },
      "https://as.test/.well-known/oauth-authorization-server": asFor("https://as.test"),
    });
    expect((await good.discovery.forResource("https://mcp.test/mcp", hint)).metadataUrl).toBe(hint);
    const impersonating = discover({
      [hint]: {
        resource: "https://metadata.example.net/mcp-test",
        authorization_servers: ["https://evil.test"],
      },
    });
    const error = await caught(impersonating.discovery.forResource("https://mcp.test/mcp", hint));
    expect(isAuthbusError(error, "RESOURCE_MISMATCH")).toBe(true);
    expect(impersonating.requests).toEqual([hint]);
  });
});

describe("discovery: URLs from metadata", () => {
  it("refuses an authorization server in a private network named by public resource metadata", async () => {
    const { discovery, requests } = discover({
      [prmUrl]: { resource: "https://mcp.test/mcp", authorization_servers: ["http://127.0.0.1:9000"] },
    });
    const error = await caught(discovery.forResource("https://mcp.test/mcp"));
    expect(error).toMatchObject({
      code: "URL_REFUSED",
      reason: "private_network",
      what: "authorization server",
    });
    expect(requests).toEqual([prmUrl]);
  });

  it("refuses an authorization server that is not a URL with a typed error", async () => {
    const { discovery } = discover({
      [prmUrl]: { resource: "https://mcp.test/mcp", authorization_servers: ["not a url"] },
    });
    expect(await caught(discovery.forResource("https://mcp.test/mcp"))).toMatchObject({
      code: "URL_REFUSED",
      reason: "invalid_url",
    });
    expect(isAuthbusError(await caught(createDiscovery().forIssuer("::")), "DISCOVERY_FAILED")).toBe(true);
  });

  it("refuses authorization server metadata whose back-channel endpoints point into a private network", async () => {
    for (const [name, value] of [
      ["token_endpoint", "https://169.254.169.254/latest/api/token"],
      ["registration_endpoint", "https://[::ffff:a00:1]/register"],
      ["revocation_endpoint", "https://192.168.1.1/revoke"],
      ["token_endpoint", "http://as.test/token"],
      ["authorization_endpoint", "javascript:alert(1)"],
    ] as const) {
      const { discovery } = discover({
        [prmUrl]: { resource: "https://mcp.test/mcp", authorization_servers: ["https://as.test"] },
        "https://as.test/.well-known/oauth-authorization-server": asFor("https://as.test", { [name]: value }),
      });
      const error = await caught(discovery.forResource("https://mcp.test/mcp"));
      expect(isAuthbusError(error, "URL_REFUSED"), `${name} ${value}`).toBe(true);
      expect(error).toMatchObject({ what: name });
    }
  });

  it("lets a server on loopback name metadata and an authorization server on its own host", async () => {
    const { discovery } = discover({
      "http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp": {
        resource: "http://127.0.0.1:3000/mcp",
        authorization_servers: ["http://127.0.0.1:4000"],
      },
      "http://127.0.0.1:4000/.well-known/oauth-authorization-server": asFor("http://127.0.0.1:4000"),
    });
    const found = await discovery.forResource("http://127.0.0.1:3000/mcp");
    expect(found.authorizationServer.token_endpoint).toBe("http://127.0.0.1:4000/token");
  });
});

describe("discovery: time and size", () => {
  it("stops at the first metadata request that times out, with a typed error and no fallback", async () => {
    const { discovery, requests } = discover({ [prmUrl]: "hang" }, { timeoutMs: 30 });
    const error = await caught(discovery.forResource("https://mcp.test/mcp"));
    expect(isAuthbusError(error, "REQUEST_TIMEOUT")).toBe(true);
    expect(requests).toEqual([prmUrl]);
  });

  it(`refuses a metadata document over MAX_RESPONSE_BODY_BYTES (${MAX_RESPONSE_BODY_BYTES})`, async () => {
    const padding = "x".repeat(MAX_RESPONSE_BODY_BYTES);
    const { discovery } = discover(
      {
        "https://mcp.test/.well-known/oauth-protected-resource": {
          resource: "https://mcp.test/",
          authorization_servers: ["https://as.test"],
          padding,
        },
      },
      { legacyDiscovery: false },
    );
    const error = await caught(discovery.forResource("https://mcp.test/"));
    expect(isAuthbusError(error, "DISCOVERY_FAILED")).toBe(true);
    expect(isAuthbusError((error as Error).cause, "LIMIT_EXCEEDED")).toBe(true);
  });
});
