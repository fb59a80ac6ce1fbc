/** @module zod schemas of every bus event: the single source of the event types. */
import { z } from "zod";
import { consentChannelSchema } from "../consent/consent-channel.js";
import { consentReasonSchema } from "../consent/consent-reason.js";
import { AuthbusError } from "../errors/authbus-error.js";
import { oauthChallengeSchema } from "../oauth-challenge/read-oauth-challenge.js";

import { TOKEN_FINGERPRINT_PATTERN } from "../tokens/fingerprint.js";
import { challengeSchema } from "../www-authenticate/challenge.js";

const fingerprint = z.string().regex(TOKEN_FINGERPRINT_PATTERN, "a token fingerprint (fp_…), never a token");

// Every event says where it happened; `callId` ties it to one tool call when there is one.
const where = {
  serverName: z.string(),
  resource: z.string(),
  subject: z.string(),
  callId: z.string().optional(),
};

const errorSummary = z.strictObject({ code: z.string().optional(), message: z.string() });

/**
 * Schemas of the events on an authbus bus, keyed by event name. Every schema is strict: a
 * payload with a field that is not listed (an `accessToken`, say) is rejected at a boundary.
 */
export const authEventSchemas = {
  /** A 401/403 with `WWW-Authenticate` was received (also when the header did not parse). */
  challenge: z.strictObject({
    ...where,
    status: z.number().int(),
    url: z.string(),
    method: z.string(),
    wwwAuthenticate: z.string().nullable(),
    challenges: z.array(challengeSchema),
    oauth: oauthChallengeSchema.optional(),
    /** Set when the header could not be parsed; `challenges` is then empty. */
    parseError: z.strictObject({ message: z.string(), position: z.number().int() }).optional(),
    /** The token that was sent, if any. */
    tokenFingerprint: fingerprint.optional(),
  }),
  "token.refreshing": z.strictObject({ ...where, tokenFingerprint: fingerprint.optional() }),
  "token.refreshed": z.strictObject({
    ...where,
    tokenFingerprint: fingerprint,
    previousFingerprint: fingerprint.optional(),
    expiresAt: z.number().int().optional(),
  }),
  "token.refresh_failed": z.strictObject({ ...where, error: errorSummary }),
  /**
   * A service client (no person involved) asks for tokens with a non-interactive grant.
   * `grant` names it: `client_credentials`, `jwt_bearer` or `enterprise_managed`.
   */
  "token.obtaining": z.strictObject({ ...where, grant: z.string(), scopes: z.array(z.string()) }),
  /** A non-interactive grant issued tokens; they are stored. */
  "token.obtained": z.strictObject({
    ...where,
    grant: z.string(),
    scopes: z.array(z.string()),
    tokenFingerprint: fingerprint,
    expiresAt: z.number().int().optional(),
  }),
  /** A non-interactive grant was refused or could not be sent; no person is asked. */
  "token.obtain_failed": z.strictObject({ ...where, grant: z.string(), error: errorSummary }),
  /**
   * The app forgot a grant: the tokens were deleted from the store, and revoked at the
   * authorization server (RFC 7009) as far as `server` says. Fingerprints only, never a token.
   */
  "token.revoked": z.strictObject({
    ...where,
    /** The access token that was deleted. */
    tokenFingerprint: fingerprint.optional(),
    /**
     * `revoked`: the server confirmed every revocation request (RFC 7009 §2.2); `unsupported`:
     * it advertises no `revocation_endpoint`; `failed`: it could not be reached or refused
     * (see `error`); `skipped`: nothing could be sent (e.g. the stored value was unreadable).
     */
    server: z.enum(["revoked", "unsupported", "failed", "skipped"]),
    /** The token types the server confirmed revoking. */
    revoked: z.array(z.enum(["refresh_token", "access_token"])),
    error: errorSummary.optional(),
  }),
  "consent.required": z.strictObject({
    ...where,
    consentId: z.string(),
    reason: consentReasonSchema,
    scopes: z.array(z.string()),
    authorizationUrl: z.string(),
    expiresAt: z.number().int(),
    /** How the consent reaches the person; absent means `redirect`. */
    channel: consentChannelSchema.optional(),
  }),
  "consent.granted": z.strictObject({
    ...where,
    consentId: z.string(),
    scopes: z.array(z.string()),
    tokenFingerprint: fingerprint,
  }),
  "consent.denied": z.strictObject({
    ...where,
    consentId: z.string(),
    error: z.string().optional(),
    errorDescription: z.string().optional(),
  }),
  "consent.expired": z.strictObject({ ...where, consentId: z.string() }),
  /**
   * A URL-mode elicitation (MCP 2025-11-25) was completed: the server sent
   * `notifications/elicitation/complete` for it (`by: "server"`), or the person said they were
   * done (`by: "user"`). Its consent is settled `granted`; the threads waiting on it resume.
   */
  "elicitation.completed": z.strictObject({
    ...where,
    consentId: z.string(),
    elicitationId: z.string(),
    by: z.enum(["server", "user"]),
  }),
  /**
   * The client answered a server's `elicitation/create` (URL mode): `accept` once the person
   * agreed (and the consent was granted), `decline` / `cancel` otherwise. `consentId` is absent
   * when no consent was begun (no tool call was waiting to ask the person).
   */
  "elicitation.answered": z.strictObject({
    ...where,
    consentId: z.string().optional(),
    elicitationId: z.string(),
    action: z.enum(["accept", "decline", "cancel"]),
  }),
  /** A request was sent again after a silent refresh; the caller never saw the 401. */
  "request.retried": z.strictObject({
    ...where,
    url: z.string(),
    method: z.string(),
    tokenFingerprint: fingerprint,
  }),
  /** A bus handler threw or rejected; the other handlers still ran. */
  "handler.failed": z.strictObject({ event: z.string(), error: errorSummary }),
} as const;

export type AuthEventName = keyof typeof authEventSchemas;

/** The event map the bus is typed by, inferred from {@link authEventSchemas}. */
export type AuthEvents = { [K in AuthEventName]: z.infer<(typeof authEventSchemas)[K]> };

/** A payload that does not match its event's schema (e.g. from a bridge between processes). */
export class InvalidAuthEventError extends AuthbusError<"INVALID_AUTH_EVENT"> {
  override readonly name = "InvalidAuthEventError";
  readonly event: string;

  constructor(options: { event: string; message: string; cause?: unknown }) {
    super({ code: "INVALID_AUTH_EVENT", message: options.message, cause: options.cause });
    this.event = options.event;
  }
}

function isAuthEventName(name: string): name is AuthEventName {
  return Object.hasOwn(authEventSchemas, name);
}

/**
 * Checks an event at a boundary (tests, bridges between processes) and returns the payload
 * typed. Emitting on the bus does not validate: that stays as cheap as mitt's `emit`.
 *
 * @example
 * const payload = parseAuthEvent("consent.granted", JSON.parse(message));
 * @throws {InvalidAuthEventError} for an unknown event name or a payload that does not match.
 */
export function parseAuthEvent<K extends AuthEventName>(event: K, payload: unknown): AuthEvents[K];
export function parseAuthEvent(event: string, payload: unknown): AuthEvents[AuthEventName];
export function parseAuthEvent(event: string, payload: unknown): AuthEvents[AuthEventName] {
  if (!isAuthEventName(event)) {
    throw new InvalidAuthEventError({
      event,
      message: `invalid "${event}" event: unknown event; expected one of ${Object.keys(authEventSchemas).join(", ")}`,
    });
  }
  const result = authEventSchemas[event].safeParse(payload);
  if (!result.success) {
    const issues = result.error.issues
      .map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`)
      .join("; ");
    throw new InvalidAuthEventError({
      event,
      message: `invalid "${event}" event: ${issues}`,
      cause: result.error,
    });
  }
  return result.data;
}
