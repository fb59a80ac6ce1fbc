#!/usr/bin/env node
/** @module `pnpm testkit`: start the demo servers and print their URLs; Ctrl-C stops them. */
import { startDemoServers } from "./demo/start-demo-servers.js";

function port(name: string): number {
  const value = process.env[name];
  if (value === undefined || value === "") return 0;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    console.error(`${name} must be a port number, got ${value}`);
    process.exit(2);
  }
  return parsed;
}

// TESTKIT_DPOP=1: DPoP-bound tokens only (RFC 9449); TESTKIT_DPOP=nonce: with server nonces too.
const dpopSetting = process.env.TESTKIT_DPOP ?? "";
if (!["", "0", "1", "nonce"].includes(dpopSetting)) {
  console.error(`TESTKIT_DPOP must be 1 or nonce, got ${dpopSetting}`);
  process.exit(2);
}
const dpop = dpopSetting === "1" || dpopSetting === "nonce";

const started = performance.now();
const demo = await startDemoServers({
  ...(dpop ? { dpop: { requireNonce: dpopSetting === "nonce" } } : {}),
  ports: {
    authServer: port("TESTKIT_AS_PORT"),
    calendar: port("TESTKIT_CALENDAR_PORT"),
    files: port("TESTKIT_FILES_PORT"),
    repos: port("TESTKIT_REPOS_PORT"),
    octo: port("TESTKIT_OCTO_PORT"),
  },
});
const ms = Math.round(performance.now() - started);

console.log(`authbus testkit ready in ${ms} ms
  authorization server  ${demo.authServer.issuer}
    public client_id    ${demo.authServer.clientId} (redirect http://127.0.0.1:<any port>/callback)
    metadata            ${demo.authServer.endpoints.oauthMetadata}
  calendar MCP server   ${demo.calendar.url}   (list_events: calendar.read)
    SSE                 ${demo.calendar.sseUrl}
  files MCP server      ${demo.files.url}   (list_files: files.read, delete_file: files.write)
    SSE                 ${demo.files.sseUrl}
  repos MCP server      ${demo.repos.url}   (list_repositories: repos.read, then Octo via URL elicitation)
  Octo (third party)    ${demo.octo.origin}
  tokens                ${dpop ? `DPoP-bound only (RFC 9449)${dpopSetting === "nonce" ? ", server nonces required" : ""}` : "Bearer (TESTKIT_DPOP=1 for DPoP)"}
Press Ctrl-C to stop.`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  demo.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
