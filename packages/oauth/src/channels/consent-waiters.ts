/** @module Promises that settle with a consent's outcome, fed by the bus and by polls that find it settled. */
import type { AuthBus, ConsentOutcome } from "@authbus/core";

/** Waiters on consent outcomes; see {@link createConsentWaiters}. */
export interface ConsentWaiters {
  /** A promise of `consentId`'s outcome; rejects with the signal's reason when it aborts. */
  add(consentId: string, signal?: AbortSignal): Promise<ConsentOutcome>;
  /** Settles every waiter of `consentId`. */
  resolve(consentId: string, outcome: ConsentOutcome): void;
  /** Whether anyone waits on `consentId`. */
  has(consentId: string): boolean;
  /** Stops listening to the bus (pending waiters stay pending until resolved). */
  close(): void;
}

/**
 * Waiters resolved by `consent.granted`, `consent.denied` and `consent.expired` on `bus`, or by
 * {@link ConsentWaiters.resolve}. `onChange` is told when the first waiter of a consent arrives
 * and when the last one leaves.
 */
export function createConsentWaiters(
  bus: AuthBus,
  onChange: (consentId: string, waited: boolean) => void = () => undefined,
): ConsentWaiters {
  const waiting = new Map<string, Set<(outcome: ConsentOutcome) => void>>();

  const resolve = (consentId: string, outcome: ConsentOutcome) => {
    const found = waiting.get(consentId);
    if (!found) return;
    waiting.delete(consentId);
    onChange(consentId, false);
    for (const settle of found) settle(outcome);
  };
  const granted = ({ consentId }: { consentId: string }) => resolve(consentId, "granted");
  const denied = ({ consentId }: { consentId: string }) => resolve(consentId, "denied");
  const expired = ({ consentId }: { consentId: string }) => resolve(consentId, "expired");
  bus.on("consent.granted", granted);
  bus.on("consent.denied", denied);
  bus.on("consent.expired", expired);

  return {
    add(consentId, signal) {
      return new Promise<ConsentOutcome>((done, fail) => {
        if (signal?.aborted) {
          fail(signal.reason);
          return;
        }
        let found = waiting.get(consentId);
        if (!found) {
          found = new Set();
          waiting.set(consentId, found);
          onChange(consentId, true);
        }
        const set = found;
        const onAbort = () => {
          set.delete(settle);
          if (set.size === 0 && waiting.get(consentId) === set) {
            waiting.delete(consentId);
            onChange(consentId, false);
          }
          fail(signal?.reason);
        };
        const settle = (outcome: ConsentOutcome) => {
          signal?.removeEventListener("abort", onAbort);
          done(outcome);
        };
        set.add(settle);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    resolve,
    has: (consentId) => waiting.has(consentId),
    close() {
      bus.off("consent.granted", granted);
      bus.off("consent.denied", denied);
      bus.off("consent.expired", expired);
    },
  };
}
