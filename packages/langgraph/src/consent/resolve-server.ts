/** @module Read whatever an MCP client's `serverFor(toolName)` returns as a {@link ToolServer}. */
import type { ConsentChallenge, ToolServer } from "./consent-types.js";

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
  if (serverName === undefined || resource === undefined) return undefined;
  const challenge = toChallenge(record.challenge);
  return challenge ? { serverName, resource, challenge } : { serverName, resource };
}

function toChallenge(value: unknown): ConsentChallenge | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { status, oauth } = value as { status?: unknown; oauth?: unknown };
  if (typeof status !== "number") return undefined;
  return typeof oauth === "object" && oauth !== null
    ? { status, oauth: oauth as ConsentChallenge["oauth"] }
    : { status };
}
