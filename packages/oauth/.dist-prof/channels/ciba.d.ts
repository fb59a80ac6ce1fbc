import * as oauth from "oauth4webapi";
import { type HttpOptions } from "../shared/http-options.js";
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
/**
 * A random binding message such as `KXQ7-M4TD`: 8 characters (about 38 bits), within the
 * 1–20 characters of `[A-Za-z0-9-._+/!?#]` servers commonly accept.
 *
 * @see OpenID CIBA Core 1.0 §7.1 (`binding_message`)
 * @example
 * createBindingMessage(); // "KXQ7-M4TD"
 */
export declare function createBindingMessage(): string;
/**
 * Sends a CIBA backchannel authentication request and checks the answer: the authorization
 * server starts asking the person on their own device and returns an `auth_req_id` to poll with.
 *
 * @see OpenID CIBA Core 1.0 §7.1, §7.3, §13; RFC 8707 §2
 * @throws {ConsentChannelError} when the server refuses (`unknown_user_id`, `unauthorized_client`, …) or cannot be reached.
 */
export declare function sendBackchannelRequest(as: oauth.AuthorizationServer, client: oauth.Client, auth: oauth.ClientAuth, input: BackchannelRequestInput, http: HttpOptions): Promise<BackchannelStarted>;
/** A poll interval as whole seconds, or undefined when absent or not a positive number. */
export declare function positiveSeconds(value: unknown): number | undefined;
