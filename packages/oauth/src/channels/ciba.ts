/** @module CIBA poll mode: the backchannel authentication request (OpenID CIBA Core 1.0 §7) and its binding message. */
import { randomInt } from "node:crypto";
import * as oauth from "oauth4webapi";
import { type HttpOptions, requestOptions } from "../shared/http-options.js";
import { channelErrorFrom } from "./channel-errors.js";

/** What a backchannel authentication request asks for. */
export interface BackchannelRequestInput {
  /** Whom to ask (CIBA Core §7.1 `login_hint`). */
  loginHint: string;
  /** The scopes of the consent; `openid` is added, as CIBA requires (CIBA Core §7.1). */
  scopes: readonly string[];
  /** RFC 8707 resource indicator, exactly as the protected resource metadata states it. */
  resource: string;
  bindingMessage?: string | undefined;
  /** RFC 9470 / CIBA Core §7.1 `acr_values`, for a step-up. */
  acrValues?: readonly string[] | undefined;
  /** How long the request may stay pending, in seconds (CIBA Core §7.1 `requested_expiry`). */
  requestedExpiry?: number | undefined;
}

/** A started backchannel authentication request (CIBA Core §7.3). */
export interface BackchannelStarted {
  /** The secret the token endpoint is polled with. */
  authReqId: string;
  /** Seconds until the request expires. */
  expiresIn: number;
  /** Seconds between polls, when the server said. */
  interval: number | undefined;
}

// Letters and digits that are hard to confuse when read aloud or on a small screen.
const BINDING_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789";

/**
 * A random binding message such as `KXQ7-M4TD`: 8 characters (about 38 bits), within the
 * 1–20 characters of `[A-Za-z0-9-._+/!?#]` servers commonly accept.
 *
 * @see OpenID CIBA Core 1.0 §7.1 (`binding_message`)
 * @example
 * createBindingMessage(); // "KXQ7-M4TD"
 */
export function createBindingMessage(): string {
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (i === 4) text += "-";
    text += BINDING_ALPHABET[randomInt(BINDING_ALPHABET.length)];
  }
  return text;
}

/**
 * Sends a CIBA backchannel authentication request and checks the answer: the authorization
 * server starts asking the person on their own device and returns an `auth_req_id` to poll with.
 *
 * @see OpenID CIBA Core 1.0 §7.1, §7.3, §13; RFC 8707 §2
 * @throws {ConsentChannelError} when the server refuses (`unknown_user_id`, `unauthorized_client`, …) or cannot be reached.
 */
export async function sendBackchannelRequest(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  input: BackchannelRequestInput,
  http: HttpOptions,
): Promise<BackchannelStarted> {
  const parameters = new URLSearchParams({
    scope: ["openid", ...input.scopes.filter((scope) => scope !== "openid")].join(" "),
    login_hint: input.loginHint,
    // RFC 8707 §2: the tokens are for this resource only.
    resource: input.resource,
  });
  if (input.bindingMessage) parameters.set("binding_message", input.bindingMessage);
  if (input.acrValues && input.acrValues.length > 0) parameters.set("acr_values", input.acrValues.join(" "));
  if (input.requestedExpiry !== undefined) parameters.set("requested_expiry", String(input.requestedExpiry));
  try {
    const response = await oauth.backchannelAuthenticationRequest(
      as,
      client,
      auth,
      parameters,
      requestOptions(String(as.backchannel_authentication_endpoint), http),
    );
    const started = await oauth.processBackchannelAuthenticationResponse(as, client, response);
    return {
      authReqId: started.auth_req_id,
      expiresIn: started.expires_in,
      interval: positiveSeconds(started.interval),
    };
  } catch (error) {
    throw channelErrorFrom(error, "ciba", as.issuer, "backchannel authentication request");
  }
}

/** A poll interval as whole seconds, or undefined when absent or not a positive number. */
export function positiveSeconds(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined;
}
