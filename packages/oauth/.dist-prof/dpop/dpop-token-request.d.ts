/** @module DPoP proofs on token requests (RFC 9449 §5), with the authorization server's nonce (§8). */
import { type DPoPKey } from "@authbus/core";
import * as oauth from "oauth4webapi";
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
export declare function createDPoPHandle(client: oauth.Client, key: DPoPKey): Promise<oauth.DPoPHandle>;
/**
 * Sends a token request and checks its response (the two oauth4webapi steps), once more when
 * the server answers `use_dpop_nonce`: the handle has then cached the nonce the answer carried.
 * Without a handle it is one plain request.
 *
 * @see RFC 9449 §8 ("the client … retries the request with the nonce")
 * @throws whatever `check` throws (oauth4webapi's `ResponseBodyError` and friends).
 */
export declare function sendTokenRequest<T>(dpop: oauth.DPoPHandle | undefined, endpoint: string, send: () => Promise<Response>, check: (response: Response) => Promise<T>): Promise<T>;
/** @internal For tests: forgets every server nonce. */
export declare function forgetDPoPNonces(): void;
