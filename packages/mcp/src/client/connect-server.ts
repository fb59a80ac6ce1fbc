/** @module Connects one MCP server over streamable HTTP or SSE, with authFetch as the transport's fetch. */
import { isAuthbusError, redactUrl } from "@authbus/core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { FetchLike } from "../auth-fetch/replayable-request.js";
import { MCPClientError } from "../errors/mcp-client-error.js";
import { withChallengeCapture } from "./challenge-capture.js";

/** How to reach a server: MCP streamable HTTP, the older HTTP+SSE transport, or HTTP then SSE. */
export type MCPTransportKind = "http" | "sse" | "auto";

export interface ConnectServerOptions {
  serverName: string;
  url: string;
  transport: MCPTransportKind;
  fetch: FetchLike;
  clientInfo: { name: string; version: string };
  /** Called with each new SDK `Client` before it connects (capabilities, handlers). */
  prepare?: (client: Client) => void;
}

function createTransport(kind: "http" | "sse", url: URL, fetch: FetchLike): Transport {
  return kind === "http"
    ? new StreamableHTTPClientTransport(url, { fetch })
    : new SSEClientTransport(url, { fetch });
}

/** A streamable-HTTP failure that means "this server may speak the older SSE transport". */
function worthSSEFallback(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // MCP transports spec, backwards compatibility: a 4xx to the initialize POST suggests HTTP+SSE.
  return typeof code === "number" && code >= 400 && code < 500;
}

/**
 * Connects an SDK `Client` to one server. A challenge rejects with the `AuthChallengeError`
 * itself (never an SSE fallback: the server did answer); anything else with an
 * {@link MCPClientError} `MCP_CONNECT_FAILED`. A failed attempt is closed before returning.
 *
 * @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#backwards-compatibility
 */
export async function connectServer(options: ConnectServerOptions): Promise<Client> {
  const kinds: ("http" | "sse")[] = options.transport === "auto" ? ["http", "sse"] : [options.transport];
  const url = new URL(options.url);
  let lastError: unknown;
  for (const kind of kinds) {
    const client = new Client(options.clientInfo);
    options.prepare?.(client);
    const transport = createTransport(kind, url, options.fetch);
    try {
      await withChallengeCapture(() => client.connect(transport));
      return client;
    } catch (error) {
      // Closing also stops an SSE EventSource that would otherwise keep reconnecting.
      await client.close().catch(() => undefined);
      await transport.close().catch(() => undefined);
      if (isAuthbusError(error, "AUTH_CHALLENGE")) throw error;
      lastError = error;
      if (!(kind === "http" && options.transport === "auto" && worthSSEFallback(error))) break;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new MCPClientError({
    message: `could not connect to MCP server "${options.serverName}" at ${redactUrl(options.url)}: ${reason}`,
    code: "MCP_CONNECT_FAILED",
    serverName: options.serverName,
    cause: lastError,
  });
}
