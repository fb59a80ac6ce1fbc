/** @module Every server's tools as one list: an unreachable server left out (when stand-ins are wanted), a name used twice refused. */

import { isAuthbusError } from "@authbus/core";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import { MCPClientError } from "../errors/mcp-client-error.js";
import type { MCPToolServer, OnUnauthorized } from "./mcp-client-types.js";
import type { ServerState } from "./server-state.js";

/**
 * Merges the settled tool lists of `list` (same order), recording on each server whether it
 * was reachable and in `toolServers` which server each tool belongs to.
 *
 * @throws the first failure that is not an unreachable server (any, with `onUnauthorized:
 *   "throw"`); the first failure when no server was reachable; {@link MCPClientError}
 *   `MCP_TOOL_NAME_COLLISION` when two servers name a tool the same.
 */
export function mergeTools(
  list: readonly ServerState[],
  results: readonly PromiseSettledResult<DynamicStructuredTool[]>[],
  onUnauthorized: OnUnauthorized,
  toolServers: Map<string, MCPToolServer>,
): DynamicStructuredTool[] {
  let reachable = 0;
  for (const [index, result] of results.entries()) {
    const state = list[index] as ServerState;
    if (result.status === "fulfilled") {
      reachable += 1;
      state.unreachable = undefined;
      continue;
    }
    // Only an unreachable server is left out, and only when stand-ins are wanted.
    const reason: unknown = result.reason;
    if (onUnauthorized === "throw" || !isAuthbusError(reason, "MCP_CONNECT_FAILED")) throw reason;
    state.unreachable = reason;
  }
  if (reachable === 0 && list.length > 0) {
    throw (results.find((result) => result.status === "rejected") as PromiseRejectedResult).reason;
  }
  const tools: DynamicStructuredTool[] = [];
  const names = new Map<string, string>();
  for (const [index, result] of results.entries()) {
    const state = list[index] as ServerState;
    if (result.status === "rejected") continue;
    for (const tool of result.value) {
      const other = names.get(tool.name);
      if (other !== undefined) {
        throw new MCPClientError({
          message: `servers "${other}" and "${state.name}" both have a tool named "${tool.name}"; set loadToolsOptions.prefixToolNameWithServerName`,
          code: "MCP_TOOL_NAME_COLLISION",
          serverName: state.name,
        });
      }
      names.set(tool.name, state.name);
      tools.push(tool);
      toolServers.set(tool.name, {
        serverName: state.name,
        resource: state.info.resource,
        connectTool: tool === state.connectTool,
      });
    }
  }
  return tools;
}
