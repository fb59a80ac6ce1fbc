/** @module The typed error of the multi-server MCP client (everything that is not an auth challenge). */

import { AuthbusError } from "@authbus/core";

/**
 * The codes an {@link MCPClientError} carries: a server that could not be reached or did not
 * speak MCP (`MCP_CONNECT_FAILED`), a closed client (`MCP_CLIENT_CLOSED`), a malformed server
 * entry (`MCP_INVALID_CONFIG`), two servers with a tool of the same name
 * (`MCP_TOOL_NAME_COLLISION`; set `prefixToolNameWithServerName`).
 */
export type MCPClientErrorCode =
  | "MCP_CONNECT_FAILED"
  | "MCP_CLIENT_CLOSED"
  | "MCP_INVALID_CONFIG"
  | "MCP_TOOL_NAME_COLLISION";

/**
 * A failure of {@link createMCPClient} that is not an authentication challenge (those are
 * `AuthChallengeError` from `@authbus/core`). The message names the server and its URL
 * without query string, never a token.
 *
 * @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports
 * @example
 * if (isAuthbusError(error, "MCP_CONNECT_FAILED")) retryLater(error.serverName);
 */
export class MCPClientError extends AuthbusError<MCPClientErrorCode> {
  override readonly name = "MCPClientError";
  readonly serverName: string | undefined;

  constructor(options: {
    code: MCPClientErrorCode;
    message: string;
    serverName?: string | undefined;
    cause?: unknown;
  }) {
    super({ code: options.code, message: options.message, cause: options.cause });
    this.serverName = options.serverName;
  }
}

// What `isAuthbusError(e, code)` narrows each @authbus/mcp code to.
declare module "@authbus/core" {
  interface AuthbusErrorMap {
    MCP_CONNECT_FAILED: MCPClientError;
    MCP_CLIENT_CLOSED: MCPClientError;
    MCP_INVALID_CONFIG: MCPClientError;
    MCP_TOOL_NAME_COLLISION: MCPClientError;
  }
}
