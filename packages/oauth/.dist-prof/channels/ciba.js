/** @module CIBA poll mode: the backchannel authentication request (OpenID CIBA Core 1.0 §7) and its binding message. */
import { randomInt } from "node:crypto";
import * as oauth from "oauth4webapi";
import { requestOptions } from "../shared/http-options.js";
import { channelErrorFrom } from "./channel-errors.js";
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
export function createBindingMessage() {
    let text = "";
    for (let i = 0; i < 8; i++) {
        if (i === 4)
            text += "-";
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
export async function sendBackchannelRequest(as, client, auth, input, http) {
    const parameters = new URLSearchParams({
        scope: ["openid", ...input.scopes.filter((scope) => scope !== "openid")].join(" "),
        login_hint: input.loginHint,
        // RFC 8707 §2: the tokens are for this resource only.
        resource: input.resource,
    });
    if (input.bindingMessage)
        parameters.set("binding_message", input.bindingMessage);
    if (input.acrValues && input.acrValues.length > 0)
        parameters.set("acr_values", input.acrValues.join(" "));
    if (input.requestedExpiry !== undefined)
        parameters.set("requested_expiry", String(input.requestedExpiry));
    try {
        const response = await oauth.backchannelAuthenticationRequest(as, client, auth, parameters, requestOptions(String(as.backchannel_authentication_endpoint), http));
        const started = await oauth.processBackchannelAuthenticationResponse(as, client, response);
        return {
            authReqId: started.auth_req_id,
            expiresIn: started.expires_in,
            interval: positiveSeconds(started.interval),
        };
    }
    catch (error) {
        throw channelErrorFrom(error, "ciba", as.issuer, "backchannel authentication request");
    }
}
/** A poll interval as whole seconds, or undefined when absent or not a positive number. */
export function positiveSeconds(value) {
    return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined;
}
