/** @module Re-consent flows: begin (PKCE authorization URL), complete (callback → tokens), deny, expiry. */
import { randomUUID } from "node:crypto";
import {
  type AuthBus,
  type Challenge,
  type ConsentChannel,
  type ConsentOutcome,
  type ConsentReason,
  type ConsentRecord,
  type ConsentStatus,
  type ConsentStore,
  checkTokenKey,
  fingerprintToken,
  generateDPoPKey,
  type Lease,
  type OAuthChallenge,
  readOAuthChallenge,
  type TokenStore,
} from "@authbus/core";
import * as oauth from "oauth4webapi";
import { type ConsentChannelOptions, chooseChannel } from "../channels/choose-channel.js";
import { createConsentWaiters } from "../channels/consent-waiters.js";
import { createConsentPoller, isPolledConsent } from "../channels/poll-consent.js";
import { startPolledChannel } from "../channels/start-channel.js";
import {
  type ClientRegistrationStore,
  MemoryClientRegistrationStore,
} from "../client/client-registration-store.js";
import { type ClientConfig, clientForId, resolveClient } from "../client/resolve-client.js";
import { createDiscovery, type Discovery } from "../discovery/create-discovery.js";
import { assertPkceS256 } from "../discovery/discover-authorization-server.js";
import { createDPoPHandle, sendTokenRequest } from "../dpop/dpop-token-request.js";
import { type DPoPMode, selectDPoPAlgorithm } from "../dpop/select-dpop-algorithm.js";
import {
  ConsentCallbackError,
  ConsentRetryLimitError,
  ConsentStateError,
  safeCause,
} from "../errors/oauth-errors.js";
import { type HttpOptions, pickHttpOptions, requestOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import { toTokenSet } from "../shared/token-set.js";
import { buildAuthorizationUrl } from "./authorization-url.js";
import { reasonForChallenge } from "./consent-reason.js";
import { scopeSetKey, selectScopes } from "./scopes.js";

/** Options of {@link createConsents}. */
export interface ConsentsOptions extends HttpOptions, ConsentChannelOptions {
  /** Where granted tokens are stored, keyed by (subject, resource). */
  tokens: TokenStore;
  /** Where pending and settled consents (with their PKCE verifier and state) are kept. */
  store: ConsentStore;
  /** This app's client identity and redirect URI. */
  client: ClientConfig;
  bus: AuthBus;
  /** Dynamically registered clients. Default: in memory (registration once per process). */
  registrations?: ClientRegistrationStore;
  /** Metadata cache to share with a refresher. Default: a new one using `fetch`. */
  discovery?: Discovery;
  /**
   * Whether granted tokens are DPoP-bound (RFC 9449); see {@link DPoPMode}. Default `"auto"`:
   * when the authorization server advertises `dpop_signing_alg_values_supported`. A DPoP grant
   * gets its own key pair, kept (a secret, like the PKCE verifier) in the consent record and then
   * beside the tokens; refreshes and resource requests sign their proofs with it.
   */
  dpop?: DPoPMode;
  /** How long a consent can be completed, in seconds. Default 600. */
  ttlSeconds?: number;
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * When set, `authorizationUrl` in results and events is `launchUrl(consentId)` (your own
   * endpoint that redirects with {@link Consents.authorizationUrl}), so the `state`-bearing
   * URL never enters events, interrupts or checkpoints. Recommended: without it the `state`
   * and PKCE challenge of every pending consent are written wherever the interrupt goes.
   */
  launchUrl?: (consentId: string) => string;
  /**
   * How many consents may be created for one (subject, resource, operation) within
   * `ttlSeconds` before `begin` refuses with a {@link ConsentRetryLimitError}: a server that
   * keeps answering `insufficient_scope` must not make the person consent again and again.
   * Default 3.
   */
  maxConsentsPerOperation?: number;
}

/** Something that carries the OAuth reading of a challenge: an `AuthChallengeError`, a `challenge` event. */
export interface ChallengeCarrier {
  oauth?: OAuthChallenge | undefined;
}

/** What {@link Consents.begin} needs. */
export interface BeginConsentInput {
  /** The person (or agent identity) the tokens will belong to. */
  subject: string;
  /** The MCP server's configured name (for events and the consent card). */
  serverName: string;
  /** The protected resource (the MCP server URL), RFC 8707. */
  resource: string;
  /**
   * The challenge that asked for this: parsed (`Challenge`), read (`OAuthChallenge`), or
   * anything carrying its reading as `oauth` (an `AuthChallengeError`, a `challenge` event).
   */
  challenge?: Challenge | OAuthChallenge | ChallengeCarrier | undefined;
  /** The tool call this happened in, for events. */
  callId?: string | undefined;
  /**
   * What was being done (a tool name, an MCP method), for the retry limit: consents are
   * counted per (subject, resource, operation). Default: one count for the whole resource.
   */
  operation?: string | undefined;
  /** Overrides the reason read from the challenge, e.g. `"refresh_failed"`. */
  reason?: ConsentReason | undefined;
}

/**
 * A consent to show: where to send the person and why. Shaped like the interrupt payload
 * (`authInterruptSchema` without `type`); never holds a verifier or token.
 */
export interface ConsentRequest {
  consentId: string;
  serverName: string;
  resource: string;
  authorizationUrl: string;
  scopes: string[];
  reason: ConsentReason;
  errorDescription?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** How the consent reaches the person; absent means `redirect`. See `authInterruptSchema`. */
  channel?: ConsentChannel;
  /** CIBA: shown here and on the person's device. */
  bindingMessage?: string;
  /** Device authorization: what the person types at `verificationUri`. */
  userCode?: string;
  verificationUri?: string;
  verificationUriComplete?: string;
}

/** How a callback ended. */
export interface ConsentResult {
  consentId: string;
  subject: string;
  serverName: string;
  resource: string;
  outcome: "granted" | "denied";
  /** Granted scopes (for `granted`). */
  scopes?: string[];
  /** The authorization server's `error` (for `denied`). */
  error?: string;
}

/** A consent's public state (no state, verifier or URL). */
export interface ConsentView {
  consentId: string;
  status: ConsentStatus;
  subject: string;
  serverName: string;
  resource: string;
  scopes: string[];
  reason: ConsentReason;
  expiresAt: number;
  /** Absent means `redirect`. */
  channel?: ConsentChannel;
}

/** The consent flows; see {@link createConsents}. */
export interface Consents {
  /**
   * Starts (or joins) a consent for (subject, resource): concurrent calls asking for the same
   * scopes get the same pending consent, in process and from the store. Emits
   * `consent.required` when a consent is created.
   *
   * @throws {ResourceMismatchError | PkceUnsupportedError | DiscoveryError | ClientRegistrationError | ConsentRetryLimitError}
   */
  begin(input: BeginConsentInput): Promise<ConsentRequest>;
  /**
   * Handles the redirect back from the authorization server: checks `state` and `iss`,
   * exchanges the code (PKCE verifier, `resource`), stores the tokens, settles the consent
   * once, emits `consent.granted` / `consent.denied`.
   *
   * @throws {ConsentStateError} for a missing, unknown, expired or already-used `state`; nothing changes.
   * @throws {ConsentCallbackError} for a wrong `iss` or a malformed callback (the consent stays
   *   pending, so a forged callback cannot cancel it), or a refused code exchange (the code is
   *   single-use, so the consent is then denied).
   */
  complete(callbackUrl: string | URL): Promise<ConsentResult>;
  /** Denies a pending consent (the person closed the card). Returns false if it was not pending. */
  deny(consentId: string): Promise<boolean>;
  /** A consent's status, expiring it first if its time is up. */
  get(consentId: string): Promise<ConsentView | undefined>;
  /** The real authorization URL of a pending consent (for a `launchUrl` redirect endpoint). */
  authorizationUrl(consentId: string): Promise<string | undefined>;
  /**
   * How a consent ends: resolves with `granted`, `denied` or `expired` once it is settled (at
   * once if it already is), or `undefined` for an unknown id. A pending CIBA or device consent
   * is polled by this instance while it is waited on — also one begun before a restart, since
   * its `auth_req_id` / `device_code` is in the store — and its timer keeps the process alive.
   * Other consents settle through this instance (`complete`, `deny`, expiry) or its bus.
   *
   * @example
   * const outcome = await consents.wait(interrupt.consentId);
   * await graph.invoke(await resumeConsent(graph, config, interrupt.consentId, outcome ?? "expired"), config);
   * @throws the signal's reason when `signal` aborts.
   */
  wait(consentId: string, options?: { signal?: AbortSignal }): Promise<ConsentOutcome | undefined>;
  /** Stops the expiry timers and polling. Pending consents still expire lazily when next touched. */
  close(): void;
  /** Same as `close()`, for `using consents = createConsents(…)`. */
  [Symbol.dispose](): void;
}

// Process-wide, per consent store: two `createConsents` over one store still make one consent
// per need and accept a callback once (a second exchange of a code can revoke the first's tokens).
const beginFlights = new WeakMap<ConsentStore, Map<string, Promise<ConsentRecord>>>();
/** How long a callback's claim on its consent lasts: discovery and the token request, each bounded by their timeout. */
const COMPLETION_CLAIM_MS = 90_000;
const completions = new WeakMap<ConsentStore, Set<string>>();

function perStore<T>(map: WeakMap<ConsentStore, T>, store: ConsentStore, create: () => T): T {
  let value = map.get(store);
  if (value === undefined) {
    value = create();
    map.set(store, value);
  }
  return value;
}

function readChallenge(
  challenge: Challenge | OAuthChallenge | ChallengeCarrier | undefined,
): OAuthChallenge | undefined {
  if (!challenge) return undefined;
  if ("params" in challenge) return readOAuthChallenge(challenge);
  if ("scheme" in challenge) return challenge;
  return challenge.oauth;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).join(" ") === (b ?? []).join(" ");
}

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
  const { tokens, store, bus, client: config } = options;
  const http: HttpOptions = pickHttpOptions(options);
  const discovery = options.discovery ?? createDiscovery(http);
  const registrations = options.registrations ?? new MemoryClientRegistrationStore();
  const ttl = (options.ttlSeconds ?? 600) * 1000;
  const now = options.now ?? Date.now;
  const flights = perStore(beginFlights, store, () => new Map<string, Promise<ConsentRecord>>());
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const callIds = new Map<string, string>();
  const completing = perStore(completions, store, () => new Set<string>());
  const maxAttempts = options.maxConsentsPerOperation ?? 3;
  // When each recent consent was created, per (subject, resource, operation).
  const attempts = new Map<string, number[]>();
  let closed = false;

  const where = (record: ConsentRecord) => {
    const callId = callIds.get(record.consentId);
    return {
      serverName: record.serverName,
      resource: record.resource,
      subject: record.subject,
      ...(callId === undefined ? {} : { callId }),
    };
  };

  const forget = (consentId: string) => {
    const timer = timers.get(consentId);
    if (timer) clearTimeout(timer);
    timers.delete(consentId);
    callIds.delete(consentId);
    poller.stop(consentId);
  };

  const expire = async (record: ConsentRecord): Promise<void> => {
    const settled = await store.settle(record.consentId, "expired");
    if (settled) bus.emit("consent.expired", { ...where(record), consentId: record.consentId });
    forget(record.consentId);
  };

  /** Expires `record` if its time is up; returns whether it is still pending. */
  const stillPending = async (record: ConsentRecord): Promise<boolean> => {
    if (record.status !== "pending") return false;
    if (now() < record.expiresAt) return true;
    await expire(record);
    return false;
  };

  // CIBA and device consents settle by polling the token endpoint (see ../channels).
  const waiters = createConsentWaiters(bus, (consentId, waited) => poller.hold(consentId, waited));
  const poller = createConsentPoller({
    store,
    tokens,
    bus,
    discovery,
    registrations,
    config,
    http,
    now,
    where,
    expire,
    forget,
    settled: (record) => {
      if (record.status !== "pending") waiters.resolve(record.consentId, record.status);
    },
  });
  const watch = (record: ConsentRecord) => {
    if (!closed && isPolledConsent(record)) poller.watch(record);
  };

  const schedule = (record: ConsentRecord) => {
    if (closed || timers.has(record.consentId)) return;
    // setTimeout holds at most 2^31-1 ms; a later expiry is still caught lazily.
    const delay = Math.min(Math.max(0, record.expiresAt - now()), 2_147_483_647);
    const timer = setTimeout(() => {
      timers.delete(record.consentId);
      // A clock-injected test may not have reached expiresAt yet; stillPending checks.
      void store
        .get(record.consentId)
        .then((current) => (current ? stillPending(current) : false))
        .catch(() => undefined);
    }, delay);
    timer.unref?.();
    timers.set(record.consentId, timer);
  };

  const shown = (record: ConsentRecord): string =>
    options.launchUrl ? options.launchUrl(record.consentId) : record.authorizationUrl;

  const toRequest = (record: ConsentRecord): ConsentRequest => {
    const request: ConsentRequest = {
      consentId: record.consentId,
      serverName: record.serverName,
      resource: record.resource,
      authorizationUrl: shown(record),
      scopes: [...record.scopes],
      reason: record.reason,
      expiresAt: record.expiresAt,
    };
    if (record.errorDescription !== undefined) request.errorDescription = record.errorDescription;
    if (record.channel !== undefined && record.channel !== "redirect") {
      request.channel = record.channel;
      for (const field of [
        "bindingMessage",
        "userCode",
        "verificationUri",
        "verificationUriComplete",
      ] as const) {
        const value = record[field];
        if (value !== undefined) request[field] = value;
      }
    }
    return request;
  };

  const begin = async (input: BeginConsentInput): Promise<ConsentRequest> => {
    const key = checkTokenKey({ subject: input.subject, resource: input.resource });
    const challenge = readChallenge(input.challenge);
    const held = await tokens.get(key);
    const reason = input.reason ?? reasonForChallenge(challenge, held !== undefined);
    // A refused token may mean the server moved to another authorization server (MCP
    // 2026-07-28, SEP-2352): read its metadata again rather than trust the cache.
    const found = await discovery.forResource(key.resource, challenge?.resourceMetadata, {
      fresh: held !== undefined && (reason === "invalid_token" || reason === "refresh_failed"),
    });
    const as = found.authorizationServer;
    // MCP Authorization §"Authorization Code Protection": no S256 advertised, no consent.
    assertPkceS256(as);
    // Credentials are per authorization server: scopes held from another one are not carried over.
    const heldHere = held && (held.issuer === undefined || held.issuer === as.issuer) ? held : undefined;
    const scopes = selectScopes({
      reason,
      challenged: challenge?.scope,
      resourceScopes: found.metadata.scopes_supported,
      held: heldHere?.scopes,
      authorizationServerScopes: as.scopes_supported,
    });
    const budgetKey = JSON.stringify([key.subject, key.resource, input.operation ?? null]);
    const acrValues = challenge?.acrValues;
    const maxAge = challenge?.maxAge;
    const flightKey = JSON.stringify([
      key.subject,
      key.resource,
      scopeSetKey(scopes),
      acrValues,
      maxAge,
      config.redirectUri,
    ]);

    const consent = await singleFlight(flights, flightKey, async (): Promise<ConsentRecord> => {
      // One card per (subject, resource): join a pending consent that already asks for every
      // scope needed here (same step-up parameters), e.g. a plain re-consent while a step-up
      // card for the union is open. A need for more scopes gets its own card.
      const needed = new Set(scopes);
      for (const pending of await store.findPending(key.subject, key.resource)) {
        if (
          [...needed].every((scope) => pending.scopes.includes(scope)) &&
          pending.redirectUri === config.redirectUri &&
          sameList(pending.acrValues, acrValues) &&
          pending.maxAge === maxAge &&
          (await stillPending(pending))
        ) {
          return pending;
        }
      }

      // MCP: limit repeated consents for one operation, or a server that keeps refusing loops.
      const recent = (attempts.get(budgetKey) ?? []).filter((at) => now() - at < ttl);
      if (recent.length >= maxAttempts) {
        throw new ConsentRetryLimitError(key.resource, input.operation, recent.length);
      }
      attempts.set(budgetKey, [...recent, now()]);
      const { client, auth } = await resolveClient(
        as,
        options.channel ? { ...config, decoupledChannels: true } : config,
        registrations,
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
        serverName: input.serverName,
        resource: key.resource,
        scopes,
        reason,
        authorizationUrl: authorizationUrl.href,
        issuer: as.issuer,
        clientId: client.client_id,
        redirectUri: config.redirectUri,
        createdAt,
        expiresAt: createdAt + ttl,
        status: "pending",
      };
      if (found.resourceIndicator !== key.resource) record.resourceIndicator = found.resourceIndicator;
      if (acrValues && acrValues.length > 0) record.acrValues = [...acrValues];
      if (maxAge !== undefined) record.maxAge = maxAge;
      if (challenge?.errorDescription !== undefined) record.errorDescription = challenge.errorDescription;
      // RFC 9449 §2: a key pair per grant, made now so a callback in another process can use it.
      if (dpopAlgorithm) record.dpopKey = await generateDPoPKey(dpopAlgorithm);
      // The app picks the channel; CIBA and device send their request now (same scopes, resource).
      const choice = {
        subject: key.subject,
        serverName: input.serverName,
        resource: key.resource,
        reason,
        scopes,
      };
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
            ttlMs: ttl,
            options,
            http,
          }),
        );
      }
      await store.create(record);
      if (input.callId !== undefined) callIds.set(record.consentId, input.callId);
      schedule(record);
      bus.emit("consent.required", {
        ...where(record),
        consentId: record.consentId,
        reason,
        scopes: [...record.scopes],
        authorizationUrl: shown(record),
        expiresAt: record.expiresAt,
        ...(record.channel === undefined ? {} : { channel: record.channel }),
      });
      return record;
    });
    // Each instance arms its own timer, so the one that emits `consent.expired` is one that shares the bus.
    schedule(consent);
    // A joined CIBA or device consent (also one begun before a restart) is polled from here too.
    watch(consent);
    return toRequest(consent);
  };

  const deny = async (consentId: string): Promise<boolean> => {
    const record = await store.get(consentId);
    if (!record || !(await stillPending(record))) return false;
    const settled = await store.settle(consentId, "denied");
    if (settled) bus.emit("consent.denied", { ...where(record), consentId, error: "access_denied" });
    forget(consentId);
    return settled;
  };

  const complete = async (callbackUrl: string | URL): Promise<ConsentResult> => {
    let parameters: URLSearchParams;
    try {
      parameters = new URL(callbackUrl).searchParams;
    } catch {
      // A callback URL that does not parse carries no state: nothing is changed.
      throw new ConsentStateError("missing");
    }
    const state = parameters.get("state");
    if (!state) throw new ConsentStateError("missing");
    const record = await store.findByState(state);
    if (!record) throw new ConsentStateError("unknown");
    const id = record.consentId;
    if (record.status === "expired") throw new ConsentStateError("expired", id);
    if (record.status !== "pending") throw new ConsentStateError("settled", id);
    if (!(await stillPending(record))) throw new ConsentStateError("expired", id);
    // Accepted once: a second callback racing this one in process is refused here; across
    // processes the store's completion claim (when it has one) and the atomic settle below decide.
    if (completing.has(id)) throw new ConsentStateError("in_progress", id);
    completing.add(id);
    // Across processes sharing the store: one claim per consent, so the code is sent once.
    let claim: Lease | undefined;
    try {
      claim = store.claimCompletion ? await store.claimCompletion(id, COMPLETION_CLAIM_MS) : undefined;
    } catch (error) {
      completing.delete(id);
      throw error;
    }
    if (store.claimCompletion && !claim) {
      completing.delete(id);
      throw new ConsentStateError("in_progress", id);
    }
    try {
      // Another worker may have completed it between the read above and the claim.
      if (claim && (await store.get(id))?.status !== "pending") throw new ConsentStateError("settled", id);
      const as = await discovery.forIssuer(record.issuer);
      const { client, auth } = await clientForId(as, record.clientId, config, registrations);
      const result = {
        consentId: id,
        subject: record.subject,
        serverName: record.serverName,
        resource: record.resource,
      };

      let validated: URLSearchParams;
      try {
        // RFC 9207 §2.4 (iss) and RFC 6749 §10.12 (state), checked by oauth4webapi.
        validated = oauth.validateAuthResponse(as, client, parameters, record.state);
      } catch (error) {
        if (error instanceof oauth.AuthorizationResponseError) {
          // RFC 6749 §4.1.2.1: the person (or the server) said no.
          if (!(await store.settle(id, "denied"))) throw new ConsentStateError("settled", id);
          bus.emit("consent.denied", {
            ...where(record),
            consentId: id,
            error: error.error,
            ...(error.error_description === undefined ? {} : { errorDescription: error.error_description }),
          });
          forget(id);
          return { ...result, outcome: "denied", error: error.error };
        }
        throw new ConsentCallbackError(
          id,
          `callback for consent ${id} was rejected: ${error instanceof Error ? error.message : "invalid response"}`,
          undefined,
          safeCause(error),
        );
      }

      let response: oauth.TokenEndpointResponse;
      try {
        // RFC 9449 §5: the code is exchanged with a proof of the consent's key, so the tokens are bound to it.
        const dpop = record.dpopKey ? await createDPoPHandle(client, record.dpopKey) : undefined;
        response = await sendTokenRequest(
          dpop,
          String(as.token_endpoint),
          () =>
            oauth.authorizationCodeGrantRequest(
              as,
              client,
              auth,
              validated,
              record.redirectUri,
              record.codeVerifier,
              {
                ...requestOptions(String(as.token_endpoint), http),
                // RFC 8707 §2.2: the token is requested for this resource only.
                additionalParameters: { resource: record.resourceIndicator ?? record.resource },
                ...(dpop ? { DPoP: dpop } : {}),
              },
            ),
          (sent) => oauth.processAuthorizationCodeResponse(as, client, sent),
        );
      } catch (error) {
        // The code is single-use: this consent cannot be completed any more.
        const oauthError = (error as { error?: unknown }).error;
        const code = typeof oauthError === "string" ? oauthError : "token_exchange_failed";
        if (await store.settle(id, "denied")) {
          bus.emit("consent.denied", { ...where(record), consentId: id, error: code });
        }
        forget(id);
        throw new ConsentCallbackError(
          id,
          `exchanging the authorization code of consent ${id} failed: ${error instanceof Error ? error.message : code}`,
          code,
          safeCause(error),
        );
      }

      const tokenSet = toTokenSet(response, {
        requestedScopes: record.scopes,
        issuer: record.issuer,
        clientId: record.clientId,
        now: now(),
      });
      if (record.resourceIndicator !== undefined) tokenSet.resourceIndicator = record.resourceIndicator;
      // RFC 9449 §5: kept beside the tokens it binds (the refresh token too, for a public client).
      if (record.dpopKey !== undefined) tokenSet.dpopKey = record.dpopKey;
      // Stored before settling: if the store write fails the consent stays pending (its link
      // still works), rather than being granted with no token behind it.
      const tokenKey = { subject: record.subject, resource: record.resource };
      const previous = await tokens.get(tokenKey);
      await tokens.set(tokenKey, tokenSet);
      if (!(await store.settle(id, "granted"))) {
        // Denied or expired meanwhile (another worker): the new tokens are not kept.
        if (previous) await tokens.set(tokenKey, previous);
        else await tokens.delete(tokenKey);
        const current = await store.get(id);
        throw new ConsentStateError(current?.status === "expired" ? "expired" : "settled", id);
      }
      bus.emit("consent.granted", {
        ...where(record),
        consentId: id,
        scopes: tokenSet.scopes,
        tokenFingerprint: await fingerprintToken(tokenSet.accessToken),
      });
      forget(id);
      return { ...result, outcome: "granted", scopes: tokenSet.scopes };
    } finally {
      completing.delete(id);
      await claim?.release().catch(() => undefined);
    }
  };

  const get = async (consentId: string): Promise<ConsentView | undefined> => {
    const record = await store.get(consentId);
    if (!record) return undefined;
    if (record.status === "pending" && !(await stillPending(record))) record.status = "expired";
    return {
      consentId: record.consentId,
      status: record.status,
      subject: record.subject,
      serverName: record.serverName,
      resource: record.resource,
      scopes: record.scopes,
      reason: record.reason,
      expiresAt: record.expiresAt,
      ...(record.channel === undefined ? {} : { channel: record.channel }),
    };
  };

  const authorizationUrl = async (consentId: string): Promise<string | undefined> => {
    const record = await store.get(consentId);
    if (!record || !(await stillPending(record))) return undefined;
    return record.authorizationUrl;
  };

  const wait = async (
    consentId: string,
    waitOptions: { signal?: AbortSignal } = {},
  ): Promise<ConsentOutcome | undefined> => {
    // Listen first, then look: a consent settling in between is not missed.
    const outcome = waiters.add(consentId, waitOptions.signal);
    const record = await store.get(consentId);
    if (!record) waiters.resolve(consentId, "expired");
    else if (record.status !== "pending") waiters.resolve(consentId, record.status);
    else if (await stillPending(record)) {
      schedule(record);
      watch(record);
      poller.hold(consentId, waiters.has(consentId));
    }
    const settled = await outcome;
    return record ? settled : undefined;
  };

  const close = () => {
    poller.close();
    waiters.close();
    closed = true;
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  };

  return { begin, complete, deny, get, authorizationUrl, wait, close, [Symbol.dispose]: close };
}
