/** @module What the authorization server issued, and which of it a test has since invalidated. */
import { audienceList } from "../shared/fingerprint.js";

/** One access token the authorization server issued (no token value, only facts about it). */
export interface IssuedAccessToken {
  /** The JWT `jti`. */
  readonly jti: string;
  /** The `aud` values (RFC 8707: the resource the token was issued for). */
  readonly audience: readonly string[];
  readonly clientId: string | undefined;
  readonly subject: string | undefined;
  readonly scope: string | undefined;
  /** `authorization_code` or `refresh_token`. */
  readonly grantType: string | undefined;
  /** Seconds since the epoch. */
  readonly expiresAt: number | undefined;
  /** Short SHA-256 fingerprint of the token value, as the MCP server records it. */
  fingerprint: string | undefined;
  /** RFC 9449 §6: the thumbprint of the DPoP key a DPoP-bound token is bound to (`cnf.jkt`). */
  readonly jkt?: string | undefined;
}

/** Why {@link TokenLedger.status} says a token is not active. */
export type TokenInactiveReason =
  | "unknown"
  | "revoked"
  | "grant_revoked"
  | "user_revoked"
  | "expired_by_test";

/** The answer of {@link TokenLedger.status}. */
export type TokenStatus = { active: true } | { active: false; reason: TokenInactiveReason };

interface LedgerEntry extends IssuedAccessToken {
  readonly seq: number;
  readonly grantId: string | undefined;
}

/**
 * Keeps the record of issued JWT access tokens. JWT access tokens are self-contained, so a resource
 * server cannot learn of a revocation from the token; the protected MCP servers of this kit ask
 * the ledger (in process, or over `GET /testkit/token-status`) on every request instead.
 */
export class TokenLedger {
  readonly #entries = new Map<string, LedgerEntry>();
  readonly #revokedJtis = new Set<string>();
  readonly #revokedGrants = new Set<string>();
  readonly #revokedSubjects = new Map<string, number>();
  #seq = 0;
  #notBefore = 0;

  record(token: {
    jti: string;
    aud: unknown;
    clientId?: string | undefined;
    accountId?: string | undefined;
    scope?: string | undefined;
    gty?: string | undefined;
    exp?: number | undefined;
    grantId?: string | undefined;
    jkt?: string | undefined;
  }): void {
    this.#seq += 1;
    this.#entries.set(token.jti, {
      seq: this.#seq,
      jti: token.jti,
      audience: audienceList(token.aud),
      clientId: token.clientId,
      subject: token.accountId,
      scope: token.scope,
      grantType: token.gty,
      expiresAt: token.exp,
      grantId: token.grantId,
      fingerprint: undefined,
      ...(token.jkt === undefined ? {} : { jkt: token.jkt }),
    });
  }

  attachFingerprint(jti: string, fingerprint: string): void {
    const entry = this.#entries.get(jti);
    if (entry) entry.fingerprint = fingerprint;
  }

  has(jti: string): boolean {
    return this.#entries.has(jti);
  }

  grantOf(jti: string): string | undefined {
    return this.#entries.get(jti)?.grantId;
  }

  revokeJti(jti: string): void {
    this.#revokedJtis.add(jti);
  }

  revokeGrant(grantId: string): void {
    this.#revokedGrants.add(grantId);
  }

  revokeSubject(subject: string): void {
    this.#revokedSubjects.set(subject, this.#seq);
  }

  expireAll(): void {
    this.#notBefore = this.#seq;
  }

  status(jti: string): TokenStatus {
    const entry = this.#entries.get(jti);
    if (!entry) return { active: false, reason: "unknown" };
    if (this.#revokedJtis.has(jti)) return { active: false, reason: "revoked" };
    if (entry.grantId !== undefined && this.#revokedGrants.has(entry.grantId)) {
      return { active: false, reason: "grant_revoked" };
    }
    const subjectCut = entry.subject === undefined ? undefined : this.#revokedSubjects.get(entry.subject);
    if (subjectCut !== undefined && entry.seq <= subjectCut) return { active: false, reason: "user_revoked" };
    if (entry.seq <= this.#notBefore) return { active: false, reason: "expired_by_test" };
    return { active: true };
  }

  list(): IssuedAccessToken[] {
    return [...this.#entries.values()].map(({ seq: _seq, grantId: _grantId, ...rest }) => ({ ...rest }));
  }
}
