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
export declare function createConsentWaiters(bus: AuthBus, onChange?: (consentId: string, waited: boolean) => void): ConsentWaiters;
