/**
 * @module Polling the token endpoint for a CIBA or device consent until the person answers
 * (CIBA Core §7.3/§11, RFC 8628 §3.4–3.5): `interval`, `slow_down` (+5 s), and the same
 * outcomes and events as a redirect callback.
 */
import type { ConsentRecord, ConsentStore } from "@authbus/core";
import * as oauth from "oauth4webapi";
import type { ClientRegistrationStore } from "../client/client-registration-store.js";
import { type ClientConfig, clientForId } from "../client/resolve-client.js";
import type { ConsentTransitions } from "../consent/consent-transitions.js";
import type { Discovery } from "../discovery/create-discovery.js";
import { createDPoPHandle, sendTokenRequest } from "../dpop/dpop-token-request.js";
import { type HttpOptions, requestOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import { oauthErrorCode } from "./channel-errors.js";
import { DEFAULT_POLL_INTERVAL } from "./start-channel.js";

/** RFC 8628 §3.5 / CIBA Core §11: every `slow_down` adds 5 seconds to the interval. */
export const SLOW_DOWN_SECONDS = 5;

// Errors after which polling goes on: the person has not answered yet, or the server is busy.
const PASSING = new Set(["authorization_pending", "slow_down", "server_error", "temporarily_unavailable"]);

/** What the poller needs from the consents it belongs to. */
export interface ConsentPollerDeps {
  store: ConsentStore;
  discovery: Discovery;
  registrations: ClientRegistrationStore;
  config: ClientConfig;
  http: HttpOptions;
  now: () => number;
  /** The consents' state machine: a poll's outcome settles the consent through it. */
  transitions: Pick<ConsentTransitions, "expire" | "deny" | "grant">;
  /** Called when a poll finds the consent settled, whoever settled it. */
  settled: (record: ConsentRecord) => void;
}

/** Polls the token endpoint for the polled consents it watches. */
export interface ConsentPoller {
  /** Starts polling a pending CIBA or device consent (nothing if it is polled already or not polled at all). */
  watch(record: ConsentRecord): void;
  /** Stops polling one consent (a request in flight still finishes and is stored). */
  stop(consentId: string): void;
  /** While held, the poll timer keeps the process alive (someone awaits the outcome). */
  hold(consentId: string, held: boolean): void;
  /** Stops every poll. */
  close(): void;
}

/** Whether a consent settles by polling (CIBA or device authorization) rather than by a callback. */
export function isPolledConsent(record: ConsentRecord): boolean {
  return (
    (record.channel === "ciba" && record.authReqId !== undefined) ||
    (record.channel === "device" && record.deviceCode !== undefined)
  );
}

interface Watch {
  intervalMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  held: boolean;
}

type PollResult = "pending" | "done";

// Process-wide, per consent store: two consents instances over one store never send the same
// consent's poll at once (a second use of a granted auth_req_id can revoke its tokens).
const pollFlights = new WeakMap<ConsentStore, Map<string, Promise<PollResult>>>();

/**
 * Creates the poller of one consents instance. Before each poll it reads the consent again, so
 * polling stops as soon as the consent ends anywhere (denied, expired, granted by another
 * process); a poll that gets tokens stores them before settling the consent, as a callback does.
 *
 * @see OpenID CIBA Core 1.0 §7.3, §10.1, §11; RFC 8628 §3.4, §3.5; RFC 8707 §2.2; RFC 9449 §5
 */
export function createConsentPoller(deps: ConsentPollerDeps): ConsentPoller {
  const { store, now, transitions } = deps;
  const watches = new Map<string, Watch>();
  let flights = pollFlights.get(store);
  if (!flights) {
    flights = new Map();
    pollFlights.set(store, flights);
  }
  const inFlight = flights;
  let closed = false;

  const arm = (consentId: string, watch: Watch, expiresAt: number) => {
    if (closed || watches.get(consentId) !== watch) return;
    // Never later than the expiry: the poll then expires the consent.
    const delay = Math.max(0, Math.min(watch.intervalMs, expiresAt - now()));
    watch.timer = setTimeout(() => void tick(consentId, watch), delay);
    if (!watch.held) watch.timer.unref?.();
  };

  const tick = async (consentId: string, watch: Watch): Promise<void> => {
    watch.timer = undefined;
    if (watches.get(consentId) !== watch) return;
    let result: PollResult;
    try {
      result = await singleFlight(inFlight, consentId, () => pollOnce(consentId, watch));
    } catch {
      // The store could not be read: try again at the next interval (expiry still bounds it).
      result = "pending";
    }
    if (result === "done") {
      const record = await store.get(consentId).catch(() => undefined);
      if (watches.get(consentId) === watch) stop(consentId);
      if (record && record.status !== "pending") deps.settled(record);
      return;
    }
    const record = await store.get(consentId).catch(() => undefined);
    arm(consentId, watch, record?.expiresAt ?? now() + watch.intervalMs);
  };

  const pollOnce = async (consentId: string, watch: Watch): Promise<PollResult> => {
    const record = await store.get(consentId);
    // The consent ended (here or in another process): stop.
    if (record?.status !== "pending" || !isPolledConsent(record)) return "done";
    if (now() >= record.expiresAt) {
      await transitions.expire(record);
      return "done";
    }
    const as = await deps.discovery.forIssuer(record.issuer);
    const { client, auth } = await clientForId(as, record.clientId, deps.config, deps.registrations);
    const endpoint = String(as.token_endpoint);
    const dpop = record.dpopKey ? await createDPoPHandle(client, record.dpopKey) : undefined;
    const options: oauth.TokenEndpointRequestOptions = {
      ...requestOptions(endpoint, deps.http),
      // RFC 8707 §2.2: the token is requested for this resource only.
      additionalParameters: { resource: record.resourceIndicator ?? record.resource },
      ...(dpop ? { DPoP: dpop } : {}),
    };
    let response: oauth.TokenEndpointResponse;
    try {
      response =
        record.channel === "ciba"
          ? await sendTokenRequest(
              dpop,
              endpoint,
              // CIBA Core §10.1: the token request carries the auth_req_id.
              () =>
                oauth.backchannelAuthenticationGrantRequest(
                  as,
                  client,
                  auth,
                  String(record.authReqId),
                  options,
                ),
              (sent) => oauth.processBackchannelAuthenticationGrantResponse(as, client, sent),
            )
          : await sendTokenRequest(
              dpop,
              endpoint,
              // RFC 8628 §3.4: the token request carries the device_code.
              () => oauth.deviceCodeGrantRequest(as, client, auth, String(record.deviceCode), options),
              (sent) => oauth.processDeviceCodeResponse(as, client, sent),
            );
    } catch (error) {
      const refused = oauthErrorCode(error);
      // A network failure, a timeout or a malformed answer: try again later; expiry bounds it.
      if (refused === undefined) return "pending";
      if (refused.error === "slow_down") {
        // RFC 8628 §3.5, CIBA Core §11: slow down by 5 seconds, for this and every later poll.
        watch.intervalMs += SLOW_DOWN_SECONDS * 1000;
      }
      if (PASSING.has(refused.error)) return "pending";
      if (refused.error === "expired_token") {
        await transitions.expire(record);
        return "done";
      }
      // access_denied (the person said no) or a refusal that no later poll can change.
      await transitions.deny(record, refused.error, refused.description);
      return "done";
    }
    // Stored before settling, as a callback does. Settled meanwhile and granted elsewhere: these
    // are that grant's tokens (an auth_req_id or device_code yields tokens once), so they stay.
    await transitions.grant(record, response, { keepIfGrantedElsewhere: true });
    return "done";
  };

  const stop = (consentId: string) => {
    const watch = watches.get(consentId);
    if (!watch) return;
    if (watch.timer) clearTimeout(watch.timer);
    watches.delete(consentId);
  };

  return {
    watch(record) {
      if (closed || watches.has(record.consentId) || !isPolledConsent(record)) return;
      if (record.status !== "pending") return;
      const watch: Watch = {
        intervalMs: (record.pollInterval ?? DEFAULT_POLL_INTERVAL) * 1000,
        timer: undefined,
        held: false,
      };
      watches.set(record.consentId, watch);
      // RFC 8628 §3.4: the first poll waits one interval too.
      arm(record.consentId, watch, record.expiresAt);
    },
    stop,
    hold(consentId, held) {
      const watch = watches.get(consentId);
      if (!watch) return;
      watch.held = held;
      if (held) watch.timer?.ref?.();
      else watch.timer?.unref?.();
    },
    close() {
      closed = true;
      for (const consentId of [...watches.keys()]) stop(consentId);
    },
  };
}
