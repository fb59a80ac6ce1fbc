/** @module Turning a refused CIBA or device authorization request into a ConsentChannelError. */
import type { ConsentChannel } from "@authbus/core";
import * as oauth from "oauth4webapi";
import { ConsentChannelError } from "../errors/consent-channel-error.js";
import { safeCause } from "../errors/oauth-errors.js";

/**
 * The typed error for a failed channel request: the server's OAuth `error` when it sent one
 * (in the body, or in a `WWW-Authenticate` challenge for a refused client authentication), else
 * what went wrong. The cause is kept without response bodies.
 */
export function channelErrorFrom(
  error: unknown,
  channel: Exclude<ConsentChannel, "redirect">,
  issuer: string,
  what: string,
): ConsentChannelError {
  const base = { channel, issuer, cause: safeCause(error) };
  if (error instanceof oauth.ResponseBodyError) {
    return new ConsentChannelError({
      message: `${issuer} refused the ${what} (${error.error})`,
      ...base,
      error: error.error,
      errorDescription: error.error_description,
    });
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // RFC 6749 §5.2: a failed client authentication may come as a 401 with a challenge.
    const params = error.cause[0]?.parameters;
    const code = params?.error ?? (error.status === 401 ? "invalid_client" : undefined);
    return new ConsentChannelError({
      message: `${issuer} refused the ${what} (${code ?? `HTTP ${error.status}`})`,
      ...base,
      error: code,
      errorDescription: params?.error_description,
    });
  }
  return new ConsentChannelError({
    message: `the ${what} to ${issuer} failed: ${error instanceof Error ? error.message : "unknown error"}`,
    ...base,
  });
}

/** The OAuth `error` code of a failed token request, or undefined for a network failure, a timeout or a malformed answer. */
export function oauthErrorCode(error: unknown): { error: string; description?: string } | undefined {
  if (error instanceof oauth.ResponseBodyError) {
    return error.error_description === undefined
      ? { error: error.error }
      : { error: error.error, description: error.error_description };
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const params = error.cause[0]?.parameters;
    const code = params?.error ?? (error.status === 401 ? "invalid_client" : undefined);
    if (code === undefined) return undefined;
    return params?.error_description === undefined
      ? { error: code }
      : { error: code, description: params.error_description };
  }
  return undefined;
}
