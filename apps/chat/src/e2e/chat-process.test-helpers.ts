/**
 * @module The chat server as a process of its own, for the SIGKILL tests: `node --import tsx
 * chat-process.test-helpers.ts '<json>'` with `{ servers, dataDir, port }` starts the chat with
 * its SQLite stores in `dataDir` on a fixed port, and prints `{"url": …}` once it listens. It
 * runs the built server (`dist/server`, from `npx turbo run build`), so server and page
 * (`dist/web`) are always of the same build.
 *
 * Test-only: `AUTHBUS_TEST_CRASH_AT=after-settle` makes the process SIGKILL itself the moment a
 * callback has settled a consent (on `consent.granted`, which the consents emit right after the
 * settle is stored and before the callback hands the consent to the resumer), so no resumed run
 * has saved anything. Nothing in the app reads this variable.
 */
import type { ChatProcessInput } from "./browser.test-helpers.js";

const built = new URL("../../dist/server/start-chat-app.js", import.meta.url).href;
const { startChatApp } = (await import(built)) as typeof import("../server/start-chat-app.js");
const input = JSON.parse(process.argv[2] ?? "{}") as ChatProcessInput;
const app = await startChatApp({
  servers: input.servers,
  dataDir: input.dataDir,
  port: input.port,
  webRoot: new URL("../../dist/web", import.meta.url).pathname,
});
if (process.env.AUTHBUS_TEST_CRASH_AT === "after-settle") {
  app.bus.on("consent.granted", () => process.kill(process.pid, "SIGKILL"));
}
process.stdout.write(`${JSON.stringify({ url: app.url })}\n`);
