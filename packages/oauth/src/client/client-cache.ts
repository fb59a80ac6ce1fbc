/** @module The clients a consents instance completes callbacks with, kept in memory per (issuer, client id). */
import type * as oauth from "oauth4webapi";
import { clientAuthFor } from "./client-auth.js";
import type { ClientRegistrationStore } from "./client-registration-store.js";
import { type ClientConfig, clientForId, type ResolvedClient } from "./resolve-client.js";

/** At most this many clients are kept; past it the cache starts over. */
const MAX_CLIENTS = 64;

/** See {@link createClientCache}. */
export interface ClientCache {
  /** {@link clientForId}, from memory when this client was resolved from the store before. */
  forId(as: oauth.AuthorizationServer, clientId: string): Promise<ResolvedClient>;
  /** Forgets a client, so the next use reads the registration store again (after a refusal). */
  forget(as: oauth.AuthorizationServer, clientId: string): void;
}

/**
 * Keeps what {@link clientForId} read from the registration store: a dynamic registration is
 * stored once per (issuer, redirect URI) and a new one always gets a new `client_id` (RFC 7591
 * §3.2.1), so a client id found once keeps its authentication. Pre-registered and metadata
 * document clients are computed, not read, and an id found nowhere is looked up again each time
 * (it may be registered later).
 *
 * @see RFC 7591 §3.2.1
 */
export function createClientCache(config: ClientConfig, registrations: ClientRegistrationStore): ClientCache {
  const clients = new Map<string, ResolvedClient>();
  const keyOf = (as: oauth.AuthorizationServer, clientId: string) =>
    `${as.issuer}\u0000${config.redirectUri}\u0000${clientId}`;
  return {
    async forId(as, clientId) {
      // Pre-registered and metadata document clients come from the configuration alone.
      const configured = await clientForId(as, clientId, config, undefined);
      if (configured.source !== "dynamic-registration") return configured;
      const key = keyOf(as, clientId);
      const cached = clients.get(key);
      if (cached) return cached;
      const stored = await registrations.get(as.issuer, config.redirectUri);
      // Not (or no longer) the stored registration: a public client, as clientForId has it.
      if (stored?.clientId !== clientId) return configured;
      const resolved: ResolvedClient = {
        client: { client_id: clientId },
        auth: clientAuthFor(stored.tokenEndpointAuthMethod, stored.clientSecret),
        source: "dynamic-registration",
      };
      if (clients.size >= MAX_CLIENTS) clients.clear();
      clients.set(key, resolved);
      return resolved;
    },
    forget(as, clientId) {
      clients.delete(keyOf(as, clientId));
    },
  };
}
