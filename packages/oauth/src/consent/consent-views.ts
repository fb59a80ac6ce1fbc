/** @module What a consent record shows outside: the request, the view and the URL to show, never its secrets. */
import type { ConsentRecord } from "@authbus/core";
import type { ConsentRequest, ConsentView } from "./consent-types.js";

/** Maps a consent id to the app's launch link; see `ConsentsOptions.launchUrl`. */
export type LaunchUrl = ((consentId: string) => string) | undefined;

/** The URL to show for a consent: the app's launch link when there is one, so `state` stays inside. */
export function shownUrl(record: ConsentRecord, launchUrl: LaunchUrl): string {
  return launchUrl ? launchUrl(record.consentId) : record.authorizationUrl;
}

/** The consent to show (the interrupt payload without `type`). */
export function toConsentRequest(record: ConsentRecord, launchUrl: LaunchUrl): ConsentRequest {
  const request: ConsentRequest = {
    consentId: record.consentId,
    serverName: record.serverName,
    resource: record.resource,
    authorizationUrl: shownUrl(record, launchUrl),
    scopes: [...record.scopes],
    reason: record.reason,
    expiresAt: record.expiresAt,
  };
  if (record.errorDescription !== undefined) request.errorDescription = record.errorDescription;
  if (record.channel !== undefined && record.channel !== "redirect") {
    request.channel = record.channel;
    for (const field of [
      "bindingMessage",
      "userCode",
      "verificationUri",
      "verificationUriComplete",
    ] as const) {
      const value = record[field];
      if (value !== undefined) request[field] = value;
    }
  }
  return request;
}

/** A consent's public state. */
export function toConsentView(record: ConsentRecord): ConsentView {
  return {
    consentId: record.consentId,
    status: record.status,
    subject: record.subject,
    serverName: record.serverName,
    resource: record.resource,
    scopes: record.scopes,
    reason: record.reason,
    expiresAt: record.expiresAt,
    ...(record.channel === undefined ? {} : { channel: record.channel }),
  };
}
