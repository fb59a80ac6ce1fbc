/** @module The public shapes of the consent flows: options, inputs, results and the {@link Consents} interface. */
import type {
  AuthBus,
  Challenge,
  ConsentChannel,
  ConsentOutcome,
  ConsentReason,
  ConsentStatus,
  ConsentStore,
  OAuthChallenge,
  TokenStore,
} from "@authbus/core";
import type { ConsentChannelOptions } from "../channels/choose-channel.js";
import type { ClientRegistrationStore } from "../client/client-registration-store.js";
import type { ClientConfig } from "../client/resolve-client.js";
import type { Discovery } from "../discovery/create-discovery.js";
import type { DPoPMode } from "../dpop/select-dpop-algorithm.js";
import type { HttpOptions } from "../shared/http-options.js";

/** Options of {@link createConsents}. */
export interface ConsentsOptions extends HttpOptions, ConsentChannelOptions {
  /** Where granted tokens are stored, keyed by (subject, resource). */
  tokens: TokenStore;
  /** Where pending and settled consents (with their PKCE verifier and state) are kept. */
  store: ConsentStore;
  /** This app's client identity and redirect URI. */
  client: ClientConfig;
  bus: AuthBus;
  /** Dynamically registered clients. Default: in memory (registration once per process). */
  registrations?: ClientRegistrationStore;
  /** Metadata cache to share with a refresher. Default: a new one using `fetch`. */
  discovery?: Discovery;
  /**
   * Whether granted tokens are DPoP-bound (RFC 9449); see {@link DPoPMode}. Default `"auto"`:
   * when the authorization server advertises `dpop_signing_alg_values_supported`. A DPoP grant
   * gets its own key pair, kept (a secret, like the PKCE verifier) in the consent record and then
   * beside the tokens; refreshes and resource requests sign their proofs with it.
   */
  dpop?: DPoPMode;
  /** How long a consent can be completed, in seconds. Default 600. */
  ttlSeconds?: number;
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * When set, `authorizationUrl` in results and events is `launchUrl(consentId)` (your own
   * endpoint that redirects with {@link Consents.authorizationUrl}), so the `state`-bearing
   * URL never enters events, interrupts or checkpoints. Recommended: without it the `state`
   * and PKCE challenge of every pending consent are written wherever the interrupt goes.
   */
  launchUrl?: (consentId: string) => string;
  /**
   * How many consents may be created for one (subject, resource, operation) within
   * `ttlSeconds` before `begin` refuses with a {@link ConsentRetryLimitError}: a server that
   * keeps answering `insufficient_scope` must not make the person consent again and again.
   * Default 3.
   */
  maxConsentsPerOperation?: number;
}

/** Something that carries the OAuth reading of a challenge: an `AuthChallengeError`, a `challenge` event. */
export interface ChallengeCarrier {
  oauth?: OAuthChallenge | undefined;
}

/** What {@link Consents.begin} needs. */
export interface BeginConsentInput {
  /** The person (or agent identity) the tokens will belong to. */
  subject: string;
  /** The MCP server's configured name (for events and the consent card). */
  serverName: string;
  /** The protected resource (the MCP server URL), RFC 8707. */
  resource: string;
  /**
   * The challenge that asked for this: parsed (`Challenge`), read (`OAuthChallenge`), or
   * anything carrying its reading as `oauth` (an `AuthChallengeError`, a `challenge` event).
   */
  challenge?: Challenge | OAuthChallenge | ChallengeCarrier | undefined;
  /** The tool call this happened in, for events. */
  callId?: string | undefined;
  /**
   * What was being done (a tool name, an MCP method), for the retry limit: consents are
   * counted per (subject, resource, operation). Default: one count for the whole resource.
   */
  operation?: string | undefined;
  /** Overrides the reason read from the challenge, e.g. `"refresh_failed"`. */
  reason?: ConsentReason | undefined;
}

/**
 * A consent to show: where to send the person and why. Shaped like the interrupt payload
 * (`authInterruptSchema` without `type`); never holds a verifier or token.
 */
export interface ConsentRequest {
  consentId: string;
  serverName: string;
  resource: string;
  authorizationUrl: string;
  scopes: string[];
  reason: ConsentReason;
  errorDescription?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** How the consent reaches the person; absent means `redirect`. See `authInterruptSchema`. */
  channel?: ConsentChannel;
  /** CIBA: shown here and on the person's device. */
  bindingMessage?: string;
  /** Device authorization: what the person types at `verificationUri`. */
  userCode?: string;
  verificationUri?: string;
  verificationUriComplete?: string;
}

/** How a callback ended. */
export interface ConsentResult {
  consentId: string;
  subject: string;
  serverName: string;
  resource: string;
  outcome: "granted" | "denied";
  /** Granted scopes (for `granted`). */
  scopes?: string[];
  /** The authorization server's `error` (for `denied`). */
  error?: string;
}

/** A consent's public state (no state, verifier or URL). */
export interface ConsentView {
  consentId: string;
  status: ConsentStatus;
  subject: string;
  serverName: string;
  resource: string;
  scopes: string[];
  reason: ConsentReason;
  expiresAt: number;
  /** Absent means `redirect`. */
  channel?: ConsentChannel;
}

/** The consent flows; see {@link createConsents}. */
export interface Consents {
  /**
   * Starts (or joins) a consent for (subject, resource): concurrent calls asking for the same
   * scopes get the same pending consent, in process and from the store. Emits
   * `consent.required` when a consent is created.
   *
   * @throws {ResourceMismatchError | PkceUnsupportedError | DiscoveryError | ClientRegistrationError | ConsentRetryLimitError}
   */
  begin(input: BeginConsentInput): Promise<ConsentRequest>;
  /**
   * Handles the redirect back from the authorization server: checks `state` and `iss`,
   * exchanges the code (PKCE verifier, `resource`), stores the tokens, settles the consent
   * once, emits `consent.granted` / `consent.denied`.
   *
   * @throws {ConsentStateError} for a missing, unknown, expired or already-used `state`; nothing changes.
   * @throws {ConsentCallbackError} for a wrong `iss` or a malformed callback (the consent stays
   *   pending, so a forged callback cannot cancel it), or a refused code exchange (the code is
   *   single-use, so the consent is then denied).
   */
  complete(callbackUrl: string | URL): Promise<ConsentResult>;
  /** Denies a pending consent (the person closed the card). Returns false if it was not pending. */
  deny(consentId: string): Promise<boolean>;
  /** A consent's status, expiring it first if its time is up. */
  get(consentId: string): Promise<ConsentView | undefined>;
  /** The real authorization URL of a pending consent (for a `launchUrl` redirect endpoint). */
  authorizationUrl(consentId: string): Promise<string | undefined>;
  /**
   * How a consent ends: resolves with `granted`, `denied` or `expired` once it is settled (at
   * once if it already is), or `undefined` for an unknown id. A pending CIBA or device consent
   * is polled by this instance while it is waited on — also one begun before a restart, since
   * its `auth_req_id` / `device_code` is in the store — and its timer keeps the process alive.
   * Other consents settle through this instance (`complete`, `deny`, expiry) or its bus.
   *
   * @example
   * const outcome = await consents.wait(interrupt.consentId);
   * await graph.invoke(await resumeConsent(graph, config, interrupt.consentId, outcome ?? "expired"), config);
   * @throws the signal's reason when `signal` aborts.
   */
  wait(consentId: string, options?: { signal?: AbortSignal }): Promise<ConsentOutcome | undefined>;
  /** Stops the expiry timers and polling. Pending consents still expire lazily when next touched. */
  close(): void;
  /** Same as `close()`, for `using consents = createConsents(…)`. */
  [Symbol.dispose](): void;
}
