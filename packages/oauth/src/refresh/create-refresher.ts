/** @module Refresh-token grant with rotation safety: one grant in flight per (store, key), new tokens stored first. */
import {
  type AuthBus,
  checkTokenKey,
  fingerprintToken,
  type RefreshRequest,
  summarizeError,
  type TokenKey,
  type TokenRefresher,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import * as oauth from "oauth4webapi";
import type { ClientRegistrationStore } from "../client/client-registration-store.js";
import { type ClientConfig, clientForId } from "../client/resolve-client.js";
import { createDiscovery, type Discovery } from "../discovery/create-discovery.js";
import { createDPoPHandle, sendTokenRequest } from "../dpop/dpop-token-request.js";
import { RefreshError, safeCause } from "../errors/oauth-errors.js";
import { type HttpOptions, pickHttpOptions, requestOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import { toTokenSet } from "../shared/token-set.js";
import { coordinateRefresh, type RefreshStorage } from "./lease-coordination.js";

/** Options of {@link createRefresher}. */
export interface RefresherOptions extends HttpOptions {
  tokens: TokenStore;
  bus: AuthBus;
  /** The client config used for consents, so a confidential client's secret is used. */
  client?: ClientConfig;
  /** Dynamically registered clients (for a registered client's secret, if it got one). */
  registrations?: ClientRegistrationStore;
  /** Metadata cache to share with consents. Default: a new one using `fetch`. */
  discovery?: Discovery;
  /** The server name events carry for a key. Default: the resource's host. */
  serverName?: (key: TokenKey) => string;
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * How long a refresh lease lasts between renewals, in milliseconds, when the store offers
   * refresh leases (one refresh per key across processes). The holder renews it every third of
   * this while its grant runs; when a worker dies mid-refresh, the others wait at most this long
   * before one of them takes over. Default 15 000.
   */
  leaseTtlMs?: number;
}

/** The default of {@link RefresherOptions.leaseTtlMs}. */
export const DEFAULT_REFRESH_LEASE_TTL_MS = 15_000;

// Process-wide: two refreshers over the same store share one grant per key.
const refreshFlights = new WeakMap<TokenStore, Map<string, Promise<TokenSet>>>();

function flightsOf(store: TokenStore): Map<string, Promise<TokenSet>> {
  let flights = refreshFlights.get(store);
  if (!flights) {
    flights = new Map();
    refreshFlights.set(store, flights);
  }
  return flights;
}

/**
 * @internal The refresh in flight for `key` over `store`, if any: revocation waits for it, so it
 * revokes (and deletes) the newest tokens rather than racing a rotation.
 */
export function refreshInFlight(store: TokenStore, key: TokenKey): Promise<TokenSet> | undefined {
  const checked = checkTokenKey(key);
  return refreshFlights.get(store)?.get(JSON.stringify([checked.subject, checked.resource]));
}

/**
 * Creates a {@link TokenRefresher}: the refresh-token grant (with the RFC 8707 `resource`) for
 * the tokens held under a key. Concurrent calls for the same key over the same store — from
 * this refresher or another one in the process — share one grant, and the rotated refresh
 * token is stored before the flight ends, so an old refresh token is never sent twice.
 *
 * When the authorization server refuses (`invalid_grant`) or no refresh token is held, the
 * stored tokens are dropped, `token.refresh_failed` is emitted and a {@link RefreshError}
 * with `consentRequired: true` is thrown: begin a consent with `reason: "refresh_failed"`.
 *
 * @see RFC 6749 §6, RFC 8707 §2.2, RFC 9700 §4.14 (refresh token rotation)
 * @example
 * const refresh = createRefresher({ tokens, bus });
 * const fresh = await refresh({ subject: "alice", resource: "https://files.example.com/mcp" });
 * @throws {RefreshError}
 */
export function createRefresher(options: RefresherOptions): TokenRefresher {
  const { tokens, bus } = options;
  const http: HttpOptions = pickHttpOptions(options);
  const discovery = options.discovery ?? createDiscovery(http);
  const now = options.now ?? Date.now;
  const serverName = options.serverName ?? ((key: TokenKey) => new URL(key.resource).host);

  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_REFRESH_LEASE_TTL_MS;
  if (!Number.isSafeInteger(leaseTtlMs) || leaseTtlMs <= 0) {
    throw new RangeError("leaseTtlMs must be a positive whole number of milliseconds");
  }

  const whereOf = (key: TokenKey) => ({
    serverName: serverName(key),
    resource: key.resource,
    subject: key.subject,
  });

  const emitRefreshed = async (key: TokenKey, fresh: TokenSet, previousFingerprint: string | undefined) => {
    bus.emit("token.refreshed", {
      ...whereOf(key),
      tokenFingerprint: await fingerprintToken(fresh.accessToken),
      ...(previousFingerprint === undefined ? {} : { previousFingerprint }),
      ...(fresh.expiresAt === undefined ? {} : { expiresAt: fresh.expiresAt }),
    });
  };

  const refreshOnce = async (key: TokenKey, request: RefreshRequest): Promise<TokenSet> => {
    const { stale } = request;
    if (!tokens.acquireRefreshLease) {
      // One process: the single flight below is the coordination.
      const held = await tokens.get(key);
      if (stale && held && held.accessToken !== stale.accessToken) return held;
      return grantAndStore(key, {
        held,
        store: async (fresh) => {
          await tokens.set(key, fresh);
          return true;
        },
        drop: async () => {
          // Another user of the store may have rotated the tokens meanwhile: keep theirs.
          const current = await tokens.get(key);
          if (current?.refreshToken === held?.refreshToken) await tokens.delete(key);
        },
      });
    }
    const previousFingerprint = stale ? await fingerprintToken(stale.accessToken) : undefined;
    const coordinated = await coordinateRefresh({
      store: tokens as TokenStore & Required<Pick<TokenStore, "acquireRefreshLease">>,
      key,
      stale,
      ttlMs: leaseTtlMs,
      refresh: (storage) => grantAndStore(key, storage),
    }).catch((error: unknown) => {
      if (!(error instanceof ReportedRefreshError)) {
        bus.emit("token.refresh_failed", { ...whereOf(key), error: summarizeError(error) });
      }
      throw error;
    });
    if (coordinated.kind === "stored") {
      // Another caller (perhaps another worker) refreshed: its tokens, no grant spent here.
      bus.emit("token.refreshing", {
        ...whereOf(key),
        ...(previousFingerprint === undefined ? {} : { tokenFingerprint: previousFingerprint }),
      });
      await emitRefreshed(key, coordinated.tokens, previousFingerprint);
    }
    return coordinated.tokens;
  };

  /** The refresh-token grant for `storage.held`, its result stored through `storage`. */
  const grantAndStore = async (key: TokenKey, storage: RefreshStorage): Promise<TokenSet> => {
    const where = whereOf(key);
    const held = storage.held;
    const previousFingerprint = held ? await fingerprintToken(held.accessToken) : undefined;
    bus.emit("token.refreshing", {
      ...where,
      ...(previousFingerprint === undefined ? {} : { tokenFingerprint: previousFingerprint }),
    });

    const fail = async (error: RefreshError): Promise<never> => {
      if (error.consentRequired) await storage.drop();
      bus.emit("token.refresh_failed", { ...where, error: { code: error.code, message: error.message } });
      throw new ReportedRefreshError(error);
    };

    if (!held?.refreshToken) {
      return fail(
        new RefreshError({
          message: `no refresh token is held for ${key.resource}; consent is required`,
          consentRequired: true,
        }),
      );
    }
    let as: oauth.AuthorizationServer;
    try {
      as = held.issuer
        ? await discovery.forIssuer(held.issuer)
        : (await discovery.forResource(key.resource)).authorizationServer;
    } catch (error) {
      return fail(
        new RefreshError({
          message: `could not discover the authorization server for ${key.resource}`,
          consentRequired: false,
          cause: safeCause(error),
        }),
      );
    }
    if (!held.clientId) {
      return fail(
        new RefreshError({
          message: `the tokens for ${key.resource} do not name the client they were issued to`,
          consentRequired: true,
        }),
      );
    }
    let client: oauth.Client;
    let auth: oauth.ClientAuth;
    try {
      ({ client, auth } = await clientForId(as, held.clientId, options.client, options.registrations));
    } catch (error) {
      // The registration store could not be read: a passing problem, not the person's to fix.
      return fail(
        new RefreshError({
          message: `could not load the client registration for ${as.issuer}`,
          consentRequired: false,
          cause: safeCause(error),
        }),
      );
    }

    let response: oauth.TokenEndpointResponse;
    try {
      // RFC 9449 §5: a DPoP grant is refreshed with a proof of the same key (its refresh token is bound to it).
      const dpop = held.dpopKey ? await createDPoPHandle(client, held.dpopKey) : undefined;
      const refreshToken = held.refreshToken;
      response = await sendTokenRequest(
        dpop,
        String(as.token_endpoint),
        () =>
          oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, {
            ...requestOptions(String(as.token_endpoint), http),
            // RFC 8707 §2.2: the refreshed token is for this resource only.
            additionalParameters: { resource: held.resourceIndicator ?? key.resource },
            ...(dpop ? { DPoP: dpop } : {}),
          }),
        (sent) => oauth.processRefreshTokenResponse(as, client, sent),
      );
    } catch (error) {
      const oauthError = error instanceof oauth.ResponseBodyError ? error.error : undefined;
      // RFC 6749 §5.2: invalid_grant means the refresh token is dead (expired, revoked, reused).
      const dead = oauthError === "invalid_grant";
      if (dead) {
        // Another user of the store (another process) rotated it meanwhile: use theirs.
        const current = await tokens.get(key);
        if (current?.refreshToken && current.refreshToken !== held.refreshToken) {
          bus.emit("token.refreshed", {
            ...where,
            tokenFingerprint: await fingerprintToken(current.accessToken),
            ...(previousFingerprint === undefined ? {} : { previousFingerprint }),
            ...(current.expiresAt === undefined ? {} : { expiresAt: current.expiresAt }),
          });
          return current;
        }
      }
      return fail(
        new RefreshError({
          message: dead
            ? `the authorization server refused the refresh token for ${key.resource} (invalid_grant); consent is required`
            : `refreshing the tokens for ${key.resource} failed: ${error instanceof Error ? error.message : "unknown error"}`,
          consentRequired: dead,
          ...(oauthError === undefined ? {} : { error: oauthError }),
          cause: safeCause(error),
        }),
      );
    }

    const fresh = toTokenSet(response, {
      requestedScopes: held.scopes,
      issuer: as.issuer,
      clientId: held.clientId,
      now: now(),
      previousRefreshToken: held.refreshToken,
    });
    if (held.resourceIndicator !== undefined) fresh.resourceIndicator = held.resourceIndicator;
    if (held.dpopKey !== undefined) fresh.dpopKey = held.dpopKey;
    // Stored before the flight ends: no later refresh can read the old refresh token.
    if (!(await storage.store(fresh))) {
      // Fenced out: the lease was taken over, or newer tokens were stored; those stand.
      const current = await tokens.get(key);
      if (current && current.accessToken !== held.accessToken) {
        await emitRefreshed(key, current, previousFingerprint);
        return current;
      }
      return fail(
        new RefreshError({
          message: `the refresh of the tokens for ${key.resource} lost its lease before it was stored`,
          consentRequired: false,
        }),
      );
    }
    await emitRefreshed(key, fresh, previousFingerprint);
    return fresh;
  };

  return (key: TokenKey, request: RefreshRequest = {}): Promise<TokenSet> => {
    const checked = checkTokenKey(key);
    return singleFlight(flightsOf(tokens), JSON.stringify([checked.subject, checked.resource]), () =>
      refreshOnce(checked, request).catch((error: unknown) => {
        throw error instanceof ReportedRefreshError ? error.error : error;
      }),
    );
  };
}

/** A refresh failure already reported on the bus (so the lease side does not report it again). */
class ReportedRefreshError extends Error {
  readonly error: RefreshError;
  constructor(error: RefreshError) {
    super(error.message);
    this.error = error;
  }
}
