/** @module Words a person understands for scopes and consent reasons. */
import type { AuthInterrupt } from "@authbus/core";

const scopeNames: Record<string, string> = {
  "calendar.read": "See your calendar events",
  "files.read": "See your files",
  "files.write": "Change and delete your files",
  offline_access: "Stay connected without asking again",
  openid: "Know who you are",
};

/** A readable name for a scope; unknown scopes are shown as they are. */
export function describeScope(scope: string): string {
  return scopeNames[scope] ?? scope;
}

/** Why the card is shown, in the words of the person reading it. */
export function describeReason(consent: AuthInterrupt): string {
  const server = consent.serverName;
  switch (consent.reason) {
    case "missing_token":
      return `First time: the agent needs your permission to use ${server}.`;
    case "invalid_token":
      return `Your access to ${server} has expired. Sign in again to continue.`;
    case "insufficient_scope":
      return `The agent needs more access to ${server} for this request.`;
    case "step_up":
      return `${server} asks you to sign in again with a stronger login.`;
    case "refresh_failed":
      return `Access to ${server} could not be renewed. Sign in again to continue.`;
    case "url_elicitation":
      return `${server} asks you to open a page of its own.`;
  }
}
