/**
 * @module A process that runs the mail app until its runs end or pause, prints the pending
 * consents as one JSON line, then waits to be killed. Run with `node --import tsx`.
 */
import { openMailApp } from "./mail-world.test-helpers.js";

interface ChildInput {
  mailUrl: string;
  storePath: string;
  checkpointPath: string;
  runs: { threadId: string; subject: string; session: string; text: string }[];
}

const input = JSON.parse(process.argv[2] ?? "{}") as ChildInput;
const app = openMailApp(input);
await app.authbus.attach(app.agent);
process.stdout.write(`${JSON.stringify({ started: true })}\n`);
await Promise.all(input.runs.map((run) => app.ask(run.threadId, run.subject, run.text, run.session)));
const pending = await Promise.all(input.runs.map((run) => app.pending(run.threadId)));
process.stdout.write(`${JSON.stringify({ pending: pending.flat() })}\n`);
// Hold everything open until the parent kills us.
setInterval(() => undefined, 60_000);
