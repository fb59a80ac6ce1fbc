/** @module The README example, type-checked by `tsc -p tsconfig.test.json`. */
import { createAuthBus, isAuthbusError, MemoryTokenStore } from "@authbus/core";
import { createMCPClient } from "@authbus/mcp";

const bus = createAuthBus();
bus.on("challenge", (e) => console.log(e.serverName, e.status, e.oauth?.error, e.callId));
const client = createMCPClient({
  servers: { files: { url: "https://files.example.com/mcp", description: "the user's files" } },
  tokens: new MemoryTokenStore(),
  bus,
  subject: "alice",
});
const tools = await client.getTools(); // [connect_files] until alice has a token, then the real tools
await tools[0]
  ?.invoke({})
  .catch((e) => isAuthbusError(e, "AUTH_CHALLENGE") && console.log(e.wwwAuthenticate));
await client.close();
