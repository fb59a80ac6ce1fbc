/**
 * @module Joining: one pending consent per need, so concurrent `begin` calls (in process and
 * across processes sharing the store) show the person one card rather than several.
 */
import type { ConsentRecord, ConsentStore } from "@authbus/core";
import { singleFlight } from "../shared/single-flight.js";
import { perStore } from "./per-store.js";
import { scopeSetKey } from "./scopes.js";

/** What a consent must ask for to serve a need. */
export interface ConsentNeed {
  subject: string;
  resource: string;
  scopes: readonly string[];
  acrValues?: readonly string[] | undefined;
  maxAge?: number | undefined;
  redirectUri: string;
}

// Process-wide, per consent store: two `createConsents` over one store still make one consent per need.
const beginFlights = new WeakMap<ConsentStore, Map<string, Promise<ConsentRecord>>>();

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).join(" ") === (b ?? []).join(" ");
}

/**
 * A pending consent that serves `need`, or the one `create` makes. Calls for the same need
 * while one is in flight share its result; otherwise a pending consent in the store is joined
 * when it asks for every scope needed (same redirect URI and step-up parameters).
 *
 * @param stillPending expires a consent whose time is up; returns whether it is still pending.
 */
export function joinOrCreateConsent(
  store: ConsentStore,
  need: ConsentNeed,
  stillPending: (record: ConsentRecord) => Promise<boolean>,
  create: () => Promise<ConsentRecord>,
): Promise<ConsentRecord> {
  const flights = perStore(beginFlights, store, () => new Map<string, Promise<ConsentRecord>>());
  const flightKey = JSON.stringify([
    need.subject,
    need.resource,
    scopeSetKey(need.scopes),
    need.acrValues,
    need.maxAge,
    need.redirectUri,
  ]);
  return singleFlight(flights, flightKey, async (): Promise<ConsentRecord> => {
    // One card per (subject, resource): join a pending consent that already asks for every
    // scope needed here (same step-up parameters), e.g. a plain re-consent while a step-up
    // card for the union is open. A need for more scopes gets its own card.
    const needed = new Set(need.scopes);
    for (const pending of await store.findPending(need.subject, need.resource)) {
      if (
        [...needed].every((scope) => pending.scopes.includes(scope)) &&
        pending.redirectUri === need.redirectUri &&
        sameList(pending.acrValues, need.acrValues) &&
        pending.maxAge === need.maxAge &&
        (await stillPending(pending))
      ) {
        return pending;
      }
    }
    return create();
  });
}
