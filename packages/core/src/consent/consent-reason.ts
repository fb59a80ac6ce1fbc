/** @module Why a person has to be asked for consent. */
import { z } from "zod";

/**
 * - `missing_token`: nothing is held for the resource (first use; server answered 401 with no `error`).
 * - `invalid_token`: the token was rejected and could not be refreshed silently.
 * - `insufficient_scope`: RFC 6750 §3.1, more scopes are needed (step-up asks for the union).
 * - `step_up`: RFC 9470, a stronger or more recent login is needed.
 * - `refresh_failed`: a refresh was tried and the authorization server refused it.
 * - `url_elicitation`: the MCP server asked the person to visit a URL of its own (MCP 2025-11-25
 *   URL-mode elicitation), e.g. to authorize it at a third party.
 */
export const consentReasonSchema = z.enum([
  "missing_token",
  "invalid_token",
  "insufficient_scope",
  "step_up",
  "refresh_failed",
  "url_elicitation",
]);

export type ConsentReason = z.infer<typeof consentReasonSchema>;

export const consentOutcomeSchema = z.enum(["granted", "denied", "expired"]);

export type ConsentOutcome = z.infer<typeof consentOutcomeSchema>;
