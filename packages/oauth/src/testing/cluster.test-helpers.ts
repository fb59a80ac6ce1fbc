/** @module The parent side of the multi-process tests: fork workers, send them commands, kill them. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { WorkerCommand, WorkerConfig } from "./cluster-worker.test-helpers.js";

const script = fileURLToPath(new URL("./cluster-worker.test-helpers.ts", import.meta.url));

type Reply = { id: number; ok: boolean; [field: string]: unknown };
type Command = WorkerCommand extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;

/** A forked worker. */
export interface TestWorker {
  readonly name: string;
  readonly process: ChildProcess;
  /** Sends a command; resolves with the worker's reply. */
  request(command: Command): Promise<Reply>;
  /** Resolves with the next message of `type` (e.g. `holding`, `paused`). */
  next(type: string): Promise<Record<string, unknown>>;
  /** SIGKILLs the worker and waits until it is gone. */
  kill(): Promise<void>;
  /** Asks the worker to close its stores, then waits for it to exit. */
  stop(): Promise<void>;
}

/** Forks a worker and waits until its stores are open. */
export async function startWorker(config: WorkerConfig): Promise<TestWorker> {
  const child = fork(script, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, AUTHBUS_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 1;
  const pending = new Map<number, (reply: Reply) => void>();
  const waiting: Array<{ type: string; resolve: (message: Record<string, unknown>) => void }> = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("message", (message: Record<string, unknown>) => {
    if (typeof message.type === "string") {
      const index = waiting.findIndex((entry) => entry.type === message.type);
      if (index >= 0) waiting.splice(index, 1)[0]?.resolve(message);
      return;
    }
    const reply = message as Reply;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
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
  const worker: TestWorker = {
    name: config.name,
    process: child,
    request(command) {
      const id = nextId++;
      return new Promise<Reply>((resolve, reject) => {
        pending.set(id, resolve);
        child.send({ ...command, id }, (error) => {
          if (error) reject(error);
        });
      });
    },
    next,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await worker.request({ type: "close" });
      child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return worker;
}
