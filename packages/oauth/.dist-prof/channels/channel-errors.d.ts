/** @module Turning a refused CIBA or device authorization request into a ConsentChannelError. */
import type { ConsentChannel } from "@authbus/core";
import { ConsentChannelError } from "../errors/consent-channel-error.js";
/**
 * The typed error for a failed channel request: the server's OAuth `error` when it sent one
 * (in the body, or in a `WWW-Authenticate` challenge for a refused client authentication), else
 * what went wrong. The cause is kept without response bodies.
 */
export declare function channelErrorFrom(error: unknown, channel: Exclude<ConsentChannel, "redirect">, issuer: string, what: string): ConsentChannelError;
/** The OAuth `error` code of a failed token request, or undefined for a network failure, a timeout or a malformed answer. */
export declare function oauthErrorCode(error: unknown): {
    error: string;
    description?: string;
} | undefined;
