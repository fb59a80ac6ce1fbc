/** @module The parent side of the SIGKILL tests: fork mail workers, send them commands, kill them. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { MailWorkerCommand, MailWorkerConfig } from "./mail-worker.test-helpers.js";

const script = fileURLToPath(new URL("./mail-worker.test-helpers.ts", import.meta.url));

type Reply = { id: number; ok: boolean; [field: string]: unknown };
type Command = MailWorkerCommand extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;

/** A forked worker. */
export interface MailWorker {
  readonly name: string;
  readonly process: ChildProcess;
  /** Sends a command; resolves with the worker's reply (rejects when it answers `ok: false`). */
  request(command: Command): Promise<Reply>;
  /** Resolves with the next message of `type` (`holding-exchange`, `before-start`). */
  next(type: string): Promise<Record<string, unknown>>;
  /** SIGKILLs the worker and waits until it is gone. */
  kill(): Promise<void>;
  /** Asks the worker to close its app, then waits for it to exit. */
  stop(): Promise<void>;
}

/** Forks a worker and waits until its app is attached. */
export async function startMailWorker(config: MailWorkerConfig): Promise<MailWorker> {
  const child = fork(script, [], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    execArgv: ["--import", "tsx"],
    env: { ...process.env, AUTHBUS_MAIL_WORKER: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  const waiting: Array<{ type: string; resolve: (message: Record<string, unknown>) => void }> = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("message", (message: Record<string, unknown>) => {
    if (typeof message.type === "string") {
      const index = waiting.findIndex((entry) => entry.type === message.type);
      if (index >= 0) waiting.splice(index, 1)[0]?.resolve(message);
      return;
    }
    const reply = message as Reply;
    const entry = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) entry?.resolve(reply);
    else entry?.reject(new Error(`worker ${config.name}: ${String(reply.error)}`));
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiting.push({ type, resolve });
    });
  const ready = next("ready");
  await Promise.race([
    ready,
    exited.then(() => {
      throw new Error(`worker ${config.name} exited before it was ready`);
    }),
  ]);
  const worker: MailWorker = {
    name: config.name,
    process: child,
    request(command) {
      const id = nextId++;
      return new Promise<Reply>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ ...command, id }, (error) => {
          if (error) reject(error);
        });
      });
    },
    next,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await worker.request({ type: "close" }).catch(() => undefined);
      child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return worker;
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
