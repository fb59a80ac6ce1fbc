/** @module Runs the agent per thread, one run at a time, and tells the page what changed. */
import type { ConsentOutcome } from "@authbus/core";
import { isConsentNotPendingError, resumeConsent } from "@authbus/langgraph";
import { HumanMessage } from "@langchain/core/messages";
import type { ThreadView } from "../shared/thread-view.js";
import type { ThreadIndex } from "./thread-index.js";
import { toThreadView } from "./to-thread-view.js";

type Snapshot = Parameters<typeof toThreadView>[1];

/** The part of a compiled `createAgent` graph the runner uses. */
export interface ChatGraph {
  stream(
    input: unknown,
    options: { configurable: { thread_id: string }; streamMode: "values" },
  ): Promise<AsyncIterable<unknown>>;
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

const config = (threadId: string) => ({ configurable: { thread_id: threadId } });

/**
 * Each thread runs one thing at a time: a new message, or resumes after consent, queued in
 * order. Every step of a run is pushed to the thread's listeners as a fresh view.
 */
export class ThreadRunner {
  readonly #graph: ChatGraph;
  readonly #index: ThreadIndex;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #running = new Set<string>();
  readonly #errors = new Map<string, string>();

  constructor(graph: ChatGraph, index: ThreadIndex) {
    this.#graph = graph;
    this.#index = index;
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
    const snapshot = await this.#graph.getState(config(threadId), { subgraphs: true });
    return toThreadView(threadId, snapshot, this.#running.has(threadId), this.#errors.get(threadId));
  }

  async #publish(threadId: string, known?: ThreadView): Promise<void> {
    const listeners = this.#listeners.get(threadId);
    if (!listeners?.size) return;
    const view = known ?? (await this.view(threadId));
    for (const listener of listeners) listener(view);
  }

  /**
   * Starts answering a message; resolves once the run is queued.
   *
   * @throws {ThreadBusyError} while the agent is answering or waits for consent.
   */
  async send(threadId: string, text: string): Promise<void> {
    if (this.#running.has(threadId) || this.#queues.has(threadId)) {
      throw new ThreadBusyError("The agent is still answering your previous message.");
    }
    const view = await this.view(threadId);
    if (view.pending.length > 0) {
      throw new ThreadBusyError("Answer the access request above first (Authorize or Deny).");
    }
    this.#enqueue(threadId, () => this.#run(threadId, { messages: [new HumanMessage(text)] }));
  }

  /** Resumes every thread waiting on a consent with its outcome. Returns those threads. */
  resume(consentId: string, outcome: ConsentOutcome): string[] {
    const threads = this.#index.take(consentId);
    for (const threadId of threads) {
      this.#enqueue(threadId, async () => {
        let command: unknown;
        try {
          command = await resumeConsent(this.#graph as never, config(threadId), consentId, outcome);
        } catch (error) {
          // Another path (a second tab, the expiry timer) already resumed it: nothing to do.
          if (isConsentNotPendingError(error)) return;
          throw error;
        }
        await this.#run(threadId, command);
      });
    }
    return threads;
  }

  /** Threads waiting on a consent (for the callback page's way back). */
  threadsWaitingOn(consentId: string): string[] {
    return this.#index.threadsWaitingOn(consentId);
  }

  #enqueue(threadId: string, task: () => Promise<void>): void {
    const previous = this.#queues.get(threadId) ?? Promise.resolve();
    const next = previous.then(task).catch((error: unknown) => {
      this.#errors.set(threadId, error instanceof Error ? error.message : String(error));
      return this.#publish(threadId).catch(() => {});
    });
    this.#queues.set(threadId, next);
    void next.finally(() => {
      if (this.#queues.get(threadId) === next) this.#queues.delete(threadId);
    });
  }

  async #run(threadId: string, input: unknown): Promise<void> {
    this.#running.add(threadId);
    this.#errors.delete(threadId);
    try {
      await this.#publish(threadId);
      const stream = await this.#graph.stream(input, { ...config(threadId), streamMode: "values" });
      for await (const _ of stream) await this.#publish(threadId);
    } finally {
      this.#running.delete(threadId);
      const view = await this.view(threadId);
      for (const consent of view.pending) this.#index.wait(consent.consentId, threadId);
      await this.#publish(threadId, view);
    }
  }

  /** Resolves when every queued run has finished (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.allSettled([...this.#queues.values()]);
  }
}
