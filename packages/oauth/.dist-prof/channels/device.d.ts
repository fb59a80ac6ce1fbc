/** @module Device authorization (RFC 8628 §3.1–3.2): the request that gives a user code to show and a device code to poll with. */
import * as oauth from "oauth4webapi";
import { type HttpOptions } from "../shared/http-options.js";
/** What a device authorization request asks for. */
export interface DeviceRequestInput {
    scopes: readonly string[];
    /** RFC 8707 resource indicator, exactly as the protected resource metadata states it. */
    resource: string;
}
/** A started device authorization (RFC 8628 §3.2). */
export interface DeviceStarted {
    /** The secret the token endpoint is polled with. */
    deviceCode: string;
    /** What the person types at `verificationUri`; meant to be shown. */
    userCode: string;
    verificationUri: string;
    verificationUriComplete: string | undefined;
    /** Seconds until the codes expire. */
    expiresIn: number;
    /** Seconds between polls, when the server said (RFC 8628 §3.2: default 5). */
    interval: number | undefined;
}
/**
 * Sends a device authorization request and checks the answer: a `user_code` to show, the
 * `verification_uri` where the person enters it, and a `device_code` to poll with.
 *
 * @see RFC 8628 §3.1, §3.2; RFC 8707 §2
 * @throws {ConsentChannelError} when the server refuses, cannot be reached, or gives a verification URI that is not a web URL.
 */
export declare function sendDeviceAuthorization(as: oauth.AuthorizationServer, client: oauth.Client, auth: oauth.ClientAuth, input: DeviceRequestInput, http: HttpOptions): Promise<DeviceStarted>;
