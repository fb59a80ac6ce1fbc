/** @module Why a consent is needed, read from the challenge and whether a token is held. */
import type { ConsentReason, OAuthChallenge } from "@authbus/core";
/**
 * The consent reason for a challenge: `insufficient_user_authentication` → `step_up`
 * (RFC 9470), `insufficient_scope` → `insufficient_scope`, no token held → `missing_token`,
 * otherwise `invalid_token`.
 *
 * @see RFC 6750 §3.1, RFC 9470 §3
 * @example
 * reasonForChallenge({ scheme: "bearer", error: "insufficient_scope" }, true); // "insufficient_scope"
 */
export declare function reasonForChallenge(challenge: OAuthChallenge | undefined, tokenHeld: boolean): ConsentReason;
