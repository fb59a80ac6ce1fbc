/** @module Which channel a consent goes through: the app's choice, checked against what the authorization server offers. */
import type { ConsentChannel, ConsentReason } from "@authbus/core";
import type * as oauth from "oauth4webapi";
/** What the app's channel choice is made from. */
export interface ChannelChoiceInput {
    /** The person the tokens will belong to. */
    subject: string;
    /** The MCP server's configured name. */
    serverName: string;
    /** The protected resource (RFC 8707). */
    resource: string;
    reason: ConsentReason;
    /** The scopes the consent asks for (the union, for a step-up). */
    scopes: readonly string[];
}
/** The consent channel options of `createConsents` (CIBA and device authorization besides the redirect). */
export interface ConsentChannelOptions {
    /**
     * Picks how each consent reaches the person: `"redirect"` (the default), `"ciba"` or
     * `"device"`. A choice the authorization server cannot serve falls back to `"redirect"`, and
     * the interrupt's `channel` says which one was used: `ciba` needs a
     * `backchannel_authentication_endpoint` with poll mode and a {@link loginHint} for the subject,
     * and cannot carry `max_age`; `device` needs a `device_authorization_endpoint` and cannot
     * carry `acr_values` or `max_age` (a step-up that asks for them goes by redirect).
     *
     * @example
     * channel: ({ subject }) => (isAtTheirDesk(subject) ? "redirect" : "ciba")
     */
    channel?: (input: ChannelChoiceInput) => ConsentChannel | Promise<ConsentChannel>;
    /**
     * CIBA `login_hint` for a subject: how the authorization server knows whom to ask (an email, a
     * user name). Without one for the subject, a consent does not go by CIBA.
     *
     * @see OpenID CIBA Core 1.0 §7.1
     */
    loginHint?: (subject: string) => string | undefined | Promise<string | undefined>;
    /**
     * CIBA `binding_message`: the short text shown both in the interrupt and on the person's
     * device, so they can tell it is this request. Default: a random code like `KXQ7-M4TD`. Keep
     * it short and plain (many servers take only 1–20 characters of `[A-Za-z0-9-._+/!?#]`).
     *
     * @see OpenID CIBA Core 1.0 §7.1
     */
    bindingMessage?: (input: ChannelChoiceInput) => string | undefined;
}
/** The channel a consent will use, with what it needs. */
export type ChannelRoute = {
    channel: "redirect";
} | {
    channel: "ciba";
    loginHint: string;
} | {
    channel: "device";
};
/** What the authorization server offers and the step-up parameters asked for. */
export interface ChannelConstraints {
    acrValues?: readonly string[] | undefined;
    maxAge?: number | undefined;
}
/** Whether `as` offers CIBA in poll mode (CIBA Core §4: the modes default to all three when not listed). */
export declare function offersCibaPoll(as: oauth.AuthorizationServer): boolean;
/** Whether `as` offers device authorization (RFC 8628 §4). */
export declare function offersDeviceFlow(as: oauth.AuthorizationServer): boolean;
/**
 * The channel a consent goes through: the app's {@link ConsentChannelOptions.channel} choice
 * when the authorization server and the request allow it, else `redirect`.
 *
 * @see OpenID CIBA Core 1.0 §4, §7.1; RFC 8628 §3.1
 * @example
 * const route = await chooseChannel(options, input, as, { acrValues });
 * if (route.channel === "ciba") send(route.loginHint);
 */
export declare function chooseChannel(options: ConsentChannelOptions, input: ChannelChoiceInput, as: oauth.AuthorizationServer, constraints?: ChannelConstraints): Promise<ChannelRoute>;
