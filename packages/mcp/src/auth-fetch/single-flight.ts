/** @module One token refresh in flight per (subject, resource), shared by every caller of a store. */
import type { TokenKey, TokenSet, TokenStore } from "@authbus/core";

// Keyed by store, so every authFetch that shares a TokenStore shares its refreshes.
const flightsByStore = new WeakMap<TokenStore, Map<string, Promise<TokenSet>>>();

function flightsOf(store: TokenStore): Map<string, Promise<TokenSet>> {
  let flights = flightsByStore.get(store);
  if (!flights) {
    flights = new Map();
    flightsByStore.set(store, flights);
  }
  return flights;
}

/** What {@link obtainNewerTokens} found. */
export type NewerTokens =
  /** Another caller already stored newer tokens (or a refresh by someone else finished). */
  | { kind: "stored"; tokens: TokenSet }
  /** This caller started the refresh, which resolved. */
  | { kind: "refreshed"; tokens: TokenSet }
  /** This caller joined a refresh started by another. */
  | { kind: "joined"; tokens: TokenSet }
  /** Nothing newer and nothing to refresh with. */
  | { kind: "none" };

/**
 * Finds tokens newer than `sent` for `key`: a refresh already in flight is joined; tokens
 * stored since `sent` was read are used as they are; otherwise, when the stored set holds a
 * refresh token, `startRefresh` runs once for all concurrent callers.
 *
 * @param startRefresh called at most once per flight, with the stored set it refreshes.
 */
export async function obtainNewerTokens(
  store: TokenStore,
  key: TokenKey,
  sent: TokenSet | undefined,
  startRefresh: ((current: TokenSet) => Promise<TokenSet>) | undefined,
): Promise<NewerTokens> {
  const flights = flightsOf(store);
  const id = `${key.subject}\u0000${key.resource}`;
  const inFlight = flights.get(id);
  if (inFlight) return { kind: "joined", tokens: await inFlight };
  const current = await store.get(key);
  // Checked again: another caller may have started a refresh while the store was read.
  const started = flights.get(id);
  if (started) return { kind: "joined", tokens: await started };
  if (current && current.accessToken !== sent?.accessToken) return { kind: "stored", tokens: current };
  if (!current?.refreshToken || !startRefresh) return { kind: "none" };
  const flight = startRefresh(current);
  flights.set(id, flight);
  const clear = (): void => {
    if (flights.get(id) === flight) flights.delete(id);
  };
  flight.then(clear, clear);
  return { kind: "refreshed", tokens: await flight };
}
