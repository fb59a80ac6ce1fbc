/** @module `pnpm demo`: the testkit's authorization server and MCP servers, and the chat, on loopback. */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemoServers } from "@authbus/testkit";
import { chooseModel } from "./choose-model.js";
import { startChatApp } from "./start-chat-app.js";

const appRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dataDir = process.env.AUTHBUS_DATA_DIR ?? join(appRoot, ".data");
mkdirSync(dataDir, { recursive: true });

const { model, label } = await chooseModel();
const demo = await startDemoServers();
const app = await startChatApp({
  servers: {
    calendar: { url: demo.calendar.url, description: "Your calendar: list upcoming events." },
    files: { url: demo.files.url, description: "Your files: list them, delete one." },
  },
  dataDir,
  webRoot: join(appRoot, "dist", "web"),
  port: Number(process.env.PORT ?? 0),
  model,
});

console.log(`
authbus chat is running.

  open  ${app.url}

  authorization server  ${demo.authServer.issuer}
  calendar MCP server   ${demo.calendar.url}
  files MCP server      ${demo.files.url}
  model                 ${label}

Sign in with any user name on the authorization server's page. Ctrl-C stops everything.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await app.close();
  await demo.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
