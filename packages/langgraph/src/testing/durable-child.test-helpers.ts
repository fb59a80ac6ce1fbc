/**
 * @module A process that runs an agent until it pauses for consent, prints the pending
 * interrupts as one JSON line, then waits to be killed. Run with `node --import tsx`.
 */
import { openWorld, type ServerUrls } from "./consent-world.test-helpers.js";

interface ChildInput {
  urls: ServerUrls;
  storePath: string;
  checkpointPath: string;
  subject: string;
  threadId: string;
  text: string;
}

const input = JSON.parse(process.argv[2] ?? "{}") as ChildInput;
const world = openWorld({
  urls: input.urls,
  storePath: input.storePath,
  checkpointPath: input.checkpointPath,
});
const rig = world.agentFor(input.subject);
await rig.ask(input.threadId, input.text);
const pending = await rig.pending(input.threadId);
process.stdout.write(`${JSON.stringify({ pid: process.pid, pending })}\n`);
// Hold the stores, the checkpointer and the MCP sessions open until the parent kills us.
setInterval(() => undefined, 60_000);
