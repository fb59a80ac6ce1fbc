/** @module Re-consent flows: begin (PKCE authorization URL), complete (callback → tokens), deny, expiry. */
import { randomUUID } from "node:crypto";
import { checkTokenKey, fingerprintToken, generateDPoPKey, readOAuthChallenge, } from "@authbus/core";
import * as oauth from "oauth4webapi";
import { chooseChannel } from "../channels/choose-channel.js";
import { createConsentWaiters } from "../channels/consent-waiters.js";
import { createConsentPoller, isPolledConsent } from "../channels/poll-consent.js";
import { startPolledChannel } from "../channels/start-channel.js";
import { MemoryClientRegistrationStore, } from "../client/client-registration-store.js";
import { clientForId, resolveClient } from "../client/resolve-client.js";
import { createDiscovery } from "../discovery/create-discovery.js";
import { assertPkceS256 } from "../discovery/discover-authorization-server.js";
import { createDPoPHandle, sendTokenRequest } from "../dpop/dpop-token-request.js";
import { selectDPoPAlgorithm } from "../dpop/select-dpop-algorithm.js";
import { ConsentCallbackError, ConsentRetryLimitError, ConsentStateError, safeCause, } from "../errors/oauth-errors.js";
import { pickHttpOptions, requestOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import { toTokenSet } from "../shared/token-set.js";
import { buildAuthorizationUrl } from "./authorization-url.js";
import { reasonForChallenge } from "./consent-reason.js";
import { scopeSetKey, selectScopes } from "./scopes.js";
// Process-wide, per consent store: two `createConsents` over one store still make one consent
// per need and accept a callback once (a second exchange of a code can revoke the first's tokens).
const beginFlights = new WeakMap();
/** How long a callback's claim on its consent lasts: discovery and the token request, each bounded by their timeout. */
const COMPLETION_CLAIM_MS = 90_000;
const completions = new WeakMap();
function perStore(map, store, create) {
    let value = map.get(store);
    if (value === undefined) {
        value = create();
        map.set(store, value);
    }
    return value;
}
function readChallenge(challenge) {
    if (!challenge)
        return undefined;
    if ("params" in challenge)
        return readOAuthChallenge(challenge);
    if ("scheme" in challenge)
        return challenge;
    return challenge.oauth;
}
function sameList(a, b) {
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
export function createConsents(options) {
    const { tokens, store, bus, client: config } = options;
    const http = pickHttpOptions(options);
    const discovery = options.discovery ?? createDiscovery(http);
    const registrations = options.registrations ?? new MemoryClientRegistrationStore();
    const ttl = (options.ttlSeconds ?? 600) * 1000;
    const now = options.now ?? Date.now;
    const flights = perStore(beginFlights, store, () => new Map());
    const timers = new Map();
    const callIds = new Map();
    const completing = perStore(completions, store, () => new Set());
    const maxAttempts = options.maxConsentsPerOperation ?? 3;
    // When each recent consent was created, per (subject, resource, operation).
    const attempts = new Map();
    let closed = false;
    const where = (record) => {
        const callId = callIds.get(record.consentId);
        return {
            serverName: record.serverName,
            resource: record.resource,
            subject: record.subject,
            ...(callId === undefined ? {} : { callId }),
        };
    };
    const forget = (consentId) => {
        const timer = timers.get(consentId);
        if (timer)
            clearTimeout(timer);
        timers.delete(consentId);
        callIds.delete(consentId);
        poller.stop(consentId);
    };
    const expire = async (record) => {
        const settled = await store.settle(record.consentId, "expired");
        if (settled)
            bus.emit("consent.expired", { ...where(record), consentId: record.consentId });
        forget(record.consentId);
    };
    /** Expires `record` if its time is up; returns whether it is still pending. */
    const stillPending = async (record) => {
        if (record.status !== "pending")
            return false;
        if (now() < record.expiresAt)
            return true;
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
            if (record.status !== "pending")
                waiters.resolve(record.consentId, record.status);
        },
    });
    const watch = (record) => {
        if (!closed && isPolledConsent(record))
            poller.watch(record);
    };
    const schedule = (record) => {
        if (closed || timers.has(record.consentId))
            return;
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
    const shown = (record) => options.launchUrl ? options.launchUrl(record.consentId) : record.authorizationUrl;
    const toRequest = (record) => {
        const request = {
            consentId: record.consentId,
            serverName: record.serverName,
            resource: record.resource,
            authorizationUrl: shown(record),
            scopes: [...record.scopes],
            reason: record.reason,
            expiresAt: record.expiresAt,
        };
        if (record.errorDescription !== undefined)
            request.errorDescription = record.errorDescription;
        if (record.channel !== undefined && record.channel !== "redirect") {
            request.channel = record.channel;
            for (const field of [
                "bindingMessage",
                "userCode",
                "verificationUri",
                "verificationUriComplete",
            ]) {
                const value = record[field];
                if (value !== undefined)
                    request[field] = value;
            }
        }
        return request;
    };
    const begin = async (input) => {
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
        const consent = await singleFlight(flights, flightKey, async () => {
            // One card per (subject, resource): join a pending consent that already asks for every
            // scope needed here (same step-up parameters), e.g. a plain re-consent while a step-up
            // card for the union is open. A need for more scopes gets its own card.
            const needed = new Set(scopes);
            for (const pending of await store.findPending(key.subject, key.resource)) {
                if ([...needed].every((scope) => pending.scopes.includes(scope)) &&
                    pending.redirectUri === config.redirectUri &&
                    sameList(pending.acrValues, acrValues) &&
                    pending.maxAge === maxAge &&
                    (await stillPending(pending))) {
                    return pending;
                }
            }
            // MCP: limit repeated consents for one operation, or a server that keeps refusing loops.
            const recent = (attempts.get(budgetKey) ?? []).filter((at) => now() - at < ttl);
            if (recent.length >= maxAttempts) {
                throw new ConsentRetryLimitError(key.resource, input.operation, recent.length);
            }
            attempts.set(budgetKey, [...recent, now()]);
            const { client, auth } = await resolveClient(as, options.channel ? { ...config, decoupledChannels: true } : config, registrations, http, now);
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
            const record = {
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
            if (found.resourceIndicator !== key.resource)
                record.resourceIndicator = found.resourceIndicator;
            if (acrValues && acrValues.length > 0)
                record.acrValues = [...acrValues];
            if (maxAge !== undefined)
                record.maxAge = maxAge;
            if (challenge?.errorDescription !== undefined)
                record.errorDescription = challenge.errorDescription;
            // RFC 9449 §2: a key pair per grant, made now so a callback in another process can use it.
            if (dpopAlgorithm)
                record.dpopKey = await generateDPoPKey(dpopAlgorithm);
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
                Object.assign(record, await startPolledChannel({
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
                }));
            }
            await store.create(record);
            if (input.callId !== undefined)
                callIds.set(record.consentId, input.callId);
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
    const deny = async (consentId) => {
        const record = await store.get(consentId);
        if (!record || !(await stillPending(record)))
            return false;
        const settled = await store.settle(consentId, "denied");
        if (settled)
            bus.emit("consent.denied", { ...where(record), consentId, error: "access_denied" });
        forget(consentId);
        return settled;
    };
    const complete = async (callbackUrl) => { let __t = performance.now(); const __m = (k) => { const n = performance.now(); (globalThis.__T ??= {})[k] = ((globalThis.__T[k]) ?? []); globalThis.__T[k].push(n - __t); __t = n; };
        let parameters;
        try {
            parameters = new URL(callbackUrl).searchParams;
        }
        catch {
            // A callback URL that does not parse carries no state: nothing is changed.
            throw new ConsentStateError("missing");
        }
        const state = parameters.get("state");
        if (!state)
            throw new ConsentStateError("missing");
        const record = await store.findByState(state); __m("findByState");
        if (!record)
            throw new ConsentStateError("unknown");
        const id = record.consentId;
        if (record.status === "expired")
            throw new ConsentStateError("expired", id);
        if (record.status !== "pending")
            throw new ConsentStateError("settled", id);
        if (!(await stillPending(record)))
            throw new ConsentStateError("expired", id);
        // Accepted once: a second callback racing this one in process is refused here; across
        // processes the store's completion claim (when it has one) and the atomic settle below decide.
        if (completing.has(id))
            throw new ConsentStateError("in_progress", id);
        completing.add(id);
        // Across processes sharing the store: one claim per consent, so the code is sent once.
        let claim;
        try {
            claim = store.claimCompletion ? await store.claimCompletion(id, COMPLETION_CLAIM_MS) : undefined;
        }
        catch (error) {
            completing.delete(id);
            throw error;
        }
        if (store.claimCompletion && !claim) {
            completing.delete(id);
            throw new ConsentStateError("in_progress", id);
        }
        try {
            // Another worker may have completed it between the read above and the claim.
            if (claim && (await store.get(id))?.status !== "pending")
                throw new ConsentStateError("settled", id);
            const as = await discovery.forIssuer(record.issuer); __m("claim+forIssuer");
            const { client, auth } = await clientForId(as, record.clientId, config, registrations); __m("clientForId");
            const result = {
                consentId: id,
                subject: record.subject,
                serverName: record.serverName,
                resource: record.resource,
            };
            let validated;
            try {
                // RFC 9207 §2.4 (iss) and RFC 6749 §10.12 (state), checked by oauth4webapi.
                validated = oauth.validateAuthResponse(as, client, parameters, record.state);
            }
            catch (error) {
                if (error instanceof oauth.AuthorizationResponseError) {
                    // RFC 6749 §4.1.2.1: the person (or the server) said no.
                    if (!(await store.settle(id, "denied")))
                        throw new ConsentStateError("settled", id);
                    bus.emit("consent.denied", {
                        ...where(record),
                        consentId: id,
                        error: error.error,
                        ...(error.error_description === undefined ? {} : { errorDescription: error.error_description }),
                    });
                    forget(id);
                    return { ...result, outcome: "denied", error: error.error };
                }
                throw new ConsentCallbackError(id, `callback for consent ${id} was rejected: ${error instanceof Error ? error.message : "invalid response"}`, undefined, safeCause(error));
            }
            let response;
            try {
                // RFC 9449 §5: the code is exchanged with a proof of the consent's key, so the tokens are bound to it.
                const dpop = record.dpopKey ? await createDPoPHandle(client, record.dpopKey) : undefined;
                response = await sendTokenRequest(dpop, String(as.token_endpoint), () => oauth.authorizationCodeGrantRequest(as, client, auth, validated, record.redirectUri, record.codeVerifier, {
                    ...requestOptions(String(as.token_endpoint), http),
                    // RFC 8707 §2.2: the token is requested for this resource only.
                    additionalParameters: { resource: record.resourceIndicator ?? record.resource },
                    ...(dpop ? { DPoP: dpop } : {}),
                }), (sent) => oauth.processAuthorizationCodeResponse(as, client, sent));
            }
            catch (error) {
                // The code is single-use: this consent cannot be completed any more.
                const oauthError = error.error;
                const code = typeof oauthError === "string" ? oauthError : "token_exchange_failed";
                if (await store.settle(id, "denied")) {
                    bus.emit("consent.denied", { ...where(record), consentId: id, error: code });
                }
                forget(id);
                throw new ConsentCallbackError(id, `exchanging the authorization code of consent ${id} failed: ${error instanceof Error ? error.message : code}`, code, safeCause(error));
            }
            __m("token exchange(+validate)"); const tokenSet = toTokenSet(response, {
                requestedScopes: record.scopes,
                issuer: record.issuer,
                clientId: record.clientId,
                now: now(),
            });
            if (record.resourceIndicator !== undefined)
                tokenSet.resourceIndicator = record.resourceIndicator;
            // RFC 9449 §5: kept beside the tokens it binds (the refresh token too, for a public client).
            if (record.dpopKey !== undefined)
                tokenSet.dpopKey = record.dpopKey;
            // Stored before settling: if the store write fails the consent stays pending (its link
            // still works), rather than being granted with no token behind it.
            const tokenKey = { subject: record.subject, resource: record.resource };
            const previous = await tokens.get(tokenKey); __m("toTokenSet+tokens.get");
            await tokens.set(tokenKey, tokenSet); __m("tokens.set");
            const __ok = await store.settle(id, "granted"); __m("settle"); if (!__ok) {
                // Denied or expired meanwhile (another worker): the new tokens are not kept.
                if (previous)
                    await tokens.set(tokenKey, previous);
                else
                    await tokens.delete(tokenKey);
                const current = await store.get(id);
                throw new ConsentStateError(current?.status === "expired" ? "expired" : "settled", id);
            }
            bus.emit("consent.granted", {
                ...where(record),
                consentId: id,
                scopes: tokenSet.scopes,
                tokenFingerprint: await fingerprintToken(tokenSet.accessToken),
            });
            __m("emit granted+fingerprint"); forget(id);
            return { ...result, outcome: "granted", scopes: tokenSet.scopes };
        }
        finally {
            completing.delete(id);
            await claim?.release().catch(() => undefined); __m("release");
        }
    };
    const get = async (consentId) => {
        const record = await store.get(consentId);
        if (!record)
            return undefined;
        if (record.status === "pending" && !(await stillPending(record)))
            record.status = "expired";
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
    const authorizationUrl = async (consentId) => {
        const record = await store.get(consentId);
        if (!record || !(await stillPending(record)))
            return undefined;
        return record.authorizationUrl;
    };
    const wait = async (consentId, waitOptions = {}) => {
        // Listen first, then look: a consent settling in between is not missed.
        const outcome = waiters.add(consentId, waitOptions.signal);
        const record = await store.get(consentId);
        if (!record)
            waiters.resolve(consentId, "expired");
        else if (record.status !== "pending")
            waiters.resolve(consentId, record.status);
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
        for (const timer of timers.values())
            clearTimeout(timer);
        timers.clear();
    };
    return { begin, complete, deny, get, authorizationUrl, wait, close, [Symbol.dispose]: close };
}
