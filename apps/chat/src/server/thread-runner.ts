/** @module Runs the agent per thread, one run at a time, and tells the page what changed. */
import type { AuthInterrupt, ConsentWaitStore } from "@authbus/core";
import { type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { ThreadRun } from "authbus";
import type { ThreadPatch, ThreadView, ViewMessage } from "../shared/thread-view.js";
import { pendingConsents, toThreadView, toViewMessage } from "./to-thread-view.js";

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
  stream(
    input: unknown,
    options: RunConfig & { streamMode: "values"; durability: "sync" },
  ): Promise<AsyncIterable<unknown>>;
  getState(
    config: { configurable: { thread_id: string } },
    options?: { subgraphs?: boolean },
  ): Promise<Snapshot>;
}

/** Options of {@link ThreadRunner}. */
export interface ThreadRunnerOptions {
  /**
   * authbus's consent wait index (`stores.waits`). authbus records a wait before a thread
   * pauses on a consent and forgets it only once the thread's saved state is past it, so a
   * thread with no wait has nothing pending and a new message needs no read of its state.
   * Without it, every message reads the thread's state first.
   */
  waits?: Pick<ConsentWaitStore, "listWaits">;
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

/** What a thread's listeners are told: what changed, or (when that cannot be said as a change) the whole view. */
export type ThreadUpdate = { kind: "patch"; patch: ThreadPatch } | { kind: "view"; view: ThreadView };

type Listener = (update: ThreadUpdate) => void;

const threadConfig = (threadId: string) => ({ configurable: { thread_id: threadId } });

const messagesOf = (values: unknown): readonly BaseMessage[] =>
  (values as { messages?: BaseMessage[] } | undefined)?.messages ?? [];

/**
 * Follows the states one run streams and says which messages are new or changed. Within a run
 * an unchanged message stays the same object, so each state costs a pass of reference
 * comparisons and only what changed is converted for the page.
 */
class MessageDiff {
  /** The messages the page has, as last seen. */
  #shown: readonly BaseMessage[] | undefined;
  /** `#shown` came from a read of the saved state: its messages are other objects, compared by id. */
  #byId: boolean;
  /** The message the run starts with (a new message's id): what precedes it the page already has. */
  readonly #inputId: string | undefined;

  constructor(start: { shown: readonly BaseMessage[] } | { inputId: string }) {
    this.#shown = "shown" in start ? start.shown : undefined;
    this.#byId = "shown" in start;
    this.#inputId = "inputId" in start ? start.inputId : undefined;
  }

  /** The changed messages of `next`, or `"reset"` when messages went away or moved (a summary, a removal). */
  next(next: readonly BaseMessage[]): ViewMessage[] | "reset" {
    let shown = this.#shown;
    if (shown === undefined) {
      const at = next.findIndex((message) => message.id === this.#inputId);
      shown = at >= 0 ? next.slice(0, at) : [];
    }
    if (next.length < shown.length) return "reset";
    const changed: ViewMessage[] = [];
    for (let index = 0; index < next.length; index++) {
      const message = next[index] as BaseMessage;
      const before = shown[index];
      if (before === message) continue;
      const sameId = before !== undefined && message.id !== undefined && before.id === message.id;
      if (before !== undefined && !sameId) return "reset";
      if (sameId && this.#byId) continue;
      const view = toViewMessage(message, index);
      if (view) changed.push(view);
    }
    // A copy: a reducer that appends in place must still show up as a change next time.
    this.#shown = next.slice();
    this.#byId = false;
    return changed;
  }
}

/** How a run starts: the page's messages and cards as they are before it. */
type RunStart = { shown: readonly BaseMessage[]; pending: AuthInterrupt[] } | { inputId: string };

/**
 * Each thread runs one thing at a time: a new message, or a run authbus asks for (a resume
 * after consent, or finishing what a killed process left), queued in order. Listeners are told
 * what each step changed (new messages, the cards, running or not), never the whole thread
 * again, and a new message reads no state of its own: what a message costs does not grow with
 * the conversation.
 */
export class ThreadRunner {
  readonly #graph: ChatGraph;
  readonly #waits: ThreadRunnerOptions["waits"];
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #running = new Set<string>();
  /** Threads whose message is being checked before it is queued (so a second one is refused). */
  readonly #starting = new Set<string>();
  readonly #errors = new Map<string, string>();

  constructor(graph: ChatGraph, options: ThreadRunnerOptions = {}) {
    this.#graph = graph;
    this.#waits = options.waits;
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

  /** The whole view of a thread, read from its saved state (a page that connects, `GET`). */
  async view(threadId: string): Promise<ThreadView> {
    const snapshot = await this.#graph.getState(threadConfig(threadId), { subgraphs: true });
    return toThreadView(threadId, snapshot, this.#running.has(threadId), this.#errors.get(threadId));
  }

  #publish(threadId: string, update: ThreadUpdate): void {
    const listeners = this.#listeners.get(threadId);
    if (!listeners?.size) return;
    for (const listener of listeners) listener(update);
  }

  async #publishView(threadId: string): Promise<void> {
    if (!this.#listeners.get(threadId)?.size) return;
    this.#publish(threadId, { kind: "view", view: await this.view(threadId) });
  }

  /** Whether the thread may wait on a consent: only then is its state read before a new message. */
  async #mayWait(threadId: string): Promise<boolean> {
    if (!this.#waits) return true;
    return (await this.#waits.listWaits()).some((wait) => wait.threadId === threadId);
  }

  /**
   * Starts answering a message as `context.subject`; resolves once the run is queued.
   *
   * @throws {ThreadBusyError} while the agent is answering or waits for consent.
   */
  async send(threadId: string, text: string, context: RunContext): Promise<void> {
    if (this.#running.has(threadId) || this.#queues.has(threadId) || this.#starting.has(threadId)) {
      throw new ThreadBusyError("The agent is still answering your previous message.");
    }
    this.#starting.add(threadId);
    try {
      if (await this.#mayWait(threadId)) {
        const snapshot = await this.#graph.getState(threadConfig(threadId), { subgraphs: true });
        if (pendingConsents(snapshot).length > 0) {
          throw new ThreadBusyError("Answer the access request above first (Authorize or Deny).");
        }
      }
      // An id of our own, so the run's first state tells what the page has (what precedes it).
      const message = new HumanMessage({ content: text, id: crypto.randomUUID() });
      void this.#enqueue(threadId, () =>
        this.#run(
          { messages: [message] },
          { ...threadConfig(threadId), context },
          { inputId: message.id ?? "" },
        ),
      );
    } finally {
      this.#starting.delete(threadId);
    }
  }

  /** Makes a run authbus asks for (`attach(agent, { run })`), in the thread's queue; resolves when it has ended. */
  runForAuthbus(run: ThreadRun): Promise<void> {
    return this.#enqueue(run.threadId, async () => {
      const input = await run.input();
      if (input === undefined) return;
      // Once per consent or recovery, not per message: what the page has before the run.
      const snapshot = await this.#graph.getState(threadConfig(run.threadId), { subgraphs: true });
      await this.#run(input, run.config, {
        shown: messagesOf((snapshot as { values?: unknown }).values),
        pending: pendingConsents(snapshot),
      });
    });
  }

  #enqueue(threadId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(threadId) ?? Promise.resolve();
    const next = previous.then(task).catch((error: unknown) => {
      this.#errors.set(threadId, error instanceof Error ? error.message : String(error));
      return this.#publishView(threadId).catch(() => {});
    });
    this.#queues.set(threadId, next);
    void next.finally(() => {
      if (this.#queues.get(threadId) === next) this.#queues.delete(threadId);
    });
    return next;
  }

  async #run(input: unknown, config: RunConfig, start: RunStart): Promise<void> {
    const threadId = config.configurable.thread_id;
    this.#running.add(threadId);
    this.#errors.delete(threadId);
    let pending = "pending" in start ? start.pending : [];
    let interrupted = false;
    this.#publish(threadId, { kind: "patch", patch: { running: true, error: null } });
    try {
      // "sync": a step is saved before the next one runs, so the step that asked for a tool call
      // is saved before the call is made; a killed process's call is then replayed with the same
      // call id, which the call journal recognises (with "async" a model asked again could make
      // a new call id, and the tool would run twice).
      const stream = await this.#graph.stream(input, {
        ...config,
        streamMode: "values",
        durability: "sync",
      });
      const diff = new MessageDiff(start);
      for await (const chunk of stream) {
        const values = chunk as { messages?: BaseMessage[]; __interrupt__?: unknown };
        if (values.__interrupt__ !== undefined) interrupted = true;
        if (values.messages === undefined) continue;
        const changed = diff.next(values.messages);
        if (changed === "reset") {
          const view: ThreadView = {
            ...toThreadView(threadId, { tasks: [], values }, true, undefined),
            pending,
          };
          this.#publish(threadId, { kind: "view", view });
          continue;
        }
        if (changed.length === 0) continue;
        const patch: ThreadPatch = { messages: changed };
        // A state with new messages comes after a whole step: the consents it waited on are answered.
        if (pending.length > 0) {
          pending = [];
          patch.pending = [];
        }
        this.#publish(threadId, { kind: "patch", patch });
      }
    } catch (error) {
      this.#errors.set(threadId, error instanceof Error ? error.message : String(error));
      this.#running.delete(threadId);
      await this.#publishView(threadId);
      return;
    } finally {
      this.#running.delete(threadId);
    }
    // Paused on a consent (once per consent, not per message): the saved state says which cards to show.
    if (interrupted) {
      pending = pendingConsents(await this.#graph.getState(threadConfig(threadId), { subgraphs: true }));
    }
    this.#publish(threadId, { kind: "patch", patch: { running: false, pending } });
  }

  /** Resolves when every queued run has finished (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.allSettled([...this.#queues.values()]);
  }
}
