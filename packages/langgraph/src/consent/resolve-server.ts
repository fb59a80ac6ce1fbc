/** @module Read whatever an MCP client's `serverFor(toolName)` returns as a {@link ToolServer}. */
import type { ToolServer } from "./consent-types.js";

function text(record: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === "string" && value !== "") return value;
    if (value instanceof URL) return value.href;
  }
  return undefined;
}

/**
 * Accepts `{ serverName | name, resource | url }` (a server entry of `createMCPClient`); returns
 * `undefined` for anything else, so the caller falls back to the challenge's own URL.
 */
export function toToolServer(value: unknown): ToolServer | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const serverName = text(record, "serverName", "name");
  const resource = text(record, "resource", "url");
  return serverName !== undefined && resource !== undefined ? { serverName, resource } : undefined;
}
