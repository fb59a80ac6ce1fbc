/** @module How a consent reaches the person: the browser redirect, CIBA, device authorization, or an MCP server's URL elicitation. */
import { z } from "zod";

/**
 * - `redirect`: the browser goes to the authorization server and comes back to the app's
 *   callback (RFC 6749 §4.1 with PKCE). The default.
 * - `ciba`: OpenID CIBA Core 1.0 (poll mode): the authorization server asks the person on
 *   their own device (a phone); the app polls the token endpoint.
 * - `device`: RFC 8628 device authorization: the person opens `verificationUri` anywhere and
 *   types `userCode`; the app polls the token endpoint.
 * - `elicitation`: MCP URL-mode elicitation (2025-11-25): the MCP server itself asks the person
 *   to open its URL (to authorize a third party, say); the server reports completion with
 *   `notifications/elicitation/complete`, or the person says they are done.
 */
export const consentChannelSchema = z.enum(["redirect", "ciba", "device", "elicitation"]);

export type ConsentChannel = z.infer<typeof consentChannelSchema>;
