/**
 * @module The callback's two HTTP steps, as oauth4webapi pairs them: check the authorization
 * response (`state`, `iss`, `error`), then exchange the code (PKCE verifier, `resource`, DPoP).
 */
import type { ConsentRecord } from "@authbus/core";
import * as oauth from "oauth4webapi";
import { createDPoPHandle, sendTokenRequest } from "../dpop/dpop-token-request.js";
import { ConsentCallbackError, safeCause } from "../errors/oauth-errors.js";
import { type HttpOptions, requestOptions } from "../shared/http-options.js";

/** A checked callback: the code to exchange, or the authorization server's refusal. */
export type CheckedCallback =
  | { parameters: URLSearchParams }
  | { refused: { error: string; errorDescription?: string } };

/**
 * Checks a callback's parameters for `record`.
 *
 * @see RFC 9207 §2.4, RFC 6749 §4.1.2, §4.1.2.1, §10.12
 * @throws {ConsentCallbackError} for a wrong `iss` or a malformed response (nothing is settled).
 */
export function checkCallback(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  parameters: URLSearchParams,
  record: ConsentRecord,
): CheckedCallback {
  try {
    // RFC 9207 §2.4 (iss) and RFC 6749 §10.12 (state), checked by oauth4webapi.
    return { parameters: oauth.validateAuthResponse(as, client, parameters, record.state) };
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      // RFC 6749 §4.1.2.1: the person (or the server) said no.
      const description = error.error_description;
      return {
        refused: {
          error: error.error,
          ...(description === undefined ? {} : { errorDescription: description }),
        },
      };
    }
    const id = record.consentId;
    throw new ConsentCallbackError({
      consentId: id,
      message: `callback for consent ${id} was rejected: ${error instanceof Error ? error.message : "invalid response"}`,
      cause: safeCause(error),
    });
  }
}

/** What {@link exchangeCode} needs. */
export interface ExchangeCodeInput {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  record: ConsentRecord;
  /** The parameters {@link checkCallback} returned. */
  parameters: URLSearchParams;
  http: HttpOptions;
}

/**
 * Exchanges a checked callback's code for tokens, with a DPoP proof of the consent's key when it
 * has one (and once more with the server's nonce).
 *
 * @see RFC 6749 §4.1.3, RFC 7636 §4.5, RFC 8707 §2.2, RFC 9449 §5
 * @throws oauth4webapi's errors when the request fails or is refused; see {@link exchangeErrorCode}.
 */
export async function exchangeCode(input: ExchangeCodeInput): Promise<oauth.TokenEndpointResponse> {
  const { as, client, auth, record, http } = input;
  // RFC 9449 §5: the code is exchanged with a proof of the consent's key, so the tokens are bound to it.
  const dpop = record.dpopKey ? await createDPoPHandle(client, record.dpopKey) : undefined;
  return sendTokenRequest(
    dpop,
    String(as.token_endpoint),
    () =>
      oauth.authorizationCodeGrantRequest(
        as,
        client,
        auth,
        input.parameters,
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
}

/** The OAuth `error` of a failed exchange, else `token_exchange_failed` (a network failure, a malformed answer). */
export function exchangeErrorCode(error: unknown): string {
  const oauthError = (error as { error?: unknown }).error;
  return typeof oauthError === "string" ? oauthError : "token_exchange_failed";
}
