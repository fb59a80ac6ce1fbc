/**
 * @module The attribute names authbus telemetry uses: OpenTelemetry semantic conventions where
 * one exists, the `authbus.*` namespace otherwise.
 */

// OpenTelemetry semantic conventions (registry names; stable unless marked).
/** Host of the protected resource (the MCP server). */
export const ATTR_SERVER_ADDRESS = "server.address";
export const ATTR_SERVER_PORT = "server.port";
/** Always redacted: no user info, query or fragment. */
export const ATTR_URL_FULL = "url.full";
export const ATTR_HTTP_REQUEST_METHOD = "http.request.method";
export const ATTR_HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
export const ATTR_ERROR_TYPE = "error.type";
/** GenAI conventions (development): the tool call an event belongs to. */
export const ATTR_GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
/** Only with `recordSubject: true`: the subject is personal data. */
export const ATTR_ENDUSER_ID = "enduser.id";

// authbus: no convention covers OAuth challenges, consents or token refreshes.
export const ATTR_SERVER_NAME = "authbus.server.name";
/** The protected resource (RFC 8707), redacted like `url.full`. */
export const ATTR_RESOURCE = "authbus.resource";
export const ATTR_SCOPES = "authbus.scopes";
export const ATTR_CHALLENGE_SCHEME = "authbus.challenge.scheme";
/** The challenge's `error` (RFC 6750 §3.1), as the server sent it when it is a well-formed code. */
export const ATTR_CHALLENGE_ERROR = "authbus.challenge.error";
/** A low-cardinality reading of a challenge, see {@link challengeReasonOf}. */
export const ATTR_CHALLENGE_REASON = "authbus.challenge.reason";
export const ATTR_CHALLENGE_SCOPES = "authbus.challenge.scopes";
export const ATTR_CHALLENGE_RESOURCE_METADATA = "authbus.challenge.resource_metadata";
export const ATTR_CHALLENGE_PARSE_ERROR_POSITION = "authbus.challenge.parse_error.position";
/** A token's fingerprint (`fp_…`), never the token. */
export const ATTR_TOKEN_FINGERPRINT = "authbus.token.fingerprint";
export const ATTR_TOKEN_PREVIOUS_FINGERPRINT = "authbus.token.previous_fingerprint";
/** Epoch milliseconds. */
export const ATTR_TOKEN_EXPIRES_AT = "authbus.token.expires_at";
export const ATTR_GRANT_TYPE = "authbus.grant.type";
export const ATTR_CONSENT_ID = "authbus.consent.id";
export const ATTR_CONSENT_REASON = "authbus.consent.reason";
/** `granted`, `denied` or `expired`. */
export const ATTR_CONSENT_OUTCOME = "authbus.consent.outcome";
/** The authorization server's `error` on a denied consent (RFC 6749 §4.1.2.1), e.g. `access_denied`. */
export const ATTR_CONSENT_ERROR = "authbus.consent.error";
/** Epoch milliseconds. */
export const ATTR_CONSENT_EXPIRES_AT = "authbus.consent.expires_at";
/** `success` or `failure`. */
export const ATTR_REFRESH_RESULT = "authbus.refresh.result";
/** How many callers waited on one refresh (the one that started it included). */
export const ATTR_REFRESH_WAITERS = "authbus.refresh.waiters";
export const ATTR_REVOCATION_RESULT = "authbus.revocation.result";
export const ATTR_REVOCATION_REVOKED = "authbus.revocation.revoked";
/** The event whose handler failed (`handler.failed`). */
export const ATTR_HANDLER_EVENT = "authbus.handler.event";
/** On a span link: why the spans are linked, see {@link LinkType}. */
export const ATTR_LINK_TYPE = "authbus.link.type";

/**
 * Why a span links to another: on a consent span, the span that was active when the consent was
 * required or when it was answered; on a refresh span, a caller that waited on it; on a caller's
 * span, the refresh that answered its 401.
 */
export type LinkType = "consent.required" | "consent.outcome" | "refresh.waiter" | "refresh";
