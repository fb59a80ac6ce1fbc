import {
  AuthChallengeError,
  type AuthEvents,
  createAuthBus,
  isAuthbusError,
  MemoryTokenStore,
} from "@authbus/core";
import { afterEach, describe, expect, it } from "vitest";
import { findChallenge, recordChallenge, withChallengeCapture } from "./challenge-capture.js";
import { connectToolName, describeConnectTool } from "./connect-tool.js";
import { createMCPClient, type MCPClient } from "./create-mcp-client.js";

const URL_ = "https://mcp.example.com/mcp";
const METADATA = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const HEADER = `Bearer resource_metadata="${METADATA}"`;

/** A server that answers every request with a 401 challenge (it never gets past `initialize`). */
const challengingFetch = async (): Promise<Response> =>
  new Response("unauthorized", { status: 401, headers: { "www-authenticate": HEADER } });

function challenge(): AuthChallengeError {
  return new AuthChallengeError({
    status: 401,
    url: URL_,
    headers: new Headers({ "www-authenticate": HEADER }),
    serverName: "files",
  });
}

describe("connect tool", () => {
  it("names the stand-in with the tool-name alphabet", () => {
    expect(connectToolName("files")).toBe("connect_files");
    expect(connectToolName("github.com/acme")).toBe("connect_github_com_acme");
    expect(connectToolName("x".repeat(100))).toHaveLength(64);
  });

  it("describes the server from its description, else its remembered tools", () => {
    expect(describeConnectTool("files", "read and write the user's files", undefined)).toContain(
      "read and write the user's files",
    );
    const remembered = describeConnectTool("files", undefined, [
      { name: "list_files", description: "Lists files. Paginated." },
      { name: "delete_file", description: "" },
    ]);
    expect(remembered).toContain("list_files (Lists files)");
    expect(remembered).toContain("delete_file");
    expect(describeConnectTool("files", undefined, undefined)).toContain('"files" MCP server');
  });
});

describe("challenge capture", () => {
  it("finds a challenge on the cause chain", () => {
    const error = challenge();
    expect(findChallenge(new Error("outer", { cause: new Error("middle", { cause: error }) }))).toBe(error);
    expect(findChallenge(new Error("plain"))).toBeUndefined();
  });

  it("recovers a challenge that a layer turned into a string", async () => {
    const error = challenge();
    const wrapped = withChallengeCapture(async () => {
      recordChallenge(error);
      throw new Error(`ToolException: ${String(error)}`);
    });
    await expect(wrapped).rejects.toBe(error);
    // Outside a capture, recording is a no-op, and unrelated failures pass through.
    recordChallenge(error);
    const unrelated = new Error("boom");
    await expect(withChallengeCapture(async () => Promise.reject(unrelated))).rejects.toBe(unrelated);
  });
});

describe("createMCPClient", () => {
  const clients: MCPClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  const base = () => ({ tokens: new MemoryTokenStore(), bus: createAuthBus(), subject: "alice" });

  it("rejects a bad configuration with MCP_INVALID_CONFIG", () => {
    const attempts = [
      () => createMCPClient({ ...base(), servers: {} }),
      () => createMCPClient({ ...base(), servers: { files: { url: "not a url" } } }),
      () => createMCPClient({ ...base(), servers: { files: { url: "ftp://mcp.example.com/" } } }),
      () => createMCPClient({ ...base(), servers: { files: { url: URL_, transport: "ws" as "http" } } }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(isAuthbusError(caught) && caught.code).toBe("MCP_INVALID_CONFIG");
    }
  });

  it("knows each server's resource and its stand-in tool before connecting", () => {
    const client = createMCPClient({
      ...base(),
      servers: {
        files: { url: "HTTPS://MCP.example.com/mcp" },
        legacy: {
          url: "https://legacy.example.com/mcp/sse",
          transport: "sse",
          resource: "https://legacy.example.com/mcp",
        },
      },
    });
    clients.push(client);
    expect(client.servers).toEqual({
      files: { url: "HTTPS://MCP.example.com/mcp", resource: "https://mcp.example.com/mcp" },
      legacy: { url: "https://legacy.example.com/mcp/sse", resource: "https://legacy.example.com/mcp" },
    });
    expect(client.serverFor("connect_legacy")).toEqual({
      serverName: "legacy",
      resource: "https://legacy.example.com/mcp",
      connectTool: true,
    });
    expect(client.serverFor("unknown_tool")).toBeUndefined();
  });

  it.each(["http", "sse", "auto"] as const)(
    "turns a challenge at connection into connect_<server> over %s, or a rejection with onUnauthorized: throw",
    async (transport) => {
      const bus = createAuthBus();
      const events: AuthEvents["challenge"][] = [];
      bus.on("challenge", (event) => {
        events.push(event);
      });
      const options = {
        ...base(),
        bus,
        fetch: challengingFetch,
        servers: { files: { url: URL_, transport } },
      };
      const client = createMCPClient(options);
      clients.push(client);
      const tools = await client.getTools();
      expect(tools.map((tool) => tool.name)).toEqual(["connect_files"]);
      const [stand] = tools;
      const error = await stand
        ?.invoke({ name: "connect_files", args: {}, id: "call-1", type: "tool_call" })
        .catch((e: unknown) => e);
      expect(isAuthbusError(error, "AUTH_CHALLENGE") && error.wwwAuthenticate).toBe(HEADER);
      expect(events.some((event) => event.callId === "call-1")).toBe(true);

      const throwing = createMCPClient({ ...options, onUnauthorized: "throw" });
      clients.push(throwing);
      const thrown = await throwing.getTools().catch((e: unknown) => e);
      expect(isAuthbusError(thrown, "AUTH_CHALLENGE") && thrown.challenges[0]?.params.resource_metadata).toBe(
        METADATA,
      );
    },
  );

  it("rejects with MCP_CONNECT_FAILED when a server cannot be reached", async () => {
    const client = createMCPClient({
      ...base(),
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
      servers: { files: { url: URL_, transport: "http" } },
    });
    clients.push(client);
    const error = await client.getTools().catch((e: unknown) => e);
    expect(isAuthbusError(error) && error.code).toBe("MCP_CONNECT_FAILED");
    expect(isAuthbusError(error, "MCP_CONNECT_FAILED") && error.serverName).toBe("files");
  });

  it("drops a connection whose background stream is challenged, and connects anew on the next call", async () => {
    let authorized = true;
    let initializes = 0;
    const header = 'Bearer error="invalid_token"';
    // A streamable HTTP server in memory whose standalone GET stream ends at once, so the SDK
    // reconnects it in the background (after ~1 s); by then the token no longer works.
    const fakeServer = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      if (!authorized) return new Response(null, { status: 401, headers: { "www-authenticate": header } });
      if (request.method === "GET") {
        return new Response(new ReadableStream({ start: (controller) => controller.close() }), {
          headers: { "content-type": "text/event-stream" },
        });
      }
      if (request.method !== "POST") return new Response(null, { status: 405 });
      const message = (await request.json()) as {
        id?: number;
        method: string;
        params?: { protocolVersion?: string };
      };
      if (message.id === undefined) return new Response(null, { status: 202 });
      const reply = (result: unknown) =>
        Response.json(
          { jsonrpc: "2.0", id: message.id, result },
          { headers: { "mcp-session-id": "session-1" } },
        );
      if (message.method === "initialize") {
        initializes += 1;
        return reply({
          protocolVersion: message.params?.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: "fake", version: "1.0.0" },
        });
      }
      if (message.method === "tools/list") {
        return reply({ tools: [{ name: "echo", inputSchema: { type: "object", properties: {} } }] });
      }
      return reply({ content: [{ type: "text", text: "echoed" }] });
    };
    const bus = createAuthBus();
    const challenges: AuthEvents["challenge"][] = [];
    bus.on("challenge", (event) => {
      challenges.push(event);
    });
    const client = createMCPClient({
      ...base(),
      bus,
      fetch: fakeServer,
      servers: { files: { url: URL_, transport: "http" } },
    });
    clients.push(client);
    const [echo] = await client.getTools();
    expect(echo?.name).toBe("echo");
    authorized = false;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(challenges.some((event) => event.method === "GET" && event.callId === undefined)).toBe(true);

    authorized = true;
    expect(JSON.stringify(await echo?.invoke({}))).toContain("echoed");
    expect(initializes).toBe(2);
  });

  it("cannot be used after close", async () => {
    const client = createMCPClient({ ...base(), fetch: challengingFetch, servers: { files: { url: URL_ } } });
    await client.close();
    const error = await client.getTools().catch((e: unknown) => e);
    expect(isAuthbusError(error) && error.code).toBe("MCP_CLIENT_CLOSED");
  });
});
