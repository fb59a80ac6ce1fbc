/** @module One pending consent per (subject, resource, challenge) inside this process. */
import type { AuthBus } from "@authbus/core";
import type { ConsentBeginInput, ConsentBeginner, ConsentBegun } from "./consent-types.js";

/** Begins consents, handing parallel callers with the same need the same consent. */
export interface BeginCoalescer {
  begin(input: ConsentBeginInput): Promise<ConsentBegun>;
  /** Stops listening to the bus. */
  close(): void;
}

function needKey(input: ConsentBeginInput): string {
  const oauth = input.challenge;
  const scopes = [...(oauth?.scope ?? [])].sort();
  return JSON.stringify([
    input.subject,
    input.serverName,
    input.resource,
    oauth?.error ?? null,
    scopes,
    oauth?.acrValues ?? null,
    input.reason ?? null,
  ]);
}

/**
 * Wraps `consents.begin` so that calls with the same need (subject, resource, challenged
 * error and scopes) share one consent while it is pending, even if the consents
 * implementation does not coalesce. An entry is dropped when the bus reports the consent
 * granted, denied or expired, when it passes `expiresAt`, or when `begin` rejects.
 *
 * @example
 * const coalescer = createBeginCoalescer(consents, bus);
 * const [a, b] = await Promise.all([coalescer.begin(need), coalescer.begin(need)]);
 * a.consentId === b.consentId; // one card for both calls
 */
export function createBeginCoalescer(consents: ConsentBeginner, bus: AuthBus): BeginCoalescer {
  const pending = new Map<string, { consentId?: string; expiresAt?: number; begun: Promise<ConsentBegun> }>();
  const settle = ({ consentId }: { consentId: string }): void => {
    for (const [key, entry] of pending) if (entry.consentId === consentId) pending.delete(key);
  };
  bus.on("consent.granted", settle);
  bus.on("consent.denied", settle);
  bus.on("consent.expired", settle);

  return {
    begin(input) {
      const key = needKey(input);
      const found = pending.get(key);
      if (found && (found.expiresAt === undefined || found.expiresAt > Date.now())) return found.begun;
      const entry: { consentId?: string; expiresAt?: number; begun: Promise<ConsentBegun> } = {
        begun: consents.begin(input).then(
          (begun) => {
            entry.consentId = begun.consentId;
            entry.expiresAt = begun.expiresAt;
            return begun;
          },
          (error: unknown) => {
            if (pending.get(key) === entry) pending.delete(key);
            throw error;
          },
        ),
      };
      pending.set(key, entry);
      return entry.begun;
    },
    close() {
      bus.off("consent.granted", settle);
      bus.off("consent.denied", settle);
      bus.off("consent.expired", settle);
    },
  };
}

// One coalescer per (consents, bus): wrappers are often built per request or per user, and
// each would otherwise add bus listeners that are never removed. The subject is part of the
// key, so sharing across users is safe.
const shared = new WeakMap<ConsentBeginner, WeakMap<AuthBus, BeginCoalescer>>();

/**
 * The process-wide {@link BeginCoalescer} for these consents and this bus, created on first
 * use. Its listeners live as long as the bus; do not `close()` it.
 */
export function sharedBeginCoalescer(consents: ConsentBeginner, bus: AuthBus): BeginCoalescer {
  let byBus = shared.get(consents);
  if (!byBus) {
    byBus = new WeakMap();
    shared.set(consents, byBus);
  }
  let coalescer = byBus.get(bus);
  if (!coalescer) {
    coalescer = createBeginCoalescer(consents, bus);
    byBus.set(bus, coalescer);
  }
  return coalescer;
}
