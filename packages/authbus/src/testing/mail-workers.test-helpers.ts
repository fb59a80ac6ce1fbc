/** @module The parent side of the SIGKILL tests: fork mail workers, send them commands, kill them. */
import { type ForkedWorker, forkWorker, type WorkerReply } from "@authbus/testkit";
import type { MailWorkerCommand, MailWorkerConfig } from "./mail-worker.test-helpers.js";

type Command = MailWorkerCommand extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;

/** A forked mail worker (announcements: `holding-exchange`, `before-start`); its `request` rejects when the worker answers `ok: false`. */
export type MailWorker = ForkedWorker<Command>;

/** Forks a worker and waits until its app is attached. */
export async function startMailWorker(config: MailWorkerConfig): Promise<MailWorker> {
  const worker = await forkWorker<Command>({
    script: new URL("./mail-worker.test-helpers.ts", import.meta.url),
    name: config.name,
    env: { AUTHBUS_MAIL_WORKER: JSON.stringify(config) },
    cwd: new URL("../..", import.meta.url),
  });
  return {
    ...worker,
    async request(command): Promise<WorkerReply> {
      const reply = await worker.request(command);
      if (!reply.ok) throw new Error(`worker ${config.name}: ${String(reply.error)}`);
      return reply;
    },
  };
}

/** Polls `condition` until it holds: a generous deadline, never a timing assertion. */
export async function until<T>(
  what: string,
  condition: () => Promise<T | undefined | false>,
  deadlineMs = 120_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`${what}: not reached before the deadline`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
