/**
 * @module Access tokens a resource server has verified already: one presented again (every
 * request of a session carries it) has its signature checked once, its time checked each time.
 */
import type { JWTPayload } from "jose";

/** At most this many tokens are remembered; the oldest is forgotten first. */
const MAX_REMEMBERED = 4_096;

/**
 * Payloads of verified JWT access tokens, keyed by the token. Only a token whose signature,
 * issuer, audience and type were checked is remembered; revocation is not cached (the caller
 * asks the ledger on every request).
 */
export class VerifiedTokens {
  readonly #payloads = new Map<string, JWTPayload>();

  /**
   * The payload of `token` if it was verified before and is still within its time: RFC 7519
   * §4.1.4 (`exp`) and §4.1.5 (`nbf`), with no clock tolerance, as `jwtVerify` checks them.
   */
  get(token: string, nowSeconds: number): JWTPayload | undefined {
    const payload = this.#payloads.get(token);
    if (!payload) return undefined;
    const expired = typeof payload.exp === "number" && payload.exp <= nowSeconds;
    const early = typeof payload.nbf === "number" && payload.nbf > nowSeconds;
    if (expired || early) {
      this.#payloads.delete(token);
      return undefined;
    }
    return payload;
  }

  /** Remembers a token `jwtVerify` accepted. */
  remember(token: string, payload: JWTPayload): void {
    if (this.#payloads.size >= MAX_REMEMBERED) {
      const oldest = this.#payloads.keys().next();
      if (!oldest.done) this.#payloads.delete(oldest.value);
    }
    this.#payloads.set(token, payload);
  }
}
