/** @module Lists and calls an MCP server's tools over a given fetch, stateful (SDK v1 client) or stateless (2026-07-28). */
import type { FetchLike } from "@authbus/mcp";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const clientInfo = { name: "authbus-conformance-client", version: "0.1.0" };

/** What one session did: the tools it saw and what calling the first one answered. */
export interface SessionResult {
  tools: string[];
  called?: string;
}

/**
 * The MCP lifecycle with the SDK v1 `Client` (initialize handshake). All auth happens in `fetch`.
 */
export async function runStatefulSession(url: string, fetch: FetchLike): Promise<SessionResult> {
  const client = new Client(clientInfo);
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    const first = tools[0];
    if (first) await client.callTool({ name: first.name, arguments: {} });
    return { tools: tools.map((t) => t.name), ...(first ? { called: first.name } : {}) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** A JSON-RPC error answer of a stateless request. */
export class StatelessRequestError extends Error {
  override readonly name = "StatelessRequestError";
}

/**
 * The stateless lifecycle of MCP 2026-07-28 (SEP-2575: no initialize; each request names its
 * protocol version in a header and in `_meta`). SDK v1 has no client for it yet, so this is the
 * few lines it needs; authorization is the same `fetch`.
 */
export async function runStatelessSession(
  url: string,
  fetch: FetchLike,
  protocolVersion: string,
): Promise<SessionResult> {
  let id = 0;
  const request = async (method: string, params: Record<string, unknown> = {}): Promise<unknown> => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": protocolVersion,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: ++id,
        method,
        params: {
          ...params,
          _meta: {
            "io.modelcontextprotocol/protocolVersion": protocolVersion,
            "io.modelcontextprotocol/clientInfo": clientInfo,
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
    });
    const text = await response.text();
    const body = JSON.parse(text.startsWith("{") ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? "{}")) as {
      result?: unknown;
      error?: { code: number; message: string };
    };
    if (body.error) throw new StatelessRequestError(`${method}: ${body.error.code} ${body.error.message}`);
    return body.result;
  };
  const listed = (await request("tools/list")) as { tools?: { name: string }[] };
  const tools = listed.tools ?? [];
  const first = tools[0];
  if (first) await request("tools/call", { name: first.name, arguments: {} });
  return { tools: tools.map((t) => t.name), ...(first ? { called: first.name } : {}) };
}
