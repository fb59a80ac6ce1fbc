/** @module URL-mode elicitation from inside a test MCP server's tool call, towards the calling client. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";

/** A URL-mode elicitation as a server sends it. */
export interface ToolUrlElicitation {
  elicitationId: string;
  url: string;
  message: string;
}

/** What a tool handler can ask of the calling client (MCP 2025-11-25 URL-mode elicitation). */
export interface ToolElicitation {
  /** Whether the client declared `capabilities.elicitation.url`. */
  readonly supported: boolean;
  /**
   * Sends `elicitation/create` (`mode: "url"`) on this call's stream and resolves with the
   * client's action.
   *
   * @throws the SDK's error when the client does not answer within `timeoutMs` (default 10 minutes).
   */
  request(elicitation: ToolUrlElicitation, options?: { timeoutMs?: number }): Promise<string>;
  /**
   * Sends `notifications/elicitation/complete` on the session's standalone stream (it may come
   * long after the call ended). Failures (the session is gone) are ignored.
   */
  complete(elicitationId: string): Promise<void>;
}

/**
 * The {@link ToolElicitation} of one tool call of `server`.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 */
export function createToolElicitation(
  server: McpServer,
  extra: { requestId: string | number },
): ToolElicitation {
  return {
    get supported() {
      return server.server.getClientCapabilities()?.elicitation?.url !== undefined;
    },
    async request(elicitation, options = {}) {
      const result = await server.server.elicitInput(
        { mode: "url", ...elicitation },
        // Related to the call: streamable HTTP sends it on the call's own response stream.
        { relatedRequestId: extra.requestId, timeout: options.timeoutMs ?? 600_000 },
      );
      return result.action;
    },
    async complete(elicitationId) {
      try {
        await server.server.createElicitationCompletionNotifier(elicitationId)();
      } catch {
        // The client went away; it will ask again.
      }
    },
  };
}
