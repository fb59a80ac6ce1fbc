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

const started = performance.now();
const demo = await startDemoServers({
  ports: {
    authServer: port("TESTKIT_AS_PORT"),
    calendar: port("TESTKIT_CALENDAR_PORT"),
    files: port("TESTKIT_FILES_PORT"),
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
