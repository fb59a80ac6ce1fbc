/**
 * @module The chat on N workers (node:cluster): the primary forks workers of the same script,
 * which all serve one port; each opens the shared Postgres deployment (see `deployment.ts`).
 */
import cluster, { type Worker } from "node:cluster";

/** Workers forked by {@link forkChatWorkers}. */
export interface ChatWorkers {
  readonly count: number;
  /** Stops every worker (SIGTERM, then SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Whether this process is a worker forked by {@link forkChatWorkers}. */
export function isChatWorker(): boolean {
  return cluster.isWorker;
}

/**
 * Forks `count` workers running this same script with `env` added (e.g. the port and the MCP
 * servers the primary chose); resolves once every worker listens. A worker that dies is
 * replaced: its leases expire and the others finish its work.
 */
export async function forkChatWorkers(count: number, env: Record<string, string>): Promise<ChatWorkers> {
  let stopping = false;
  const fork = (): Worker => {
    const worker = cluster.fork(env);
    worker.once("exit", (code, signal) => {
      if (stopping) return;
      console.error(
        `authbus chat: worker ${worker.process.pid} exited (${signal ?? code}); starting another`,
      );
      fork();
    });
    return worker;
  };
  const workers = Array.from({ length: count }, fork);
  await Promise.all(
    workers.map((worker) => new Promise<void>((resolve) => worker.once("listening", () => resolve()))),
  );
  return {
    count,
    async stop(graceMs = 5_000) {
      stopping = true;
      const alive = Object.values(cluster.workers ?? {}).filter(
        (worker): worker is Worker => worker !== undefined,
      );
      await Promise.all(
        alive.map(
          (worker) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => worker.process.kill("SIGKILL"), graceMs);
              worker.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
              worker.process.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}

/** A free port on 127.0.0.1, chosen before the workers start so they all serve the same one. */
export async function pickPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}
