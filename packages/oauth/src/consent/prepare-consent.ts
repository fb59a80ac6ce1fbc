/**
 * @module A new consent's record: the client to use, PKCE verifier, state, DPoP key and
 * authorization URL, and for a CIBA or device consent its request already sent.
 */
import { randomUUID } from "node:crypto";
import { type ConsentRecord, generateDPoPKey } from "@authbus/core";
import * as oauth from "oauth4webapi";
import { chooseChannel } from "../channels/choose-channel.js";
import { startPolledChannel } from "../channels/start-channel.js";
import type { ClientRegistrationStore } from "../client/client-registration-store.js";
import { type ClientConfig, resolveClient } from "../client/resolve-client.js";
import { selectDPoPAlgorithm } from "../dpop/select-dpop-algorithm.js";
import type { HttpOptions } from "../shared/http-options.js";
import { buildAuthorizationUrl } from "./authorization-url.js";
import type { ConsentsOptions } from "./consent-types.js";
import type { ConsentPlan } from "./plan-consent.js";

/** What {@link prepareConsent} needs. */
export interface PrepareConsentDeps {
  options: ConsentsOptions;
  config: ClientConfig;
  registrations: ClientRegistrationStore;
  http: HttpOptions;
  now: () => number;
  /** How long the consent may stay pending, in milliseconds. */
  ttlMs: number;
}

/**
 * The pending record of a new consent for `plan`, not yet stored. Registers the client when
 * needed; a CIBA or device channel (chosen by the app) sends its request now.
 *
 * @see RFC 6749 §4.1.1, RFC 7636 §4, RFC 8707 §2, RFC 9449 §10
 * @throws {ClientRegistrationError | ConsentChannelError}
 */
export async function prepareConsent(
  plan: ConsentPlan,
  serverName: string,
  deps: PrepareConsentDeps,
): Promise<ConsentRecord> {
  const { options, config, http, now, ttlMs } = deps;
  const { key, challenge, reason, found, scopes } = plan;
  const as = found.authorizationServer;
  const acrValues = challenge?.acrValues;
  const maxAge = challenge?.maxAge;
  const { client, auth } = await resolveClient(
    as,
    options.channel ? { ...config, decoupledChannels: true } : config,
    deps.registrations,
    http,
    now,
  );
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const dpopAlgorithm = selectDPoPAlgorithm({
    mode: options.dpop,
    advertised: as.dpop_signing_alg_values_supported,
    resourceRequiresDPoP: found.metadata.dpop_bound_access_tokens_required,
  });
  const authorizationUrl = buildAuthorizationUrl({
    authorizationEndpoint: String(as.authorization_endpoint),
    clientId: client.client_id,
    redirectUri: config.redirectUri,
    state,
    codeChallenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    // RFC 8707 §2: the identifier exactly as the protected resource metadata states it.
    resource: found.resourceIndicator,
    scopes,
    acrValues,
    maxAge,
  });
  const createdAt = now();
  const record: ConsentRecord = {
    consentId: randomUUID(),
    state,
    codeVerifier,
    subject: key.subject,
    serverName,
    resource: key.resource,
    scopes,
    reason,
    authorizationUrl: authorizationUrl.href,
    issuer: as.issuer,
    clientId: client.client_id,
    redirectUri: config.redirectUri,
    createdAt,
    expiresAt: createdAt + ttlMs,
    status: "pending",
  };
  if (found.resourceIndicator !== key.resource) record.resourceIndicator = found.resourceIndicator;
  if (acrValues && acrValues.length > 0) record.acrValues = [...acrValues];
  if (maxAge !== undefined) record.maxAge = maxAge;
  if (challenge?.errorDescription !== undefined) record.errorDescription = challenge.errorDescription;
  // RFC 9449 §2: a key pair per grant, made now so a callback in another process can use it.
  if (dpopAlgorithm) record.dpopKey = await generateDPoPKey(dpopAlgorithm);
  // The app picks the channel; CIBA and device send their request now (same scopes, resource).
  const choice = { subject: key.subject, serverName, resource: key.resource, reason, scopes };
  const route = await chooseChannel(options, choice, as, { acrValues, maxAge });
  if (route.channel !== "redirect") {
    Object.assign(
      record,
      await startPolledChannel({
        route,
        as,
        client,
        auth,
        choice,
        resourceIndicator: found.resourceIndicator,
        acrValues,
        createdAt,
        ttlMs,
        options,
        http,
      }),
    );
  }
  return record;
}
