import { parseWWWAuthenticate } from "@authbus/core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { obtainTokens } from "../testing/oauth-flow.test-helpers.js";
import { DEMO_EVENTS, type DemoServers, startDemoServers } from "./start-demo-servers.js";

let demo: DemoServers;

beforeAll(async () => {
  demo = await startDemoServers();
});

afterAll(async () => {
  await demo.close();
});

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "demo-test", version: "0.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

describe("startDemoServers", () => {
  it("starts calendar and files on their own ports, registered with the authorization server", async () => {
    expect(new Set([demo.authServer.issuer, demo.calendar.origin, demo.files.origin]).size).toBe(3);
    expect(demo.authServer.resourceScopes(demo.calendar.url)).toEqual(["calendar.read"]);
    expect(demo.authServer.resourceScopes(demo.files.url)).toEqual(["files.read", "files.write"]);
    const metadata = (await (await fetch(demo.files.resourceMetadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: demo.files.url, resource_name: "Files" });
  });

  it("calendar: list_events returns the fixed events", async () => {
    const { access_token } = await obtainTokens(demo.authServer, {
      resource: demo.calendar.url,
      scope: "calendar.read",
    });
    const client = await connect(demo.calendar.url, access_token);
    try {
      const result = await client.callTool({ name: "list_events" });
      expect(result.structuredContent).toEqual({ events: DEMO_EVENTS.map((e) => ({ ...e })) });
      expect(demo.calendar.callCount("list_events")).toBe(1);
    } finally {
      await client.close();
    }
  });

  it("files: list_files with files.read, delete_file needs a step-up to files.write", async () => {
    const read = await obtainTokens(demo.authServer, { resource: demo.files.url, scope: "files.read" });
    const client = await connect(demo.files.url, read.access_token);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId ?? "";
    try {
      const listed = await client.callTool({ name: "list_files" });
      expect(
        (listed.structuredContent as { files: Array<{ name: string }> }).files.map((f) => f.name),
      ).toEqual(["notes.txt", "todo.md", "report.pdf"]);
      const response = await fetch(demo.files.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${read.access_token}`,
          "mcp-session-id": sessionId,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 9,
          method: "tools/call",
          params: { name: "delete_file", arguments: { name: "todo.md" } },
        }),
      });
      expect(response.status).toBe(403);
      const [challenge] = parseWWWAuthenticate(response.headers.get("www-authenticate") ?? "");
      expect(challenge?.params).toMatchObject({ error: "insufficient_scope", scope: "files.write" });
      expect(demo.fileNames()).toContain("todo.md");
    } finally {
      await client.close();
    }

    const write = await obtainTokens(demo.authServer, {
      resource: demo.files.url,
      scope: "files.read files.write",
    });
    const client2 = await connect(demo.files.url, write.access_token);
    try {
      const deleted = await client2.callTool({ name: "delete_file", arguments: { name: "todo.md" } });
      expect(deleted.content).toEqual([{ type: "text", text: "Deleted todo.md." }]);
      expect(demo.fileNames()).toEqual(["notes.txt", "report.pdf"]);
      const missing = await client2.callTool({ name: "delete_file", arguments: { name: "todo.md" } });
      expect(missing.isError).toBe(true);
      expect(demo.files.callCount("delete_file")).toBe(2);
    } finally {
      await client2.close();
    }
  });

  it("a calendar token is refused by files, and only files saw it", async () => {
    const { access_token } = await obtainTokens(demo.authServer, {
      resource: demo.calendar.url,
      scope: "calendar.read",
    });
    const error = await connect(demo.files.url, access_token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(demo.files.foreignTokens().map((t) => t.audience)).toEqual([[demo.calendar.url]]);
    expect(demo.calendar.foreignTokens()).toEqual([]);
  });
});
