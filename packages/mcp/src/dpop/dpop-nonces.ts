/** @module Resource servers' DPoP nonces (RFC 9449 §9), the latest per origin. */
import { parseWWWAuthenticate } from "@authbus/core";

/**
 * The latest `DPoP-Nonce` each server gave. A nonce is the server's, not a key's or a user's
 * (RFC 9449 §9), so one cache serves every `authFetch` of the process; bounded, oldest first.
 */
export class DPoPNonceCache {
  readonly #nonces = new Map<string, string>();
  readonly #max: number;

  constructor(maxOrigins = 100) {
    this.#max = maxOrigins;
  }

  /** The nonce to sign into a proof for `url`, if its server gave one. */
  get(url: string | URL): string | undefined {
    return this.#nonces.get(new URL(url).origin);
  }

  /**
   * Keeps the `DPoP-Nonce` of a response from `url` (a challenge or a success, RFC 9449 §9).
   * Returns whether it is a nonce not held before.
   */
  remember(url: string | URL, response: Response): boolean {
    const nonce = response.headers.get("dpop-nonce");
    // RFC 9449 §8.1: nonce = 1*NQCHAR (%x21 / %x23-5B / %x5D-7E).
    if (!nonce || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(nonce)) return false;
    const origin = new URL(url).origin;
    const fresh = this.#nonces.get(origin) !== nonce;
    this.#nonces.delete(origin);
    if (this.#nonces.size >= this.#max) {
      const oldest = this.#nonces.keys().next().value;
      if (oldest !== undefined) this.#nonces.delete(oldest);
    }
    this.#nonces.set(origin, nonce);
    return fresh;
  }
}

/** The process-wide cache `authFetch` uses by default. */
export const sharedDPoPNonces: DPoPNonceCache = new DPoPNonceCache();

/**
 * Whether a response asks for a proof with the server's nonce: a 401 with a `DPoP` challenge
 * whose error is `use_dpop_nonce` (RFC 9449 §9). An unparsable header is not such a request.
 */
export function isDPoPNonceChallenge(response: Response): boolean {
  if (response.status !== 401) return false;
  const header = response.headers.get("www-authenticate");
  if (header === null) return false;
  try {
    return parseWWWAuthenticate(header).some(
      (challenge) => challenge.scheme === "dpop" && challenge.params.error === "use_dpop_nonce",
    );
  } catch {
    return false;
  }
}
