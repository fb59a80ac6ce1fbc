/**
 * @module Tool calls recorded before they are made and after they end, so a task LangGraph
 * runs again (after a crash, or when its writes were lost) never makes a side-effecting call twice.
 */
import type {
  ConsentWaitStore,
  ToolCallKey,
  ToolCallRecord,
  ToolCallResult,
  ToolCallStart,
} from "@authbus/core";
import { ToolMessage } from "@langchain/core/messages";

/** What the journal knows of a call before it is made. */
export type PriorCall =
  /** Never started, or refused before it reached the tool: make it. */
  | { kind: "new" }
  /** Finished: answer with what it answered, do not call again. */
  | { kind: "finished"; result: ToolCallResult }
  /** Started by a process that is gone, never finished: it may or may not have run. */
  | { kind: "abandoned"; repeatable: boolean };

/** The journal of one process over a {@link ConsentWaitStore}. */
export interface CallJournal {
  /**
   * What is known of a call. A call under way in another live process (see
   * {@link CallJournalOptions.isLiveElsewhere}) is waited for: this resolves once it finished
   * (`finished`, its result), was forgotten (`new`), or its process is gone (`abandoned`).
   *
   * @throws the `signal`'s reason when it aborts while waiting.
   */
  prior(key: ToolCallKey, options?: { signal?: AbortSignal | undefined }): Promise<PriorCall>;
  /** Marks a call as under way in this process (so it is not taken for abandoned). */
  enter(key: ToolCallKey): void;
  leave(key: ToolCallKey): void;
  /**
   * A call entered here that goes on while the graph is paused (a server's URL elicitation):
   * it stays live here until `ended` settles, then its record is finished with `ended`'s result
   * (`undefined`: forgotten, the call failed and is to be made once more) unless a replay in
   * this process took the call over, and it is left. So a worker that replays it elsewhere gets
   * its answer.
   */
  hold(key: ToolCallKey, ended: Promise<ToolCallResult | undefined>): void;
  /** Durable before the tool is called. */
  start(call: ToolCallStart): Promise<void>;
  finish(key: ToolCallKey, result: ToolCallResult): Promise<void>;
  /** The server refused the call before running it (a 401/403): there is nothing to remember. */
  drop(key: ToolCallKey): Promise<void>;
}

/** Options of {@link createCallJournal}. */
export interface CallJournalOptions {
  /**
   * Whether a started call that is not under way in this process is under way in another one
   * that still lives (authbus: its runner's lease is held). Such a call is waited for and
   * answered with its result. Without it (one process) every such call is a dead process's.
   */
  isLiveElsewhere?: ((call: ToolCallRecord) => Promise<boolean>) | undefined;
  /** Waiting for a call live elsewhere, its record is read again after `min` ms, doubling up to `max`. Default 50 / 1000. */
  pollMs?: { min: number; max: number } | undefined;
  now?: (() => number) | undefined;
}

const keyOf = (key: ToolCallKey): string => JSON.stringify([key.threadId, key.taskId, key.callId]);

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Creates the journal of this process: calls it has under way are live; others are a dead
 * process's, unless `isLiveElsewhere` says another process still has them under way.
 */
export function createCallJournal(store: ConsentWaitStore, options: CallJournalOptions = {}): CallJournal {
  const { isLiveElsewhere } = options;
  const now = options.now ?? Date.now;
  const minPoll = Math.max(1, options.pollMs?.min ?? 50);
  const maxPoll = Math.max(minPoll, options.pollMs?.max ?? 1_000);
  const live = new Map<string, number>();
  const enter = (key: ToolCallKey): void => {
    const id = keyOf(key);
    live.set(id, (live.get(id) ?? 0) + 1);
  };
  const leave = (key: ToolCallKey): void => {
    const id = keyOf(key);
    const count = (live.get(id) ?? 1) - 1;
    if (count <= 0) live.delete(id);
    else live.set(id, count);
  };
  return {
    async prior(key, { signal } = {}) {
      let delay = minPoll;
      for (;;) {
        const found = await store.getCall(key);
        if (!found) return { kind: "new" };
        if (found.status === "finished" && found.result) return { kind: "finished", result: found.result };
        if (live.has(keyOf(key))) return { kind: "new" };
        if (found.status !== "started" || !isLiveElsewhere || !(await isLiveElsewhere(found)))
          return { kind: "abandoned", repeatable: found.repeatable };
        // Under way in a live process (held there across a URL elicitation, say): it ends there,
        // once; its recorded result is this call's. Its process dying ends the wait (abandoned).
        await sleep(delay, signal);
        delay = Math.min(delay * 2, maxPoll);
      }
    },
    enter,
    leave,
    hold(key, ended) {
      const id = keyOf(key);
      // A replay here entered the call too: it takes the held call over and records its answer.
      const takenOver = () => (live.get(id) ?? 0) > 1;
      void ended
        .then(async (result) => {
          if (takenOver()) return;
          const found = await store.getCall(key);
          if (found?.status !== "started" || takenOver()) return;
          if (result) await store.finishCall(key, result, now());
          else await store.dropCall(key);
        })
        .catch(() => undefined)
        .finally(() => leave(key));
    },
    start: (call) => store.startCall(call),
    finish: (key, result) => store.finishCall(key, result, now()),
    drop: (key) => store.dropCall(key),
  };
}

/** Whether an MCP tool is safe to call again: its server marked it `readOnlyHint` or `idempotentHint`. */
export function isRepeatable(tool: unknown): boolean {
  const annotations = (tool as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata
    ?.annotations;
  return annotations?.readOnlyHint === true || annotations?.idempotentHint === true;
}

/** What a call answered, as the journal keeps it (`undefined` for an answer that is not a tool message). */
export function toCallResult(value: unknown): ToolCallResult | undefined {
  if (typeof value === "string") return { content: value, status: "success" };
  if (!ToolMessage.isInstance(value)) return undefined;
  const content = JSON.parse(JSON.stringify(value.content ?? "")) as ToolCallResult["content"];
  return { content, status: value.status === "error" ? "error" : "success" };
}

/** The tool message a finished call answers its replay with. */
export function toToolMessage(result: ToolCallResult, callId: string, name: string): ToolMessage {
  return new ToolMessage({
    content: result.content as ToolMessage["content"],
    tool_call_id: callId,
    name,
    status: result.status,
  });
}

/**
 * The words a model gets for a call a dead process left open, when the tool is not safe to
 * repeat: it may have run, so it is not run again.
 */
export function describeInterruptedCall(toolName: string): string {
  return `The call to ${toolName} was interrupted (the app stopped while it ran) and was not retried, because it may already have taken effect. Tell the user it may or may not have happened; do not retry unless they ask.`;
}
