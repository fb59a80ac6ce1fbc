/** @module Device authorization (RFC 8628 §3.1–3.2): the request that gives a user code to show and a device code to poll with. */
import * as oauth from "oauth4webapi";
import { requestOptions } from "../shared/http-options.js";
import { channelErrorFrom } from "./channel-errors.js";
import { positiveSeconds } from "./ciba.js";
function webUrl(value) {
    if (typeof value !== "string")
        return undefined;
    const url = URL.parse(value);
    return url && (url.protocol === "https:" || url.protocol === "http:") ? url.href : undefined;
}
/**
 * Sends a device authorization request and checks the answer: a `user_code` to show, the
 * `verification_uri` where the person enters it, and a `device_code` to poll with.
 *
 * @see RFC 8628 §3.1, §3.2; RFC 8707 §2
 * @throws {ConsentChannelError} when the server refuses, cannot be reached, or gives a verification URI that is not a web URL.
 */
export async function sendDeviceAuthorization(as, client, auth, input, http) {
    const parameters = new URLSearchParams({ resource: input.resource });
    if (input.scopes.length > 0)
        parameters.set("scope", input.scopes.join(" "));
    let started;
    try {
        const response = await oauth.deviceAuthorizationRequest(as, client, auth, parameters, requestOptions(String(as.device_authorization_endpoint), http));
        started = await oauth.processDeviceAuthorizationResponse(as, client, response);
    }
    catch (error) {
        throw channelErrorFrom(error, "device", as.issuer, "device authorization request");
    }
    const verificationUri = webUrl(started.verification_uri);
    if (verificationUri === undefined) {
        // It is shown to the person as a link: only a web URL is.
        throw channelErrorFrom(new Error("verification_uri is not an http(s) URL"), "device", as.issuer, "device authorization request");
    }
    return {
        deviceCode: started.device_code,
        userCode: started.user_code,
        verificationUri,
        verificationUriComplete: webUrl(started.verification_uri_complete),
        expiresIn: started.expires_in,
        interval: positiveSeconds(started.interval),
    };
}
