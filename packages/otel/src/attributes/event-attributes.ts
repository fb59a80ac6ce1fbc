/**
 * @module Safe span attributes from a bus event: each known field is mapped by name and checked
 * against its grammar; strings of any other field are never copied, so an event added later (or
 * a field that should not be there) cannot put a secret into telemetry.
 */
import { knownChallengeErrors, redactUrl, TOKEN_FINGERPRINT_PATTERN } from "@authbus/core";
import type { Attributes } from "@opentelemetry/api";
import {
  ATTR_CHALLENGE_ERROR,
  ATTR_CHALLENGE_PARSE_ERROR_POSITION,
  ATTR_CHALLENGE_REASON,
  ATTR_CHALLENGE_RESOURCE_METADATA,
  ATTR_CHALLENGE_SCHEME,
  ATTR_CHALLENGE_SCOPES,
  ATTR_CONSENT_ERROR,
  ATTR_CONSENT_EXPIRES_AT,
  ATTR_CONSENT_ID,
  ATTR_CONSENT_REASON,
  ATTR_ENDUSER_ID,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GRANT_TYPE,
  ATTR_HANDLER_EVENT,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_RESOURCE,
  ATTR_REVOCATION_RESULT,
  ATTR_REVOCATION_REVOKED,
  ATTR_SCOPES,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_NAME,
  ATTR_SERVER_PORT,
  ATTR_TOKEN_EXPIRES_AT,
  ATTR_TOKEN_FINGERPRINT,
  ATTR_TOKEN_PREVIOUS_FINGERPRINT,
  ATTR_URL_FULL,
} from "./attribute-names.js";

/** The value OpenTelemetry conventions use for a value outside the known set. */
export const OTHER = "_OTHER";

// RFC 6749 §A.7 (error) and §A.4 (scope-token) without the space: NQCHAR, bounded.
const CODE = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
// Consent ids (UUIDs here) and tool call ids (`call_…`, `toolu_…`).
const ID = /^[A-Za-z0-9._:~-]{1,128}$/;
const EVENT_NAME = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){0,4}$/;
// A configured name or subject: printable, no control characters.
const NAME = /^[^\p{Cc}]{1,256}$/u;
// OpenTelemetry HTTP conventions: known methods as they are, anything else `_OTHER`.
const HTTP_METHODS = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
]);
const KNOWN_CHALLENGE_ERRORS: ReadonlySet<string> = new Set(knownChallengeErrors);
const MAX_URL_LENGTH = 2048;
const MAX_SCOPES = 64;

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A code such as an OAuth `error`, a reason or a grant name; `_OTHER` when it breaks the grammar. */
export function safeCode(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  return CODE.test(value) ? value : OTHER;
}

function safeId(value: unknown): string | undefined {
  return typeof value === "string" && ID.test(value) ? value : undefined;
}

function safeName(value: unknown): string | undefined {
  return typeof value === "string" && NAME.test(value) ? value : undefined;
}

function safeScopes(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((scope): scope is string => typeof scope === "string" && SCOPE_TOKEN.test(scope))
    .slice(0, MAX_SCOPES);
}

function safeFingerprint(value: unknown): string | undefined {
  return typeof value === "string" && TOKEN_FINGERPRINT_PATTERN.test(value) ? value : undefined;
}

function safeInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
}

/** A URL with user info, query and fragment removed (RFC 6750 §2.3 puts tokens in the query). */
export function safeUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const redacted = redactUrl(value);
  return redacted === "(invalid URL)" || redacted.length > MAX_URL_LENGTH ? undefined : redacted;
}

/** A bus event name fit for a span event name (`authbus.<event>`). */
export function safeEventName(value: unknown): string | undefined {
  return typeof value === "string" && EVENT_NAME.test(value) ? value : undefined;
}

function serverOf(resource: string): { address: string; port: number | undefined } | undefined {
  try {
    const url = new URL(resource);
    const defaultPort = url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : undefined;
    return { address: url.hostname, port: url.port ? Number(url.port) : defaultPort };
  } catch {
    return undefined;
  }
}

/**
 * What a `challenge` event asks for, with few values (a metric dimension): a known RFC 6750 /
 * RFC 9470 / RFC 9449 `error`; `_OTHER` for another code; `missing_token` when no token was sent
 * and the server named no error (RFC 6750 §3.1); `no_error` when a token was sent and the server
 * named none; `unparsable` when `WWW-Authenticate` did not parse.
 */
export function challengeReasonOf(event: unknown): string {
  if (!isRecord(event)) return OTHER;
  if (event.parseError !== undefined) return "unparsable";
  const error = isRecord(event.oauth) ? event.oauth.error : undefined;
  if (typeof error === "string") return KNOWN_CHALLENGE_ERRORS.has(error) ? error : OTHER;
  return event.tokenFingerprint === undefined ? "missing_token" : "no_error";
}

/** Options of {@link eventAttributes}. */
export interface EventAttributeOptions {
  /** Adds `enduser.id` from `subject`. */
  recordSubject: boolean;
}

function set(attributes: Attributes, name: string, value: string | number | string[] | undefined): void {
  if (value !== undefined) attributes[name] = value;
}

/**
 * The attributes of a bus event. Known fields only, each checked: URLs redacted, codes and ids
 * matched against their grammar, fingerprints against `fp_…`. Never copied: `wwwAuthenticate`,
 * raw `challenges`, `authorizationUrl`, `errorDescription`, error messages and any field this
 * function does not know.
 *
 * @example
 * eventAttributes("challenge", event, { recordSubject: false });
 * // { "authbus.server.name": "files", "http.response.status_code": 401, "url.full": "https://…/mcp", … }
 */
export function eventAttributes(event: string, payload: unknown, options: EventAttributeOptions): Attributes {
  const attributes: Attributes = {};
  if (!isRecord(payload)) return attributes;
  const consentFamily = event.startsWith("consent.");

  set(attributes, ATTR_SERVER_NAME, safeName(payload.serverName));
  const resource = safeUrl(payload.resource);
  if (resource !== undefined) {
    attributes[ATTR_RESOURCE] = resource;
    const server = serverOf(resource);
    if (server) {
      attributes[ATTR_SERVER_ADDRESS] = server.address;
      set(attributes, ATTR_SERVER_PORT, server.port);
    }
  }
  if (options.recordSubject) set(attributes, ATTR_ENDUSER_ID, safeName(payload.subject));
  set(attributes, ATTR_GEN_AI_TOOL_CALL_ID, safeId(payload.callId));
  set(attributes, ATTR_CONSENT_ID, safeId(payload.consentId));

  const status = safeInteger(payload.status);
  if (status !== undefined && status >= 100 && status <= 599)
    attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
  set(attributes, ATTR_URL_FULL, safeUrl(payload.url));
  if (typeof payload.method === "string") {
    const method = payload.method.toUpperCase();
    attributes[ATTR_HTTP_REQUEST_METHOD] = HTTP_METHODS.has(method) ? method : OTHER;
  }

  set(attributes, ATTR_TOKEN_FINGERPRINT, safeFingerprint(payload.tokenFingerprint));
  set(attributes, ATTR_TOKEN_PREVIOUS_FINGERPRINT, safeFingerprint(payload.previousFingerprint));
  set(
    attributes,
    consentFamily ? ATTR_CONSENT_EXPIRES_AT : ATTR_TOKEN_EXPIRES_AT,
    safeInteger(payload.expiresAt),
  );
  if (consentFamily) set(attributes, ATTR_CONSENT_REASON, safeCode(payload.reason));
  set(attributes, ATTR_SCOPES, safeScopes(payload.scopes));
  set(attributes, ATTR_GRANT_TYPE, safeCode(payload.grant));

  const error = payload.error;
  if (typeof error === "string") {
    // consent.denied: the authorization server's `error` (RFC 6749 §4.1.2.1), not a failure of ours.
    set(attributes, consentFamily ? ATTR_CONSENT_ERROR : ATTR_ERROR_TYPE, safeCode(error));
  } else if (isRecord(error)) {
    // An error summary: its code only, never its message.
    attributes[ATTR_ERROR_TYPE] = safeCode(error.code) ?? OTHER;
  }

  set(attributes, ATTR_REVOCATION_RESULT, safeCode(payload.server));
  if (Array.isArray(payload.revoked)) {
    attributes[ATTR_REVOCATION_REVOKED] = payload.revoked
      .map(safeCode)
      .filter((value): value is string => value !== undefined);
  }
  set(attributes, ATTR_HANDLER_EVENT, safeEventName(payload.event));

  if (isRecord(payload.oauth)) {
    set(attributes, ATTR_CHALLENGE_SCHEME, safeCode(payload.oauth.scheme));
    set(attributes, ATTR_CHALLENGE_ERROR, safeCode(payload.oauth.error));
    set(attributes, ATTR_CHALLENGE_SCOPES, safeScopes(payload.oauth.scope));
    set(attributes, ATTR_CHALLENGE_RESOURCE_METADATA, safeUrl(payload.oauth.resourceMetadata));
  }
  if (isRecord(payload.parseError)) {
    set(attributes, ATTR_CHALLENGE_PARSE_ERROR_POSITION, safeInteger(payload.parseError.position));
  }
  if (event === "challenge") attributes[ATTR_CHALLENGE_REASON] = challengeReasonOf(payload);
  return attributes;
}
