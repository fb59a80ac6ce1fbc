/** @module Starting a consent on a polled channel (CIBA or device authorization): what its record keeps. */
import type { ConsentRecord } from "@authbus/core";
import type * as oauth from "oauth4webapi";
import type { HttpOptions } from "../shared/http-options.js";
import type { ChannelChoiceInput, ChannelRoute, ConsentChannelOptions } from "./choose-channel.js";
/** Seconds between polls when the server does not say (CIBA Core §7.3, RFC 8628 §3.2). */
export declare const DEFAULT_POLL_INTERVAL = 5;
/** The fields of a consent record a polled channel sets. */
export type PolledChannelFields = Pick<ConsentRecord, "authorizationUrl" | "expiresAt"> & Pick<ConsentRecord, "channel" | "authReqId" | "deviceCode" | "pollInterval" | "bindingMessage" | "userCode" | "verificationUri" | "verificationUriComplete">;
/** What {@link startPolledChannel} needs. */
export interface StartChannelInput {
    route: Exclude<ChannelRoute, {
        channel: "redirect";
    }>;
    as: oauth.AuthorizationServer;
    client: oauth.Client;
    auth: oauth.ClientAuth;
    choice: ChannelChoiceInput;
    /** RFC 8707 resource indicator, exactly as the protected resource metadata states it. */
    resourceIndicator: string;
    acrValues?: readonly string[] | undefined;
    /** When the consent was created (epoch ms) and how long it may stay pending (ms). */
    createdAt: number;
    ttlMs: number;
    options: ConsentChannelOptions;
    http: HttpOptions;
}
/**
 * Sends the CIBA or device authorization request of a new consent and returns what its record
 * keeps: the secret to poll with (`authReqId` / `deviceCode`, sealed by durable stores), the
 * interval, what the person is shown, and the expiry (the earlier of the consent's and the
 * server's). `authorizationUrl` becomes the verification URI (complete when given) for a device
 * consent, the issuer for a CIBA one (there is nothing to open).
 *
 * @see OpenID CIBA Core 1.0 §7, RFC 8628 §3.1–3.2
 * @throws {ConsentChannelError} when the server refuses the request.
 */
export declare function startPolledChannel(input: StartChannelInput): Promise<PolledChannelFields>;
