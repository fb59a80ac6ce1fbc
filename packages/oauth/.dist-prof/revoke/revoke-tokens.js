/** @module Forgetting a grant: RFC 7009 revocation at the authorization server, then deletion from the TokenStore. */
import { checkTokenKey, fingerprintToken, summarizeError, } from "@authbus/core";
import * as oauth from "oauth4webapi";
import { clientForId } from "../client/resolve-client.js";
import { createDiscovery } from "../discovery/create-discovery.js";
import { safeCause } from "../errors/oauth-errors.js";
import { isRequestBoundError } from "../errors/request-errors.js";
import { RevocationError } from "../errors/revocation-error.js";
import { refreshInFlight } from "../refresh/create-refresher.js";
import { pickHttpOptions, requestOptions } from "../shared/http-options.js";
/**
 * Forgets a person's grant for a resource: revokes the refresh token, then the access token, at
 * the authorization server's `revocation_endpoint` when its metadata advertises one (RFC 7009
 * §2.1, authenticating as the client the tokens were issued to), and deletes them from the
 * `TokenStore`. The tokens are deleted locally in every case, also when the server is
 * unreachable, times out (`timeoutMs`) or refuses; the result says what the server confirmed.
 * A refresh in flight for the key (from `createRefresher` over the same store) is awaited first,
 * so the newest tokens are the ones revoked. Emits `token.revoked` (fingerprints only) when
 * tokens were held.
 *
 * Revocation comes first and deletion second, the order that survives a crash in between: a
 * revoked token left in the store fails at next use (`invalid_grant`, a new consent), while a
 * token deleted but never revoked would stay valid at the server.
 *
 * @see RFC 7009 §2.1, §2.2, §2.2.1
 * @example
 * const result = await revokeTokens({ subject: "alice", resource: "https://files.example.com/mcp" },
 *   { tokens: stores.tokens, bus, client, registrations: stores.registrations });
 * if (result.server === "failed") console.warn(`deleted locally; the server said: ${result.error?.message}`);
 * @throws {InvalidStoreKeyError} for a malformed key; otherwise only when the store cannot delete.
 */
export async function revokeTokens(key, options) {
    const checked = checkTokenKey(key);
    const { tokens, bus } = options;
    const http = pickHttpOptions(options);
    await refreshInFlight(tokens, checked)?.catch(() => undefined);
    let held;
    let result;
    try {
        held = await tokens.get(checked);
    }
    catch (error) {
        // An unreadable stored value (e.g. StoreCorruptError) cannot be revoked, but is still forgotten.
        await tokens.delete(checked);
        result = {
            held: true,
            server: "skipped",
            revoked: [],
            error: typedError(error, "the stored tokens could not be read"),
        };
        await emit(bus, options, checked, undefined, result);
        return result;
    }
    if (!held)
        return { held: false, server: "skipped", revoked: [] };
    try {
        result = await revokeAtServer(checked, held, options, http);
    }
    finally {
        // RFC 7009 §2.1 asks the server to forget; locally the tokens are forgotten whatever it said.
        await tokens.delete(checked);
    }
    await emit(bus, options, checked, held, result);
    return result;
}
async function revokeAtServer(key, held, options, http) {
    const failed = (message, cause, error) => ({
        held: true,
        server: "failed",
        revoked: [],
        error: new RevocationError(message, { error, cause: safeCause(cause) }),
    });
    let as;
    try {
        const discovery = options.discovery ?? createDiscovery(http);
        as = held.issuer
            ? await discovery.forIssuer(held.issuer)
            : (await discovery.forResource(key.resource)).authorizationServer;
    }
    catch (error) {
        return failed(`could not discover the authorization server for ${key.resource} to revoke its tokens`, error);
    }
    // RFC 7009 §2: revocation_endpoint is optional; without it there is nothing to ask.
    if (!as.revocation_endpoint)
        return { held: true, server: "unsupported", revoked: [] };
    if (!held.clientId) {
        return {
            held: true,
            server: "skipped",
            revoked: [],
            error: new RevocationError(`the tokens for ${key.resource} do not name the client they were issued to`),
        };
    }
    let client;
    let auth;
    try {
        ({ client, auth } = await clientForId(as, held.clientId, options.client, options.registrations));
    }
    catch (error) {
        return failed(`could not load the client registration for ${as.issuer}`, error);
    }
    const revoked = [];
    let problem;
    // The refresh token first: revoking it ends the grant (RFC 7009 §2.1), the access token with it at most servers.
    const sent = [
        [held.refreshToken, "refresh_token"],
        [held.accessToken, "access_token"],
    ];
    for (const [token, hint] of sent) {
        if (!token)
            continue;
        try {
            const response = await oauth.revocationRequest(as, client, auth, token, {
                ...requestOptions(as.revocation_endpoint, http),
                additionalParameters: { token_type_hint: hint },
            });
            // RFC 7009 §2.2: 200 means revoked (or already invalid); anything else is an error response.
            await oauth.processRevocationResponse(response);
            revoked.push(hint);
        }
        catch (error) {
            const oauthError = error instanceof oauth.ResponseBodyError ? error.error : undefined;
            // RFC 7009 §2.2.1: the server cannot revoke this type (e.g. self-contained JWT access
            // tokens); not a failure, the token simply lives until it expires.
            if (oauthError === "unsupported_token_type")
                continue;
            problem ??= failed(`${as.issuer} did not confirm revoking the ${hint.replace("_", " ")} for ${key.resource}: ${oauthError ?? (error instanceof Error ? error.message : "unknown error")}`, error, oauthError);
            // A server that answered may still take the other token; one that did not is not asked again.
            if (oauthError === undefined || isRequestBoundError(error))
                break;
        }
    }
    if (problem)
        return { ...problem, revoked };
    return { held: true, server: revoked.length > 0 ? "revoked" : "unsupported", revoked };
}
function typedError(error, fallback) {
    if (error instanceof Error && typeof error.code === "string")
        return error;
    return new RevocationError(fallback, { cause: safeCause(error) });
}
async function emit(bus, options, key, held, result) {
    if (!bus)
        return;
    const tokenFingerprint = held ? await fingerprintToken(held.accessToken) : undefined;
    bus.emit("token.revoked", {
        serverName: options.serverName?.(key) ?? new URL(key.resource).host,
        resource: key.resource,
        subject: key.subject,
        ...(tokenFingerprint === undefined ? {} : { tokenFingerprint }),
        server: result.server,
        revoked: [...result.revoked],
        ...(result.error ? { error: summarizeError(result.error) } : {}),
    });
}
