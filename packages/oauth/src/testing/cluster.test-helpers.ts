/** @module The parent side of the multi-process tests: fork store workers, send them commands, kill them. */
import { type ForkedWorker, forkWorker } from "@authbus/testkit";
import type { WorkerCommand, WorkerConfig } from "./cluster-worker.test-helpers.js";

type Command = WorkerCommand extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;

/** A forked worker over the stores (its announcements: e.g. `holding`, `paused`). */
export type TestWorker = ForkedWorker<Command>;

/** Forks a worker and waits until its stores are open. */
export function startWorker(config: WorkerConfig): Promise<TestWorker> {
  return forkWorker<Command>({
    script: new URL("./cluster-worker.test-helpers.ts", import.meta.url),
    name: config.name,
    env: { AUTHBUS_WORKER_CONFIG: JSON.stringify(config) },
  });
}
