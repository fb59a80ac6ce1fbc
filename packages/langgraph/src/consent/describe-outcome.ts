/** @module The words a model gets when a call could not be made for want of consent. */
import type { ConsentOutcome } from "@authbus/core";

/**
 * The message for a call that ends without access, written for the model to relay to the
 * person. It never includes a token or a URL with secrets.
 *
 * @example
 * describeConsentOutcome("denied", "calendar", "list_events");
 * // "Access to calendar was declined, so list_events was not run. Tell the user; do not retry."
 */
export function describeConsentOutcome(
  outcome: Exclude<ConsentOutcome, "granted"> | "still_refused",
  serverName: string,
  toolName: string,
  detail?: string,
): string {
  switch (outcome) {
    case "denied":
      return `Access to ${serverName} was declined, so ${toolName} was not run. Tell the user; do not retry.`;
    case "expired":
      return `The request for access to ${serverName} expired before it was answered, so ${toolName} was not run. Tell the user; do not retry.`;
    case "still_refused":
      return `Access to ${serverName} was granted, but ${serverName} still refused ${toolName}${detail ? ` (${detail})` : ""}. Tell the user; do not retry.`;
  }
}
