/** @module The value a LangGraph `interrupt()` carries when a tool call needs consent, and its resume value. */
import { z } from "zod";
import { consentChannelSchema } from "./consent-channel.js";
import { consentOutcomeSchema, consentReasonSchema } from "./consent-reason.js";

export const AUTH_INTERRUPT_TYPE = "authbus/consent_required" as const;

const authInterruptFields = z.strictObject({
  type: z.literal(AUTH_INTERRUPT_TYPE),
  consentId: z.string().min(1),
  serverName: z.string(),
  resource: z.string(),
  authorizationUrl: z.url(),
  scopes: z.array(z.string()),
  reason: consentReasonSchema,
  errorDescription: z.string().optional(),
  /** Epoch milliseconds after which the consent can no longer be completed. */
  expiresAt: z.number().int(),
  /**
   * How the consent reaches the person; absent means `redirect` (send the person to
   * `authorizationUrl`). With `ciba` the person approves on their own device, with `device`
   * they open `verificationUri` and enter `userCode`; `authorizationUrl` is then only a link the
   * app may show (the launch link, the verification URI, or the issuer).
   */
  channel: consentChannelSchema.optional(),
  /** CIBA: the short text shown both here and on the person's device, so they can tell the request is this one. */
  bindingMessage: z.string().optional(),
  /** Device authorization (RFC 8628 §3.2): the code the person types at `verificationUri`. Meant to be shown. */
  userCode: z.string().optional(),
  /** Device authorization: where the person enters `userCode`. */
  verificationUri: z.url().optional(),
  /** Device authorization: `verificationUri` with the code filled in (for a QR code or a link), when the server gives one. */
  verificationUriComplete: z.url().optional(),
  /**
   * URL-mode elicitation (MCP 2025-11-25): the id the MCP server gave the elicitation (opaque;
   * its `notifications/elicitation/complete` names it). Set exactly when `channel` is `elicitation`;
   * `authorizationUrl` is then the server's own URL, to show in full before the person opens it.
   */
  elicitationId: z.string().min(1).optional(),
  /** URL-mode elicitation: the server's words for why the person should open the URL. */
  message: z.string().optional(),
});

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

/**
 * The interrupt payload. It names the consent and says where to send the person; it never
 * holds a token, a PKCE verifier or anything else that grants access.
 */
export const authInterruptSchema = authInterruptFields
  .refine((value) => (value.channel === "elicitation") === (value.elicitationId !== undefined), {
    message: "elicitationId is set exactly when channel is elicitation",
    path: ["elicitationId"],
  })
  // A server's URL is opened by the person's browser: never a `javascript:` or `data:` URL.
  .refine((value) => value.channel !== "elicitation" || isHttpUrl(value.authorizationUrl), {
    message: "an elicitation URL must be http(s)",
    path: ["authorizationUrl"],
  });

export type AuthInterrupt = z.infer<typeof authInterruptSchema>;

/** What a graph is resumed with: which consent, and how it ended. Never a token. */
export const authResumeSchema = z.strictObject({
  consentId: z.string().min(1),
  outcome: consentOutcomeSchema,
});

export type AuthResume = z.infer<typeof authResumeSchema>;

/**
 * Tells whether an interrupt value is an authbus consent request (validated, so a value
 * restored from a checkpoint written by another version is checked too).
 */
export function isAuthInterrupt(value: unknown): value is AuthInterrupt {
  return authInterruptSchema.safeParse(value).success;
}
