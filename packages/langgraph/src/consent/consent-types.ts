/**
 * @module The narrow shapes this package needs from `@authbus/oauth` consents and
 * `@authbus/mcp` clients, so any implementation with these members fits.
 */
import type { ConsentChannel, ConsentReason, OAuthChallenge } from "@authbus/core";

/** What a consent needs to know of the challenge: an `AuthChallengeError` or a `challenge` event fits. */
export interface ConsentChallenge {
  status: number;
  oauth?: OAuthChallenge | undefined;
}

/** Input of {@link ConsentBeginner.begin}. */
export interface ConsentBeginInput {
  subject: string;
  serverName: string;
  resource: string;
  /** The OAuth reading of the challenge that made consent necessary; absent when no token was held. */
  challenge?: OAuthChallenge;
  /** Overrides the reason the consents read from the challenge (e.g. `"refresh_failed"`). */
  reason?: ConsentReason;
  /** The tool call that needs the consent (its `tool_call_id`). */
  callId?: string;
  /** What was being done (the tool's name): consents count against a retry limit per operation. */
  operation?: string;
}

/** A consent that was begun: where to send the person, and until when. */
export interface ConsentBegun {
  consentId: string;
  authorizationUrl: string;
  scopes: string[];
  reason: ConsentReason;
  /** Epoch milliseconds. */
  expiresAt: number;
  errorDescription?: string | undefined;
  /** How the consent reaches the person (absent: `redirect`); copied into the interrupt with what it shows. */
  channel?: ConsentChannel | undefined;
  /** CIBA: shown here and on the person's device. */
  bindingMessage?: string | undefined;
  /** Device authorization (RFC 8628): what the person types at `verificationUri`. */
  userCode?: string | undefined;
  verificationUri?: string | undefined;
  verificationUriComplete?: string | undefined;
}

/**
 * Starts consents; `createConsents()` from `@authbus/oauth` is one. Implementations should
 * coalesce concurrent begins for the same subject, resource and scopes into one consent.
 */
export interface ConsentBeginner {
  begin(input: ConsentBeginInput): Promise<ConsentBegun>;
  /** When present (as on `createConsents()`), used as the {@link ConsentLookup} by default. */
  get?(consentId: string): Promise<{ subject: string; resource: string } | undefined>;
}

/**
 * Looks a consent up by id (a `ConsentStore` fits). With it, a resume value is checked to
 * answer a consent for the same subject and resource as the paused call, even after a restart.
 */
export interface ConsentLookup {
  get(consentId: string): Promise<{ subject: string; resource: string } | undefined>;
}

/** The MCP server a tool belongs to. */
export interface ToolServer {
  serverName: string;
  /** The protected resource (RFC 8707 resource indicator) its tokens are keyed by. */
  resource: string;
  /**
   * The challenge of the server's last refused connection, if the client kept it: a consent
   * begun before any call reads its `scope` (MCP 2025-11-25 scope selection) instead of
   * asking for every scope the server supports.
   */
  challenge?: ConsentChallenge | undefined;
}

/** Maps a tool name to its server, or `undefined` for tools that are not behind authbus. */
export type ToolServerResolver = (toolName: string) => ToolServer | undefined;
