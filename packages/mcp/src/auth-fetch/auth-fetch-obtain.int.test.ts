import {
  type AuthEventName,
  createAuthBus,
  isAuthbusError,
  MemoryTokenStore,
  parseAuthEvent,
} from "@authbus/core";
import { createServiceTokens } from "@authbus/oauth";
import {
  type AuthServer,
  type ProtectedMCPServer,
  startAuthServer,
  startProtectedMCPServer,
} from "@authbus/testkit";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFetch } from "./auth-fetch.js";

const secret = "service-client-secret-0123456789abcdef";
let as: AuthServer;
let mcp: ProtectedMCPServer;

beforeAll(async () => {
  as = await startAuthServer({
    serviceClients: [
      { clientId: "reporting-agent", tokenEndpointAuthMethod: "client_secret_basic", clientSecret: secret },
    ],
  });
  mcp = await startProtectedMCPServer({
    name: "reports",
    authServer: as,
    // The 401 without a token names only the read scope, so writing needs a step-up.
    initialScope: ["reports.read"],
    tools: [
      {
        name: "read_report",
        scopes: ["reports.read"],
        handler: (_args, context) => `read by ${context.subject}`,
      },
      { name: "write_report", scopes: ["reports.write"] },
    ],
  });
});

afterAll(async () => {
  await mcp?.close();
  await as?.close();
});

function serviceClient(clientSecret: string) {
  const bus = createAuthBus();
  const events: { type: AuthEventName; payload: unknown }[] = [];
  bus.on("*", (type, payload) => {
    events.push({ type, payload });
  });
  const tokens = new MemoryTokenStore();
  const obtain = createServiceTokens({
    tokens,
    bus,
    grant: { type: "client_credentials", client: { clientId: "reporting-agent", clientSecret } },
  });
  const fetch = authFetch({
    serverName: "reports",
    resource: mcp.url,
    subject: "reporting-agent",
    tokens,
    bus,
    obtain,
  });
  return { fetch, events, tokens };
}

async function connect(fetch: ReturnType<typeof authFetch>): Promise<Client> {
  const client = new Client({ name: "service-test", version: "0.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { fetch }));
  return client;
}

describe("authFetch with a service client, against a protected MCP server and the testkit authorization server", () => {
  it("answers the 401 to initialize with a client credentials grant, then steps up silently on a 403", async () => {
    const { fetch, events, tokens } = serviceClient(secret);
    const client = await connect(fetch);
    try {
      const read = await client.callTool({ name: "read_report", arguments: {} });
      expect(read.isError).not.toBe(true);
      expect(JSON.stringify(read.content)).toContain("read by reporting-agent");
      // write_report needs another scope: 403 insufficient_scope, answered by a new grant for both.
      const write = await client.callTool({ name: "write_report", arguments: {} });
      expect(write.isError).not.toBe(true);
      const held = await tokens.get({ subject: "reporting-agent", resource: mcp.url });
      expect(held?.scopes.sort()).toEqual(["reports.read", "reports.write"]);
    } finally {
      await client.close();
    }
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === "token.obtained")).toHaveLength(2);
    expect(types.filter((t) => t === "request.retried").length).toBeGreaterThanOrEqual(2);
    expect(types).not.toContain("consent.required");
    for (const event of events) expect(() => parseAuthEvent(event.type, event.payload)).not.toThrow();
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it("rejects with the challenge, the typed grant error as its cause, when the grant is refused", async () => {
    const { fetch } = serviceClient("not-the-secret-000000000000000");
    const error = await connect(fetch).catch((e: unknown) => e);
    // The SDK wraps what fetch rejected with; find the challenge in the cause chain.
    let challenge: unknown = error;
    for (let i = 0; i < 5 && challenge && !isAuthbusError(challenge, "AUTH_CHALLENGE"); i++) {
      challenge = (challenge as { cause?: unknown }).cause;
    }
    expect(isAuthbusError(challenge, "AUTH_CHALLENGE")).toBe(true);
    expect(challenge).toMatchObject({ status: 401, serverName: "reports" });
    const cause = (challenge as Error).cause;
    expect(isAuthbusError(cause, "GRANT_FAILED")).toBe(true);
    expect(cause).toMatchObject({ grant: "client_credentials", error: "invalid_client", retryable: false });
  });
});
