export const CONSENT_CHANNEL = "CONSENT_CHANNEL";
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
 * if (isConsentChannelError(error) && error.error === "unknown_user_id") console.warn("no such user at the authorization server");
 */
export class ConsentChannelError extends Error {
    name = "ConsentChannelError";
    code = CONSENT_CHANNEL;
    channel;
    issuer;
    /** The OAuth `error` code, when the server sent one. */
    error;
    errorDescription;
    constructor(message, init) {
        super(message, init.cause === undefined ? {} : { cause: init.cause });
        this.channel = init.channel;
        this.issuer = init.issuer;
        this.error = init.error;
        this.errorDescription = init.errorDescription;
    }
}
/** Recognises {@link ConsentChannelError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export function isConsentChannelError(error) {
    return (error instanceof Error &&
        error.name === "ConsentChannelError" &&
        error.code === CONSENT_CHANNEL);
}
