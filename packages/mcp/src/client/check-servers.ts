/** @module Checking the configured servers before anything connects: names, URLs, transports. */
import { MCPClientError } from "../errors/mcp-client-error.js";
import type { MCPServerConfig } from "./mcp-client-types.js";

/**
 * Refuses a server map with no server, an empty name, a URL that is not absolute http(s), or an
 * unknown transport.
 *
 * @throws {MCPClientError} `MCP_INVALID_CONFIG`, naming the server.
 */
export function checkServers(servers: Readonly<Record<string, MCPServerConfig>>): void {
  const names = Object.keys(servers);
  if (names.length === 0) {
    throw new MCPClientError({
      message: "servers must name at least one MCP server",
      code: "MCP_INVALID_CONFIG",
    });
  }
  for (const name of names) {
    const config = servers[name] as MCPServerConfig;
    if (name.trim() === "") {
      throw new MCPClientError({ message: "a server name must not be empty", code: "MCP_INVALID_CONFIG" });
    }
    let url: URL;
    try {
      url = new URL(config?.url);
    } catch {
      throw new MCPClientError({
        message: `server "${name}": url is not an absolute URL`,
        code: "MCP_INVALID_CONFIG",
        serverName: name,
      });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new MCPClientError({
        message: `server "${name}": url must be http(s)`,
        code: "MCP_INVALID_CONFIG",
        serverName: name,
      });
    }
    if (config.transport !== undefined && !["http", "sse", "auto"].includes(config.transport)) {
      throw new MCPClientError({
        message: `server "${name}": transport must be "http", "sse" or "auto"`,
        code: "MCP_INVALID_CONFIG",
        serverName: name,
      });
    }
  }
}
