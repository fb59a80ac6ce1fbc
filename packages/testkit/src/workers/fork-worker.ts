/**
 * @module The parent side of multi-process tests: fork a worker script, send it commands over
 * IPC and read its replies and announcements, SIGKILL it at the moment a test chooses.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/** A worker's reply to one command: `id` echoes the command's, `ok: false` when it failed. */
export interface WorkerReply {
  id: number;
  ok: boolean;
  [field: string]: unknown;
}

/** Options of {@link forkWorker}. */
export interface ForkWorkerOptions {
  /** The worker script; a `.ts`, `.mts` or `.cts` one is run through `tsx` (which must be installed). */
  script: string | URL;
  /** Names the worker in errors. */
  name: string;
  /** Added to this process's environment (how the worker learns its configuration). */
  env?: Record<string, string>;
  /** The worker's working directory. Default: this process's. */
  cwd?: string | URL;
}

/** A forked worker. `Command` is what it accepts, without the `id` this side adds. */
export interface ForkedWorker<Command extends { type: string }> {
  readonly name: string;
  readonly process: ChildProcess;
  /** Sends a command; resolves with the worker's reply, whether `ok` or not. */
  request(command: Command): Promise<WorkerReply>;
  /** Resolves with the next message the worker announces with this `type` (not a reply). */
  next(type: string): Promise<Record<string, unknown>>;
  /** SIGKILLs the worker (unless it is gone already) and waits until it is. */
  kill(): Promise<void>;
  /** Sends `{ type: "close" }`, then waits for the worker to exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * Forks `script` with an IPC channel and waits until it announces `{ type: "ready" }`.
 * The worker answers each command `{ …command, id }` with `{ id, ok, … }` and may announce
 * `{ type, … }` messages (a moment a test waits for) at any time.
 *
 * @throws {Error} when the worker exits before it is ready.
 */
export async function forkWorker<Command extends { type: string }>(
  options: ForkWorkerOptions,
): Promise<ForkedWorker<Command>> {
  const script = typeof options.script === "string" ? options.script : fileURLToPath(options.script);
  const cwd = options.cwd instanceof URL ? fileURLToPath(options.cwd) : options.cwd;
  const child = fork(script, [], {
    ...(cwd === undefined ? {} : { cwd }),
    execArgv: /\.[cm]?ts$/.test(script) ? ["--import", "tsx"] : [],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 1;
  const pending = new Map<number, (reply: WorkerReply) => void>();
  const waiting: Array<{ type: string; resolve: (message: Record<string, unknown>) => void }> = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("message", (message: Record<string, unknown>) => {
    if (typeof message.type === "string") {
      const index = waiting.findIndex((entry) => entry.type === message.type);
      if (index >= 0) waiting.splice(index, 1)[0]?.resolve(message);
      return;
    }
    const reply = message as WorkerReply;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiting.push({ type, resolve });
    });
  await Promise.race([
    next("ready"),
    exited.then(() => {
      throw new Error(`worker ${options.name} exited before it was ready`);
    }),
  ]);
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const ask = (command: { type: string }): Promise<WorkerReply> => {
    const id = nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      pending.set(id, resolve);
      child.send({ ...command, id }, (error) => {
        if (error) reject(error);
      });
    });
  };
  return {
    name: options.name,
    process: child,
    request: ask,
    next,
    async kill() {
      if (!gone()) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (gone()) return;
      await ask({ type: "close" });
      child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
