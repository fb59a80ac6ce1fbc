/** @module The typed error of a CIBA or device authorization request the authorization server refused. */
import { AuthbusError, type ConsentChannel } from "@authbus/core";

/**
 * A consent could not be sent through the channel chosen for it: the authorization server
 * refused the CIBA backchannel authentication request (an unknown `login_hint`, a client not
 * registered for the CIBA grant, …) or the device authorization request, or answered with
 * something that is not a valid response. Nothing was stored; the person was not asked.
 * `error` and `errorDescription` are the server's; the message never holds an `auth_req_id`
 * or a `device_code`.
 *
 * @see OpenID CIBA Core 1.0 §13, RFC 8628 §3.2
 * @example
 * if (isAuthbusError(error, "CONSENT_CHANNEL") && error.error === "unknown_user_id") console.warn("no such user at the authorization server");
 */
export class ConsentChannelError extends AuthbusError<"CONSENT_CHANNEL"> {
  override readonly name = "ConsentChannelError";
  readonly channel: Exclude<ConsentChannel, "redirect">;
  readonly issuer: string;
  /** The OAuth `error` code, when the server sent one. */
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  constructor(options: {
    message: string;
    channel: Exclude<ConsentChannel, "redirect">;
    issuer: string;
    error?: string | undefined;
    errorDescription?: string | undefined;
    cause?: unknown;
  }) {
    super({ code: "CONSENT_CHANNEL", message: options.message, cause: options.cause });
    this.channel = options.channel;
    this.issuer = options.issuer;
    this.error = options.error;
    this.errorDescription = options.errorDescription;
  }
}
