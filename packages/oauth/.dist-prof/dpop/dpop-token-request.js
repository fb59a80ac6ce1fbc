/** @module DPoP proofs on token requests (RFC 9449 §5), with the authorization server's nonce (§8). */
import { importDPoPKey } from "@authbus/core";
import * as oauth from "oauth4webapi";
// RFC 9449 §8: a nonce belongs to the server (its origin), not to a key. Kept process-wide so a
// new grant's first token request carries the nonce the last one learnt; a stale one costs one
// `use_dpop_nonce` round trip. Bounded: the oldest origin goes first.
const MAX_ORIGINS = 100;
const serverNonces = new Map();
function rememberNonce(url, response) {
    const nonce = response.headers.get("dpop-nonce");
    if (!nonce)
        return;
    const origin = new URL(url).origin;
    serverNonces.delete(origin);
    if (serverNonces.size >= MAX_ORIGINS) {
        const oldest = serverNonces.keys().next().value;
        if (oldest !== undefined)
            serverNonces.delete(oldest);
    }
    serverNonces.set(origin, nonce);
}
/**
 * The oauth4webapi DPoP handle for a stored key: it signs a proof for each request (`htm`,
 * `htu`, `iat`, `jti`; RFC 9449 §4.2) and keeps the nonces servers send it. A proof without a
 * nonce of its own gets the latest one this process learnt from that server.
 *
 * @see RFC 9449 §4, §8
 * @example
 * const dpop = await createDPoPHandle(client, tokens.dpopKey);
 * await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { DPoP: dpop });
 */
export async function createDPoPHandle(client, key) {
    return oauth.DPoP(client, await importDPoPKey(key), {
        [oauth.modifyAssertion]: (_header, payload) => {
            if (payload.nonce !== undefined || typeof payload.htu !== "string")
                return;
            const known = serverNonces.get(new URL(payload.htu).origin);
            if (known !== undefined)
                payload.nonce = known;
        },
    });
}
/**
 * Sends a token request and checks its response (the two oauth4webapi steps), once more when
 * the server answers `use_dpop_nonce`: the handle has then cached the nonce the answer carried.
 * Without a handle it is one plain request.
 *
 * @see RFC 9449 §8 ("the client … retries the request with the nonce")
 * @throws whatever `check` throws (oauth4webapi's `ResponseBodyError` and friends).
 */
export async function sendTokenRequest(dpop, endpoint, send, check) {
    for (let attempt = 1;; attempt++) {
        const __t0 = performance.now();
        const response = await send();
        const __t1 = performance.now();
        ((globalThis.__T ??= {})["send()"] ??= []).push(__t1 - __t0);
        if (dpop)
            rememberNonce(endpoint, response);
        try {
            const __r = await check(response);
            ((globalThis.__T ??= {})["check()"] ??= []).push(performance.now() - __t1);
            return __r;
        }
        catch (error) {
            // RFC 9449 §8: one retry with the nonce just given; a second refusal is the server's answer.
            if (dpop === undefined || attempt > 1 || !oauth.isDPoPNonceError(error))
                throw error;
        }
    }
}
/** @internal For tests: forgets every server nonce. */
export function forgetDPoPNonces() {
    serverNonces.clear();
}
