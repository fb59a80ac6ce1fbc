/** @module Pending and settled consents: what a callback is checked against. */
import { z } from "zod";
import { consentChannelSchema } from "../consent/consent-channel.js";
import { consentReasonSchema } from "../consent/consent-reason.js";
import { dpopKeySchema } from "../dpop/dpop-key.js";
import { AuthbusError } from "../errors/authbus-error.js";

import type { Lease } from "./lease-store.js";
import { checkTokenKey } from "./store-key.js";

export const consentStatusSchema = z.enum(["pending", "granted", "denied", "expired"]);

export type ConsentStatus = z.infer<typeof consentStatusSchema>;

/**
 * One consent: the person was (or will be) sent to `authorizationUrl`; the callback must
 * bring back `state`. `codeVerifier` and `state` are secrets of this store: they never leave
 * it in an event, an interrupt payload or an error.
 */
export const consentRecordSchema = z.strictObject({
  consentId: z.string().min(1),
  state: z.string().min(1),
  codeVerifier: z.string().min(1),
  subject: z.string().min(1),
  serverName: z.string(),
  resource: z.string(),
  scopes: z.array(z.string()),
  reason: consentReasonSchema,
  authorizationUrl: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  redirectUri: z.string(),
  /** Epoch milliseconds. */
  createdAt: z.number().int(),
  /** Epoch milliseconds after which the callback is refused. */
  expiresAt: z.number().int(),
  status: consentStatusSchema,
  /** RFC 9470 step-up parameters to send again, if the challenge asked for them. */
  acrValues: z.array(z.string()).optional(),
  maxAge: z.number().int().nonnegative().optional(),
  errorDescription: z.string().optional(),
  /**
   * The RFC 8707 `resource` sent to the authorization server, exactly as the protected resource
   * metadata states it, when it differs from `resource` (the server URL the tokens are kept under).
   */
  resourceIndicator: z.string().optional(),
  /**
   * The DPoP key (RFC 9449) the code will be exchanged with, made when the consent began so a
   * callback in another process can use it. A secret of this store, like `codeVerifier`.
   */
  dpopKey: dpopKeySchema.optional(),
  /**
   * How the consent reaches the person; absent means `redirect`. A `ciba` or `device` consent
   * has no callback: `state` and `codeVerifier` are random values that are never sent, and the
   * consent settles by polling the token endpoint.
   */
  channel: consentChannelSchema.optional(),
  /**
   * CIBA `auth_req_id` (CIBA Core §7.3): what the token endpoint is polled with. A secret of this
   * store, like `codeVerifier`: it never leaves it in an event, an interrupt payload or an error.
   */
  authReqId: z.string().min(1).optional(),
  /** RFC 8628 `device_code` (§3.2): what the token endpoint is polled with. A secret of this store. */
  deviceCode: z.string().min(1).optional(),
  /** Seconds between polls the authorization server asked for (RFC 8628 §3.2, CIBA Core §7.3). */
  pollInterval: z.number().int().positive().optional(),
  /** CIBA: the text shown on both sides. */
  bindingMessage: z.string().optional(),
  /** Device authorization: the code the person types (meant to be shown, not a secret of the grant). */
  userCode: z.string().optional(),
  verificationUri: z.string().optional(),
  verificationUriComplete: z.string().optional(),
  /**
   * URL-mode elicitation (MCP 2025-11-25): the id the MCP server gave it. Such a consent has no
   * callback either (`state` and `codeVerifier` are random values never sent, `redirectUri` is
   * empty so no OAuth consent joins it): it settles when the server reports completion or the
   * person says they are done. `authorizationUrl` is the server's URL.
   */
  elicitationId: z.string().min(1).optional(),
  /** URL-mode elicitation: the server's words for why the person should open the URL. */
  message: z.string().optional(),
});

export type ConsentRecord = z.infer<typeof consentRecordSchema>;

/**
 * Async storage of consents. `settle` is the one write that must be atomic: it is how a
 * callback is accepted exactly once, even when two arrive together.
 */
export interface ConsentStore {
  /** @throws {AuthbusError} `DUPLICATE_CONSENT` when the consent id or its `state` is already stored. */
  create(record: ConsentRecord): Promise<void>;

  get(consentId: string): Promise<ConsentRecord | undefined>;
  findByState(state: string): Promise<ConsentRecord | undefined>;
  /** Pending consents for (subject, resource), oldest first. */
  findPending(subject: string, resource: string): Promise<ConsentRecord[]>;
  /**
   * Moves a consent from `pending` to `status`. Returns `false`, changing nothing, when it
   * was not pending (already settled by another callback, a denial or expiry).
   */
  settle(consentId: string, status: Exclude<ConsentStatus, "pending">): Promise<boolean>;
  /**
   * Optional, for stores shared by several processes: claims the right to exchange a consent's
   * authorization code for `ttlMs`, so that of two callbacks for one consent landing on two
   * workers only one sends the code (a second exchange of a code is refused, and RFC 6749
   * §4.1.2 lets the server revoke the tokens the first one got). Resolves to `undefined` while
   * another process holds the claim, and when the consent is not pending (checked atomically
   * with taking the claim, so a consent settled by another worker is never claimed). Without it,
   * callbacks are accepted once per process only.
   */
  claimCompletion?(consentId: string, ttlMs: number): Promise<Lease | undefined>;
}

/** A {@link ConsentStore} in process memory. */
export class MemoryConsentStore implements ConsentStore {
  readonly #records = new Map<string, ConsentRecord>();
  readonly #byState = new Map<string, string>();

  async create(record: ConsentRecord): Promise<void> {
    const stored = consentRecordSchema.parse(record);
    stored.resource = checkTokenKey(stored).resource;
    if (this.#records.has(stored.consentId) || this.#byState.has(stored.state)) {
      // Ids and states are single-use.
      throw new AuthbusError({
        code: "DUPLICATE_CONSENT",
        message: `a consent with id ${stored.consentId} or the same state already exists`,
      });
    }
    this.#records.set(stored.consentId, stored);
    this.#byState.set(stored.state, stored.consentId);
  }

  async get(consentId: string): Promise<ConsentRecord | undefined> {
    const found = this.#records.get(consentId);
    return found ? structuredClone(found) : undefined;
  }

  async findByState(state: string): Promise<ConsentRecord | undefined> {
    const consentId = this.#byState.get(state);
    return consentId === undefined ? undefined : this.get(consentId);
  }

  async findPending(subject: string, resource: string): Promise<ConsentRecord[]> {
    const key = checkTokenKey({ subject, resource });
    const pending: ConsentRecord[] = [];
    for (const record of this.#records.values()) {
      if (record.status === "pending" && record.subject === key.subject && record.resource === key.resource) {
        pending.push(structuredClone(record));
      }
    }
    return pending.sort((a, b) => a.createdAt - b.createdAt);
  }

  async settle(consentId: string, status: Exclude<ConsentStatus, "pending">): Promise<boolean> {
    const record = this.#records.get(consentId);
    if (record?.status !== "pending") return false;
    record.status = status;
    return true;
  }
}
