/** @module The typed error of the multi-server MCP client (everything that is not an auth challenge). */

/** The stable codes an {@link MCPClientError} carries. */
export const MCP_CLIENT_ERROR_CODES = {
  /** A server could not be reached or did not speak MCP (not an auth challenge). */
  connectFailed: "MCP_CONNECT_FAILED",
  /** The client was closed; create a new one. */
  closed: "MCP_CLIENT_CLOSED",
  /** A server entry is malformed (bad URL, unknown transport, bad name). */
  invalidConfig: "MCP_INVALID_CONFIG",
  /** Two servers expose a tool of the same name; set `prefixToolNameWithServerName`. */
  toolNameCollision: "MCP_TOOL_NAME_COLLISION",
} as const;

export type MCPClientErrorCode = (typeof MCP_CLIENT_ERROR_CODES)[keyof typeof MCP_CLIENT_ERROR_CODES];

/** Options of {@link MCPClientError}. */
export interface MCPClientErrorInit {
  code: MCPClientErrorCode;
  serverName?: string;
  cause?: unknown;
}

/**
 * A failure of {@link createMCPClient} that is not an authentication challenge (those are
 * `AuthChallengeError` from `@authbus/core`). The message names the server and its URL
 * without query string, never a token.
 *
 * @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports
 * @example
 * if (isMCPClientError(error) && error.code === MCP_CLIENT_ERROR_CODES.connectFailed) retryLater();
 */
export class MCPClientError extends Error {
  override readonly name = "MCPClientError";
  readonly code: MCPClientErrorCode;
  readonly serverName: string | undefined;

  constructor(message: string, init: MCPClientErrorInit) {
    super(message, init.cause === undefined ? {} : { cause: init.cause });
    this.code = init.code;
    this.serverName = init.serverName;
  }
}

const codes = new Set<string>(Object.values(MCP_CLIENT_ERROR_CODES));

/**
 * Recognises an {@link MCPClientError} by `name` and `code`, so two installed copies agree.
 *
 * @see MCPClientError
 * @example
 * if (isMCPClientError(error)) console.warn(error.code, error.serverName);
 */
export function isMCPClientError(error: unknown): error is MCPClientError {
  return (
    error instanceof Error &&
    error.name === "MCPClientError" &&
    codes.has((error as { code?: unknown }).code as string)
  );
}
