/**
 * @module The bench's demo servers (authorization server and MCP servers) on a thread of their
 * own, as in any deployment they are other machines: their CPU work then runs beside the
 * agent's instead of on the agent's event loop, and a request to them is a wait the agent can
 * overlap with its own work. Posts `{ calendarUrl }` once listening; closes on `"close"`.
 */
import { parentPort } from "node:worker_threads";
import { startDemoServers } from "@authbus/testkit";

const demo = await startDemoServers();
parentPort?.on("message", (message) => {
  if (message === "close") void demo.close().then(() => parentPort?.close());
});
parentPort?.postMessage({ calendarUrl: demo.calendar.url });
