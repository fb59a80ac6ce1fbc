/** @module Tokens for agents that run as services: discover, run the configured non-interactive grant, store, report. */
import { checkTokenKey, fingerprintToken, generateDPoPKey, } from "@authbus/core";
import { createDiscovery } from "../discovery/create-discovery.js";
import { selectDPoPAlgorithm } from "../dpop/select-dpop-algorithm.js";
import { GrantError, isGrantError, safeCause } from "../errors/oauth-errors.js";
import { pickHttpOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import { requestClientCredentialsToken } from "./client-credentials.js";
import { requestEnterpriseManagedToken } from "./enterprise-managed.js";
import { requestJwtBearerToken } from "./jwt-bearer.js";
import { checkServiceClient } from "./service-client.js";
// Process-wide: every service-token function over the same store shares one grant per key.
const grantFlights = new WeakMap();
function flightsOf(store) {
    let flights = grantFlights.get(store);
    if (!flights) {
        flights = new Map();
        grantFlights.set(store, flights);
    }
    return flights;
}
function covers(tokens, scopes) {
    return scopes.every((scope) => tokens.scopes.includes(scope));
}
function checkGrant(grant) {
    if (!["client_credentials", "jwt_bearer", "enterprise_managed"].includes(grant?.type)) {
        throw new TypeError(`unknown service grant ${JSON.stringify(grant?.type)}`);
    }
    checkServiceClient(grant.client);
    if (grant.type === "jwt_bearer" && typeof grant.assertion !== "function") {
        throw new TypeError("the jwt_bearer grant needs an assertion provider function");
    }
    if (grant.type === "enterprise_managed") {
        if (typeof grant.idToken !== "function") {
            throw new TypeError("the enterprise_managed grant needs an idToken provider function");
        }
        checkServiceClient(grant.idp.client);
        if (!URL.canParse(grant.idp.tokenEndpoint))
            throw new TypeError("idp.tokenEndpoint must be an absolute URL");
    }
}
/**
 * Creates the token source of a service client: an agent that runs without a person gets its
 * tokens with client credentials, a workload identity JWT (jwt-bearer) or enterprise-managed
 * authorization (ID-JAG). For a key it discovers the resource's authorization server (RFC 9728
 * → RFC 8414), runs the grant with the RFC 8707 `resource` exactly as the protected resource
 * metadata states it, stores the tokens (with `issuer` and `clientId`) and emits
 * `token.obtaining` then `token.obtained` or `token.obtain_failed`. Events carry fingerprints,
 * never a token or an assertion.
 *
 * Concurrent calls for the same (subject, resource) over the same store share one grant; a
 * caller that needs scopes the shared result lacks runs one more grant. A refused grant is not
 * retried and never turns into a consent: it rejects with a {@link GrantError}.
 *
 * @see RFC 6749 §4.4, RFC 7523 §2.1, §2.2, RFC 8693, RFC 8707 §2, RFC 9728 §3, MCP extensions
 *   `oauth-client-credentials` (SEP-1046), `auth/wif` (SEP-1933), `enterprise-managed-authorization` (SEP-990)
 * @example
 * const obtain = createServiceTokens({
 *   tokens, bus,
 *   grant: { type: "client_credentials", client: { clientId: "reporting-agent", clientSecret } },
 * });
 * const fetch = authFetch({ serverName: "reports", resource: url, subject: "reporting-agent", tokens, bus, obtain });
 * @throws {TypeError} at creation, for a grant configuration that lacks what it needs.
 * @throws {GrantError} from the returned function, when no tokens could be obtained.
 */
export function createServiceTokens(options) {
    const { tokens, bus, grant } = options;
    checkGrant(grant);
    const http = pickHttpOptions(options);
    const discovery = options.discovery ?? createDiscovery(http);
    const now = options.now ?? Date.now;
    const serverName = options.serverName ?? ((key) => new URL(key.resource).host);
    const grantName = grant.type;
    const discover = async (key, hint) => {
        let found;
        try {
            found = await discovery.forResource(key.resource, hint);
        }
        catch (error) {
            throw new GrantError(`could not discover the authorization server for ${key.resource}: ${error instanceof Error ? error.message : "unknown error"}`, { grant: grantName, step: "discovery", retryable: true, cause: safeCause(error) });
        }
        const issuer = found.authorizationServer.issuer;
        if (options.authorizationServers && !options.authorizationServers.includes(issuer)) {
            throw new GrantError(`${key.resource} names authorization server ${issuer}, which the ${grantName} credentials are not for`, { grant: grantName, step: "discovery", retryable: false, issuer });
        }
        return found;
    };
    const provide = async (what, issuer, get) => {
        try {
            const value = await get();
            if (typeof value !== "string" || value === "")
                throw new TypeError(`the ${what} provider returned nothing`);
            return value;
        }
        catch (error) {
            throw new GrantError(`the ${what} provider failed: ${error instanceof Error ? error.message : "unknown error"}`, {
                grant: grantName,
                step: "assertion",
                retryable: true,
                issuer,
                cause: safeCause(error),
            });
        }
    };
    const runGrant = (input, context) => {
        switch (grant.type) {
            case "client_credentials":
                return requestClientCredentialsToken(input);
            case "jwt_bearer":
                return provide("assertion", context.audience, () => grant.assertion(context)).then((assertion) => requestJwtBearerToken({ ...input, assertion }));
            case "enterprise_managed":
                return provide("ID token", context.audience, () => grant.idToken(context)).then((subjectToken) => requestEnterpriseManagedToken({ ...input, idp: grant.idp, subjectToken }));
        }
    };
    const obtainOnce = async (key, asked) => {
        const where = { serverName: serverName(key), resource: key.resource, subject: key.subject };
        let scopes = [...(asked.scopes ?? [])];
        try {
            const found = await discover(key, asked.resourceMetadata);
            // MCP scope selection: what was asked for, else the resource's scopes_supported.
            if (scopes.length === 0)
                scopes = [...(found.metadata.scopes_supported ?? [])];
            bus.emit("token.obtaining", { ...where, grant: grantName, scopes });
            const as = found.authorizationServer;
            // RFC 8707 §2 / RFC 9728 §3.3: the resource exactly as its metadata states it.
            const resource = found.metadata.resource;
            const dpopAlgorithm = selectDPoPAlgorithm({
                mode: options.dpop,
                advertised: as.dpop_signing_alg_values_supported,
                resourceRequiresDPoP: found.metadata.dpop_bound_access_tokens_required,
            });
            const held = dpopAlgorithm ? await tokens.get(key) : undefined;
            const dpopKey = !dpopAlgorithm
                ? undefined
                : held?.dpopKey?.alg === dpopAlgorithm
                    ? held.dpopKey
                    : await generateDPoPKey(dpopAlgorithm);
            const input = {
                ...http,
                authorizationServer: as,
                client: grant.client,
                resource,
                scopes,
                now,
                dpopKey,
            };
            const obtained = await runGrant(input, { subject: key.subject, resource, audience: as.issuer });
            if (resource !== key.resource)
                obtained.resourceIndicator = resource;
            // Stored before the flight ends, so every joined caller reads the same tokens.
            await tokens.set(key, obtained);
            bus.emit("token.obtained", {
                ...where,
                grant: grantName,
                scopes: obtained.scopes,
                tokenFingerprint: await fingerprintToken(obtained.accessToken),
                ...(obtained.expiresAt === undefined ? {} : { expiresAt: obtained.expiresAt }),
            });
            return obtained;
        }
        catch (error) {
            const failure = isGrantError(error)
                ? error
                : new GrantError(`obtaining tokens for ${key.resource} failed: ${error instanceof Error ? error.message : "unknown error"}`, { grant: grantName, step: "token_request", retryable: true, cause: safeCause(error) });
            bus.emit("token.obtain_failed", {
                ...where,
                grant: grantName,
                error: { code: failure.code, message: failure.message },
            });
            throw failure;
        }
    };
    return async (key, asked = {}) => {
        const checked = checkTokenKey(key);
        const flightKey = JSON.stringify([checked.subject, checked.resource]);
        const flights = flightsOf(tokens);
        const wanted = asked.scopes ?? [];
        const joined = flights.has(flightKey);
        const result = await singleFlight(flights, flightKey, () => obtainOnce(checked, asked));
        // A grant started by another caller for fewer scopes: one more, for this caller's scopes.
        if (joined && !covers(result, wanted)) {
            return singleFlight(flights, flightKey, () => obtainOnce(checked, asked));
        }
        return result;
    };
}
