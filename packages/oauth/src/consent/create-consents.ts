/**
 * @module Re-consent flows: begin (PKCE authorization URL), complete (callback → tokens), deny,
 * expiry — composed from the state machine (`consent-transitions`, `join-consent`,
 * `retry-budget`, `accept-callback`), the HTTP steps (`plan-consent`, `prepare-consent`,
 * `exchange-code`) and the timers (`expiry-timers`, `../channels/poll-consent`).
 */
import type * as oauth from "oauth4webapi";
import { createConsentWaiters } from "../channels/consent-waiters.js";
import { createConsentPoller } from "../channels/poll-consent.js";
import { createClientCache } from "../client/client-cache.js";
import { MemoryClientRegistrationStore } from "../client/client-registration-store.js";
import { createDiscovery } from "../discovery/create-discovery.js";
import { ConsentCallbackError, ConsentStateError, safeCause } from "../errors/oauth-errors.js";
import { type HttpOptions, pickHttpOptions } from "../shared/http-options.js";
import { acceptCallback } from "./accept-callback.js";
import { createConsentTransitions } from "./consent-transitions.js";
import type { Consents, ConsentsOptions } from "./consent-types.js";
import { shownUrl, toConsentRequest, toConsentView } from "./consent-views.js";
import { checkCallback, exchangeCode, exchangeErrorCode } from "./exchange-code.js";
import { createExpiryTimers } from "./expiry-timers.js";
import { joinOrCreateConsent } from "./join-consent.js";
import { planConsent } from "./plan-consent.js";
import { prepareConsent } from "./prepare-consent.js";
import { createRetryBudget } from "./retry-budget.js";

export type {
  BeginConsentInput,
  ChallengeCarrier,
  ConsentRequest,
  ConsentResult,
  Consents,
  ConsentsOptions,
  ConsentView,
} from "./consent-types.js";

/**
 * Creates the consent flows over a token store, a consent store and a bus.
 *
 * @see RFC 6749 §4.1, RFC 7636, RFC 8707, RFC 9207, RFC 9470, RFC 9728, MCP 2025-11-25 Authorization
 * @example
 * const consents = createConsents({ tokens, store, bus, client: { redirectUri: "http://127.0.0.1:3000/callback" } });
 * const { authorizationUrl, consentId } = await consents.begin({ subject: "alice", serverName: "files",
 *   resource: "https://files.example.com/mcp", challenge });
 * // … the person approves; the app receives the redirect:
 * const { outcome } = await consents.complete(request.url);
 */
export function createConsents(options: ConsentsOptions): Consents {
  const { tokens, store, bus, client: config, launchUrl } = options;
  const http: HttpOptions = pickHttpOptions(options);
  const discovery = options.discovery ?? createDiscovery(http);
  const registrations = options.registrations ?? new MemoryClientRegistrationStore();
  const ttl = (options.ttlSeconds ?? 600) * 1000;
  const now = options.now ?? Date.now;
  const budget = createRetryBudget({ max: options.maxConsentsPerOperation ?? 3, windowMs: ttl, now });
  // The client a callback's code is exchanged with, read from the registration store once.
  const clients = createClientCache(config, registrations);

  const transitions = createConsentTransitions({
    store,
    tokens,
    bus,
    now,
    release: (consentId) => {
      timers.cancel(consentId);
      poller.stop(consentId);
    },
  });
  // Each instance arms its own timer, so the one that emits `consent.expired` is one that shares the bus.
  const timers = createExpiryTimers({
    now,
    // A clock-injected test may not have reached expiresAt yet; stillPending checks.
    onDue: (consentId) =>
      void store
        .get(consentId)
        .then((current) => (current ? transitions.stillPending(current) : false))
        .catch(() => undefined),
  });
  // CIBA and device consents settle by polling the token endpoint (see ../channels).
  const waiters = createConsentWaiters(bus, (consentId, waited) => poller.hold(consentId, waited));
  const poller = createConsentPoller({
    store,
    discovery,
    registrations,
    config,
    http,
    now,
    transitions,
    settled: (record) => {
      if (record.status !== "pending") waiters.resolve(record.consentId, record.status);
    },
  });

  const begin: Consents["begin"] = async (input) => {
    const plan = await planConsent(input, { tokens, discovery });
    const { key, challenge, scopes } = plan;
    const need = { ...key, scopes, acrValues: challenge?.acrValues, maxAge: challenge?.maxAge };
    const joinable = { ...need, redirectUri: config.redirectUri };
    const consent = await joinOrCreateConsent(store, joinable, transitions.stillPending, async () => {
      budget.spend({ ...key, operation: input.operation });
      const record = await prepareConsent(plan, input.serverName, {
        options,
        config,
        registrations,
        http,
        now,
        ttlMs: ttl,
      });
      await store.create(record);
      transitions.track(record.consentId, input.callId);
      timers.schedule(record);
      bus.emit("consent.required", {
        ...transitions.where(record),
        consentId: record.consentId,
        reason: record.reason,
        scopes: [...record.scopes],
        authorizationUrl: shownUrl(record, launchUrl),
        expiresAt: record.expiresAt,
        ...(record.channel === undefined ? {} : { channel: record.channel }),
      });
      return record;
    });
    timers.schedule(consent);
    // A joined CIBA or device consent (also one begun before a restart) is polled from here too.
    poller.watch(consent);
    return toConsentRequest(consent, launchUrl);
  };

  const deny: Consents["deny"] = async (consentId) => {
    const record = await store.get(consentId);
    if (!record || !(await transitions.stillPending(record))) return false;
    return transitions.deny(record, "access_denied");
  };

  const complete: Consents["complete"] = async (callbackUrl) => {
    const { record, parameters, release } = await acceptCallback(
      store,
      callbackUrl,
      transitions.stillPending,
    );
    const id = record.consentId;
    // Once the consent is settled here its claim guards nothing (a settled consent is never
    // claimed or completed again), so it is released without holding up the caller; release
    // never rejects. While the consent stays pending, the claim is released before returning.
    let settled = false;
    try {
      const as = await discovery.forIssuer(record.issuer);
      const { client, auth } = await clients.forId(as, record.clientId);
      const result = {
        consentId: id,
        subject: record.subject,
        serverName: record.serverName,
        resource: record.resource,
      };
      const checked = checkCallback(as, client, parameters, record);
      if ("refused" in checked) {
        const { error, errorDescription } = checked.refused;
        settled = await transitions.deny(record, error, errorDescription);
        if (!settled) throw new ConsentStateError({ problem: "settled", consentId: id });
        return { ...result, outcome: "denied", error };
      }
      let response: oauth.TokenEndpointResponse;
      try {
        response = await exchangeCode({ as, client, auth, record, parameters: checked.parameters, http });
      } catch (error) {
        // A refused client is read from the registration store again next time.
        clients.forget(as, record.clientId);
        // The code is single-use: this consent cannot be completed any more.
        const code = exchangeErrorCode(error);
        settled = await transitions.deny(record, code);
        throw new ConsentCallbackError({
          consentId: id,
          message: `exchanging the authorization code of consent ${id} failed: ${error instanceof Error ? error.message : code}`,
          error: code,
          cause: safeCause(error),
        });
      }
      const granted = await transitions.grant(record, response);
      settled = granted.won;
      // Denied or expired meanwhile (another worker): the new tokens were not kept.
      if (!granted.won)
        throw new ConsentStateError({
          problem: granted.status === "expired" ? "expired" : "settled",
          consentId: id,
        });
      return { ...result, outcome: "granted", scopes: granted.tokens.scopes };
    } finally {
      if (settled) void release();
      else await release();
    }
  };

  const get: Consents["get"] = async (consentId) => {
    const record = await store.get(consentId);
    if (!record) return undefined;
    if (record.status === "pending" && !(await transitions.stillPending(record))) record.status = "expired";
    return toConsentView(record);
  };

  const authorizationUrl: Consents["authorizationUrl"] = async (consentId) => {
    const record = await store.get(consentId);
    if (!record || !(await transitions.stillPending(record))) return undefined;
    return record.authorizationUrl;
  };

  const wait: Consents["wait"] = async (consentId, waitOptions = {}) => {
    // Listen first, then look: a consent settling in between is not missed.
    const outcome = waiters.add(consentId, waitOptions.signal);
    const record = await store.get(consentId);
    if (!record) waiters.resolve(consentId, "expired");
    else if (record.status !== "pending") waiters.resolve(consentId, record.status);
    else if (await transitions.stillPending(record)) {
      timers.schedule(record);
      poller.watch(record);
      poller.hold(consentId, waiters.has(consentId));
    }
    const settled = await outcome;
    return record ? settled : undefined;
  };

  const close = () => {
    poller.close();
    waiters.close();
    timers.close();
  };

  return { begin, complete, deny, get, authorizationUrl, wait, close, [Symbol.dispose]: close };
}
