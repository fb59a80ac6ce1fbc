/**
 * @module The consent state machine: a pending consent becomes granted, denied or expired once in
 * the store, and only the caller whose settle won announces it on the bus.
 */
import {
  type AuthBus,
  type ConsentRecord,
  type ConsentStatus,
  type ConsentStore,
  fingerprintToken,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import type * as oauth from "oauth4webapi";
import { toTokenSet } from "../shared/token-set.js";

/** Where a consent happened, for events. */
export interface EventWhere {
  serverName: string;
  resource: string;
  subject: string;
  callId?: string;
}

/** What {@link createConsentTransitions} needs. */
export interface ConsentTransitionsDeps {
  store: ConsentStore;
  tokens: TokenStore;
  bus: AuthBus;
  now: () => number;
  /** Stops what runs for a consent that has ended here (its expiry timer, its polling). */
  release: (consentId: string) => void;
}

/** How {@link ConsentTransitions.grant} ended. */
export type GrantResult = { won: true; tokens: TokenSet } | { won: false; status: ConsentStatus | undefined };

/** The transitions of one consents instance; see {@link createConsentTransitions}. */
export interface ConsentTransitions {
  /** Where a consent happened, with the tool call it began in (known to this instance only). */
  where(record: ConsentRecord): EventWhere;
  /** Remembers the tool call a consent began in, for its events. */
  track(consentId: string, callId: string | undefined): void;
  /** Expires `record` if its time is up; returns whether it is still pending. */
  stillPending(record: ConsentRecord): Promise<boolean>;
  /** Settles as expired and emits `consent.expired` (once, whoever wins). */
  expire(record: ConsentRecord): Promise<void>;
  /** Settles as denied and emits `consent.denied`; returns whether this call settled it. */
  deny(record: ConsentRecord, error: string, errorDescription?: string): Promise<boolean>;
  /**
   * Stores the tokens of a token endpoint response, then settles as granted and emits
   * `consent.granted`. When the consent was settled meanwhile the previous tokens come back,
   * unless `keepIfGrantedElsewhere` and it was granted (then they are that grant's tokens).
   */
  grant(
    record: ConsentRecord,
    response: oauth.TokenEndpointResponse,
    options?: { keepIfGrantedElsewhere?: boolean },
  ): Promise<GrantResult>;
}

/**
 * The state machine over `store`: every settle is the store's atomic `pending → X`, so two
 * instances (or processes) racing on one consent agree on a single outcome and a single event.
 *
 * @see RFC 6749 §4.1.2.1, RFC 9449 §5
 */
export function createConsentTransitions(deps: ConsentTransitionsDeps): ConsentTransitions {
  const { store, tokens, bus, now } = deps;
  const callIds = new Map<string, string>();

  const where = (record: ConsentRecord): EventWhere => {
    const callId = callIds.get(record.consentId);
    return {
      serverName: record.serverName,
      resource: record.resource,
      subject: record.subject,
      ...(callId === undefined ? {} : { callId }),
    };
  };

  // Drops what this instance keeps for an ended consent.
  const forget = (consentId: string) => {
    callIds.delete(consentId);
    deps.release(consentId);
  };

  const expire = async (record: ConsentRecord): Promise<void> => {
    const settled = await store.settle(record.consentId, "expired");
    if (settled) bus.emit("consent.expired", { ...where(record), consentId: record.consentId });
    forget(record.consentId);
  };

  const grant: ConsentTransitions["grant"] = async (record, response, options = {}) => {
    const id = record.consentId;
    const tokenSet = toTokenSet(response, {
      requestedScopes: record.scopes,
      issuer: record.issuer,
      clientId: record.clientId,
      now: now(),
    });
    if (record.resourceIndicator !== undefined) tokenSet.resourceIndicator = record.resourceIndicator;
    // RFC 9449 §5: kept beside the tokens it binds (the refresh token too, for a public client).
    if (record.dpopKey !== undefined) tokenSet.dpopKey = record.dpopKey;
    // Stored before settling: if the store write fails the consent stays pending (its link
    // still works), rather than being granted with no token behind it.
    const tokenKey = { subject: record.subject, resource: record.resource };
    // The event's fingerprint is hashed (off the main thread) while the store writes run, so
    // the event is not a hash later than the settle.
    const fingerprint = fingerprintToken(tokenSet.accessToken);
    void fingerprint.catch(() => undefined);
    const previous = await tokens.get(tokenKey);
    await tokens.set(tokenKey, tokenSet);
    if (await store.settle(id, "granted")) {
      bus.emit("consent.granted", {
        ...where(record),
        consentId: id,
        scopes: tokenSet.scopes,
        tokenFingerprint: await fingerprint,
      });
      forget(id);
      return { won: true, tokens: tokenSet };
    }
    // Settled meanwhile (another worker): the new tokens are not kept.
    const restore = async () => {
      if (previous) await tokens.set(tokenKey, previous);
      else await tokens.delete(tokenKey);
    };
    let status: ConsentStatus | undefined;
    if (options.keepIfGrantedElsewhere) {
      status = (await store.get(id))?.status;
      if (status !== "granted") await restore();
    } else {
      await restore();
      status = (await store.get(id))?.status;
    }
    forget(id);
    return { won: false, status };
  };

  return {
    where,
    track(consentId, callId) {
      if (callId !== undefined) callIds.set(consentId, callId);
    },
    async stillPending(record) {
      if (record.status !== "pending") return false;
      if (now() < record.expiresAt) return true;
      await expire(record);
      return false;
    },
    expire,
    async deny(record, error, errorDescription) {
      const settled = await store.settle(record.consentId, "denied");
      if (settled) {
        bus.emit("consent.denied", {
          ...where(record),
          consentId: record.consentId,
          error,
          ...(errorDescription === undefined ? {} : { errorDescription }),
        });
      }
      forget(record.consentId);
      return settled;
    },
    grant,
  };
}
