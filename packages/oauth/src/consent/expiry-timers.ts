/** @module One timer per pending consent, due at its expiry, so it ends (and is announced) without being touched. */
import type { ConsentRecord } from "@authbus/core";

/** Expiry timers; see {@link createExpiryTimers}. */
export interface ExpiryTimers {
  /** Arms a timer for `record.expiresAt` (nothing when one is armed or the timers are closed). */
  schedule(record: ConsentRecord): void;
  /** Disarms one consent's timer. */
  cancel(consentId: string): void;
  /** Disarms every timer; later `schedule` calls do nothing. */
  close(): void;
}

/**
 * Timers that call `onDue` when a consent's time is up. They never keep the process alive: a
 * consent nobody touches still expires lazily when next read.
 */
export function createExpiryTimers(init: {
  now: () => number;
  onDue: (consentId: string) => void;
}): ExpiryTimers {
  const { now, onDue } = init;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let closed = false;
  return {
    schedule(record) {
      if (closed || timers.has(record.consentId)) return;
      // setTimeout holds at most 2^31-1 ms; a later expiry is still caught lazily.
      const delay = Math.min(Math.max(0, record.expiresAt - now()), 2_147_483_647);
      const timer = setTimeout(() => {
        timers.delete(record.consentId);
        onDue(record.consentId);
      }, delay);
      timer.unref?.();
      timers.set(record.consentId, timer);
    },
    cancel(consentId) {
      const timer = timers.get(consentId);
      if (timer) clearTimeout(timer);
      timers.delete(consentId);
    },
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
