/** @module Runs the agent per thread, one run at a time, and tells the page what changed. */
import { HumanMessage } from "@langchain/core/messages";
import type { ThreadRun } from "authbus";
import type { ThreadView } from "../shared/thread-view.js";
import { toThreadView } from "./to-thread-view.js";

type Snapshot = Parameters<typeof toThreadView>[1];

/** Whose run it is: the signed-in user and the browser session (authbus binds consents to both). */
export interface RunContext {
  subject: string;
  session?: string;
}

/** The config of one run: the thread, and what authbus reads (the run's `context`, and on a resume its session digest). */
export interface RunConfig {
  configurable: { thread_id: string; [key: string]: unknown };
  context: RunContext;
}

/** The part of a compiled `createAgent` graph the runner uses. */
export interface ChatGraph {
  stream(input: unknown, options: RunConfig & { streamMode: "values" }): Promise<AsyncIterable<unknown>>;
  getState(
    config: { configurable: { thread_id: string } },
    options?: { subgraphs?: boolean },
  ): Promise<Snapshot>;
}

export const THREAD_BUSY = "THREAD_BUSY" as const;

/** A message sent while the agent is still answering, or while it waits for consent. */
export class ThreadBusyError extends Error {
  override readonly name = "ThreadBusyError";
  readonly code = THREAD_BUSY;
}

export function isThreadBusyError(error: unknown): error is ThreadBusyError {
  return error instanceof Error && (error as { code?: unknown }).code === THREAD_BUSY;
}

type Listener = (view: ThreadView) => void;

const threadConfig = (threadId: string) => ({ configurable: { thread_id: threadId } });

/**
 * Each thread runs one thing at a time: a new message, or a run authbus asks for (a resume
 * after consent, or finishing what a killed process left), queued in order. Every step of a
 * run is pushed to the thread's listeners as a fresh view.
 */
export class ThreadRunner {
  readonly #graph: ChatGraph;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #running = new Set<string>();
  readonly #errors = new Map<string, string>();

  constructor(graph: ChatGraph) {
    this.#graph = graph;
  }

  subscribe(threadId: string, listener: Listener): () => void {
    let listeners = this.#listeners.get(threadId);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(threadId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(threadId);
    };
  }

  async view(threadId: string): Promise<ThreadView> {
    const snapshot = await this.#graph.getState(threadConfig(threadId), { subgraphs: true });
    return toThreadView(threadId, snapshot, this.#running.has(threadId), this.#errors.get(threadId));
  }

  async #publish(threadId: string, known?: ThreadView): Promise<void> {
    const listeners = this.#listeners.get(threadId);
    if (!listeners?.size) return;
    const view = known ?? (await this.view(threadId));
    for (const listener of listeners) listener(view);
  }

  /**
   * Starts answering a message as `context.subject`; resolves once the run is queued.
   *
   * @throws {ThreadBusyError} while the agent is answering or waits for consent.
   */
  async send(threadId: string, text: string, context: RunContext): Promise<void> {
    if (this.#running.has(threadId) || this.#queues.has(threadId)) {
      throw new ThreadBusyError("The agent is still answering your previous message.");
    }
    const view = await this.view(threadId);
    if (view.pending.length > 0) {
      throw new ThreadBusyError("Answer the access request above first (Authorize or Deny).");
    }
    void this.#enqueue(threadId, () =>
      this.#run({ messages: [new HumanMessage(text)] }, { ...threadConfig(threadId), context }),
    );
  }

  /** Makes a run authbus asks for (`attach(agent, { run })`), in the thread's queue; resolves when it has ended. */
  runForAuthbus(run: ThreadRun): Promise<void> {
    return this.#enqueue(run.threadId, async () => {
      const input = await run.input();
      if (input !== undefined) await this.#run(input, run.config);
    });
  }

  #enqueue(threadId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(threadId) ?? Promise.resolve();
    const next = previous.then(task).catch((error: unknown) => {
      this.#errors.set(threadId, error instanceof Error ? error.message : String(error));
      return this.#publish(threadId).catch(() => {});
    });
    this.#queues.set(threadId, next);
    void next.finally(() => {
      if (this.#queues.get(threadId) === next) this.#queues.delete(threadId);
    });
    return next;
  }

  async #run(input: unknown, config: RunConfig): Promise<void> {
    const threadId = config.configurable.thread_id;
    this.#running.add(threadId);
    this.#errors.delete(threadId);
    try {
      await this.#publish(threadId);
      const stream = await this.#graph.stream(input, { ...config, streamMode: "values" });
      for await (const _ of stream) await this.#publish(threadId);
    } finally {
      this.#running.delete(threadId);
      await this.#publish(threadId);
    }
  }

  /** Resolves when every queued run has finished (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.allSettled([...this.#queues.values()]);
  }
}
