/** @module Sending one request with a token's credentials, answering a resource server's DPoP nonce challenge once. */
import type { TokenSet } from "@authbus/core";
import { isDPoPNonceChallenge, sharedDPoPNonces } from "../dpop/dpop-nonces.js";
import type { AuthFetchEvents } from "./auth-fetch-events.js";
import { isDPoPBound, withAuthorization } from "./credentials.js";
import type { FetchLike } from "./replayable-request.js";

/** Sends a request with the credentials of `tokens` (none when undefined). */
export type SendAuthorized = (
  url: string,
  init: RequestInit,
  tokens: TokenSet | undefined,
) => Promise<Response>;

/**
 * A sender over `send`. For a DPoP-bound token the server's `DPoP-Nonce` is kept from every
 * answer (RFC 9449 §9), and a `use_dpop_nonce` challenge that brings a nonce other than the one
 * the proof carried is answered once, after its `challenge` event, with a new proof that carries it.
 *
 * @see RFC 9449 §8, §9
 */
export function createAuthorizedSender(send: FetchLike, events: AuthFetchEvents): SendAuthorized {
  const nonces = sharedDPoPNonces;
  return async (url, init, tokens) => {
    if (!tokens?.dpopKey || !isDPoPBound(tokens)) {
      return send(url, await withAuthorization(url, init, tokens));
    }
    const signed = nonces.get(url);
    const response = await send(url, await withAuthorization(url, init, tokens, signed));
    nonces.remember(url, response);
    const given = response.headers.get("dpop-nonce");
    if (!isDPoPNonceChallenge(response) || given === null || given === signed) return response;
    const challenge = await events.challenged(url, init, response, tokens);
    await events.retried(challenge.url, init, tokens);
    const retried = await send(url, await withAuthorization(url, init, tokens, nonces.get(url)));
    nonces.remember(url, retried);
    return retried;
  };
}
