/** @module Every error code of every authbus package, in one list. */

/**
 * The codes, grouped by the package that throws them. A code is stable: it is what events, logs
 * and `toJSON()` carry, and what {@link isAuthbusError} narrows by. Listed here (as strings, with
 * no import of the other packages) so that one union covers the whole library.
 */
export const authbusErrorCodes = [
  // @authbus/core
  "AUTH_CHALLENGE",
  "HEADER_TOO_LARGE",
  "WWW_AUTHENTICATE_PARSE_ERROR",
  "WWW_AUTHENTICATE_FORMAT_ERROR",
  "INVALID_CHALLENGE_PARAMETER",
  "INVALID_AUTH_EVENT",
  "BUS_MESSAGE_TOO_LARGE",
  "INVALID_STORE_KEY",
  "INVALID_TOKEN_SET",
  "DUPLICATE_CONSENT",
  // @authbus/oauth
  "DISCOVERY_FAILED",
  "RESOURCE_MISMATCH",
  "PKCE_UNSUPPORTED",
  "CLIENT_REGISTRATION_FAILED",
  "INVALID_CLIENT_METADATA_URL",
  "CONSENT_STATE",
  "CONSENT_CALLBACK",
  "CONSENT_CHANNEL",
  "CONSENT_RETRY_LIMIT",
  "REFRESH_FAILED",
  "GRANT_FAILED",
  "REVOCATION_FAILED",
  "REQUEST_TIMEOUT",
  "REQUEST_ABORTED",
  "URL_REFUSED",
  "LIMIT_EXCEEDED",
  "STORE_SECRET",
  "STORE_CORRUPT",
  "STORE_UNAVAILABLE",
  // @authbus/mcp
  "MCP_CONNECT_FAILED",
  "MCP_CLIENT_CLOSED",
  "MCP_INVALID_CONFIG",
  "MCP_TOOL_NAME_COLLISION",
  // @authbus/langgraph
  "INVALID_AUTH_RESUME",
  "AUTH_RESUME_MISMATCH",
  "CONSENT_NOT_PENDING",
  "MISSING_SUBJECT",
  // authbus
  "CONSENT_SESSION_MISMATCH",
  "CONSENT_NOT_SETTLED",
  // @authbus/testkit
  "TESTKIT_INVALID_OPTIONS",
  "TESTKIT_UNKNOWN_RESOURCE",
  "TESTKIT_CONSENT_DRIVE_FAILED",
  "TESTKIT_CLOSED",
] as const;

/** One of the {@link authbusErrorCodes}: the `code` of every error authbus throws. */
export type AuthbusErrorCode = (typeof authbusErrorCodes)[number];
