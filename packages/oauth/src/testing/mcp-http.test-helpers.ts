/** @module Plain-fetch MCP requests for integration tests: initialize, then call a tool, with an optional token. */

const headers = (token?: string, session?: string): Record<string, string> => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  ...(token ? { authorization: `Bearer ${token}` } : {}),
  ...(session ? { "mcp-session-id": session } : {}),
});

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "authbus-oauth-test", version: "0" },
  },
};

/** POSTs `initialize` to an MCP endpoint. */
export function postInitialize(url: string, token?: string): Promise<Response> {
  return fetch(url, { method: "POST", headers: headers(token), body: JSON.stringify(initialize) });
}

/** Initializes a session and calls a tool; returns the tools/call response (status and challenge kept). */
export async function callTool(url: string, name: string, token: string): Promise<Response> {
  const init = await postInitialize(url, token);
  if (init.status !== 200) return init;
  await init.text();
  const session = init.headers.get("mcp-session-id") ?? undefined;
  const notified = await fetch(url, {
    method: "POST",
    headers: headers(token, session),
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await notified.text();
  return fetch(url, {
    method: "POST",
    headers: headers(token, session),
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name, arguments: {} } }),
  });
}
