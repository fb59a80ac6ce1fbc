/** @module Which consent each paused call waits on, in this process: checks resume values fast. */
import { getConfig } from "@langchain/langgraph";

const DEFAULT_LIMIT = 10_000;

function currentThread(): string {
  try {
    const thread: unknown = getConfig()?.configurable?.thread_id;
    return typeof thread === "string" || typeof thread === "number" ? String(thread) : "";
  } catch {
    return "";
  }
}

/**
 * Remembers, per (thread, call id), the consent a call interrupted on, so its replay can check
 * that the resume value answers that consent. Bounded: the oldest entries go first; an entry
 * is dropped when its answer is consumed. After a restart it is empty and a {@link ConsentLookup}
 * does the check.
 */
export class InterruptMemo {
  readonly #entries = new Map<string, string>();
  readonly #limit: number;

  constructor(limit = DEFAULT_LIMIT) {
    this.#limit = limit;
  }

  #key(callId: string): string {
    return JSON.stringify([currentThread(), callId]);
  }

  remember(callId: string, consentId: string): void {
    const key = this.#key(callId);
    this.#entries.delete(key);
    this.#entries.set(key, consentId);
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  expected(callId: string): string | undefined {
    return this.#entries.get(this.#key(callId));
  }

  forget(callId: string): void {
    this.#entries.delete(this.#key(callId));
  }
}
