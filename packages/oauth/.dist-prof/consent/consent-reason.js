/**
 * The consent reason for a challenge: `insufficient_user_authentication` → `step_up`
 * (RFC 9470), `insufficient_scope` → `insufficient_scope`, no token held → `missing_token`,
 * otherwise `invalid_token`.
 *
 * @see RFC 6750 §3.1, RFC 9470 §3
 * @example
 * reasonForChallenge({ scheme: "bearer", error: "insufficient_scope" }, true); // "insufficient_scope"
 */
export function reasonForChallenge(challenge, tokenHeld) {
    if (challenge?.error === "insufficient_user_authentication")
        return "step_up";
    if (challenge?.error === "insufficient_scope")
        return "insufficient_scope";
    if (!tokenHeld)
        return "missing_token";
    return "invalid_token";
}
