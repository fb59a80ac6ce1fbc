/**
 * @module Re-consent flows: begin (PKCE authorization URL), complete (callback → tokens), deny,
 * expiry — composed from the state machine (`consent-transitions`, `join-consent`,
 * `retry-budget`, `accept-callback`), the HTTP steps (`plan-consent`, `prepare-consent`,
 * `exchange-code`, `settle-callback`) and the timers (`expiry-timers`, `../channels/poll-consent`).
 */

import type { ConsentOutcome } from "@authbus/core";
import { createConsentWaiters } from "../channels/consent-waiters.js";
import { createConsentPoller } from "../channels/poll-consent.js";
import { MemoryClientRegistrationStore } from "../client/client-registration-store.js";
import { clientForId } from "../client/resolve-client.js";
import { createDiscovery } from "../discovery/create-discovery.js";
import { type HttpOptions, pickHttpOptions } from "../shared/http-options.js";
import { acceptCallback } from "./accept-callback.js";
import { createConsentTransitions } from "./consent-transitions.js";
import type { Consents, ConsentsOptions } from "./consent-types.js";
import { shownUrl, toConsentRequest, toConsentView } from "./consent-views.js";
import { checkCallback } from "./exchange-code.js";
import { createExpiryTimers } from "./expiry-timers.js";
import { joinOrCreateConsent } from "./join-consent.js";
import { planConsent } from "./plan-consent.js";
import { prepareConsent } from "./prepare-consent.js";
import { createRetryBudget } from "./retry-budget.js";
import { type SettleCallbackInput, settleCallback } from "./settle-callback.js";

export type {
  AcceptedConsent,
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

  // Callbacks accepted here and settling: a call waiting on one (resumed while the code is
  // exchanged) learns its outcome when it settles, without a store read or the bus.
  const inProcess = new Map<string, Promise<ConsentOutcome | undefined>>();

  const accept: Consents["accept"] = async (callbackUrl) => {
    const accepted = await acceptCallback(store, callbackUrl, transitions.stillPending);
    const { record } = accepted;
    let settle: SettleCallbackInput;
    try {
      const as = await discovery.forIssuer(record.issuer);
      const { client, auth } = await clientForId(as, record.clientId, config, registrations);
      // A wrong `iss` or a malformed callback is refused here, before anyone resumes on it.
      const checked = checkCallback(as, client, accepted.parameters, record);
      settle = { as, client, auth, record, checked, http, transitions };
    } catch (error) {
      await accepted.release();
      throw error;
    }
    const id = record.consentId;
    const settling = settleCallback(settle);
    const settled = settling.finally(accepted.release);
    // Whoever awaits `settled` sees its failure; nobody awaiting it is not an unhandled rejection.
    void settled.catch(() => undefined);
    // Waiters learn the outcome once the consent settled, before the claim is released. A failed
    // settle may leave the consent pending (its tokens not stored): `wait` then looks again.
    const outcome = settling.then(
      (result) => result.outcome,
      () => undefined,
    );
    inProcess.set(id, outcome);
    void outcome.then(() => inProcess.delete(id));
    return {
      consentId: record.consentId,
      subject: record.subject,
      serverName: record.serverName,
      resource: record.resource,
      settled,
    };
  };

  const complete: Consents["complete"] = async (callbackUrl) => (await accept(callbackUrl)).settled;

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
    const accepted = waitOptions.signal ? undefined : inProcess.get(consentId);
    const settledHere = accepted ? await accepted : undefined;
    if (settledHere !== undefined) return settledHere;
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

  return { begin, accept, complete, deny, get, authorizationUrl, wait, close, [Symbol.dispose]: close };
}
