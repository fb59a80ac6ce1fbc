/** @module Where tokens live: the only place they live. */
import { z } from "zod";
import { dpopKeySchema } from "../dpop/dpop-key.js";
import { AuthbusError } from "../errors/authbus-error.js";

import { checkLeaseTtl } from "./lease-store.js";
import type { RefreshLease, RefreshLeaseAttempt } from "./refresh-lease.js";
import { checkTokenKey, type TokenKey } from "./store-key.js";

/** Tokens for one (subject, resource), as the token endpoint issued them (RFC 6749 §5.1). */
export const tokenSetSchema = z.strictObject({
  accessToken: z.string().min(1),
  /** `Bearer` (RFC 6750) or `DPoP` (RFC 9449). */
  tokenType: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  /** Epoch milliseconds; absent when the server gave no `expires_in`. */
  expiresAt: z.number().int().optional(),
  /** The scopes granted (RFC 6749 §3.3). */
  scopes: z.array(z.string()),
  /** The authorization server that issued them, so a refresh goes back to it. */
  issuer: z.string().optional(),
  clientId: z.string().optional(),
  /**
   * The RFC 8707 `resource` they were issued for, when it differs from the store key's resource
   * (protected resource metadata may name the server's origin); a refresh asks for the same.
   */
  resourceIndicator: z.string().optional(),
  /**
   * The DPoP key these tokens were requested with (RFC 9449): it signs the proofs sent with a
   * `DPoP` access token and with every refresh (a public client's refresh token is bound to it
   * even when the access token is `Bearer`, RFC 9449 §5). A secret, as the tokens are.
   */
  dpopKey: dpopKeySchema.optional(),
});

export type TokenSet = z.infer<typeof tokenSetSchema>;

/**
 * Validates a token set before it is stored.
 *
 * @throws {AuthbusError} `INVALID_TOKEN_SET`, naming the fields that are wrong (never their values).
 */
export function checkTokenSet(tokens: unknown): TokenSet {
  const result = tokenSetSchema.safeParse(tokens);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => issue.path.join(".") || "(token set)");
  // zod's own messages are not used: some quote the rejected input, which may be a token.
  throw new AuthbusError({
    code: "INVALID_TOKEN_SET",
    message: `invalid token set: check ${[...new Set(fields)].join(", ")}`,
  });
}

/**
 * Async storage of tokens keyed by (subject, resource). Implementations keep tokens out of
 * everything else; a token obtained for one resource is only ever returned for that resource.
 */
export interface TokenStore {
  get(key: TokenKey): Promise<TokenSet | undefined>;
  /** Stores `tokens` for `key` (and moves the key's version on, for {@link RefreshLease}). */
  set(key: TokenKey, tokens: TokenSet): Promise<void>;
  delete(key: TokenKey): Promise<void>;
  /**
   * Optional: one refresh per key across every process sharing the store (see
   * {@link RefreshLeases} for the contract). A store without it coordinates refreshes within one
   * process only, so it must not be shared by several processes. Memory, SQLite and Postgres
   * stores offer it.
   */
  acquireRefreshLease?(key: TokenKey, ttlMs: number): Promise<RefreshLeaseAttempt>;
}

/** Options of one {@link TokenRefresher} call. */
export interface RefreshRequest {
  /**
   * The tokens the caller found wanting (those a 401 answered). When the stored tokens are no
   * longer these — another caller, in any process, already refreshed — they are returned as they
   * are and no grant is spent.
   */
  stale?: TokenSet;
}

/**
 * Refreshes the tokens held for `key` (RFC 6749 §6), stores the new set (the rotated refresh
 * token included) and returns it. Callers may call it concurrently; implementations keep one
 * refresh in flight per key (across processes when the store offers refresh leases). It rejects
 * when the authorization server refuses.
 */
export type TokenRefresher = (key: TokenKey, request?: RefreshRequest) => Promise<TokenSet>;

const keyOf = (key: TokenKey): string => {
  const { subject, resource } = checkTokenKey(key);
  return JSON.stringify([subject, resource]);
};

/**
 * A {@link TokenStore} in process memory: for tests, demos and single-process apps that may
 * lose tokens on restart. Values are copied in and out, so callers cannot change stored tokens.
 *
 * @example
 * const tokens = new MemoryTokenStore();
 * await tokens.set({ subject: "alice", resource: "https://mcp.example.com/mcp" }, tokenSet);
 */
export class MemoryTokenStore implements TokenStore {
  readonly #entries = new Map<string, TokenSet>();
  // Per key, kept across deletes so a version is never reused: writes and lease acquisitions.
  readonly #state = new Map<string, { version: number; fence: number; leaseUntil: number }>();

  #stateOf(id: string): { version: number; fence: number; leaseUntil: number } {
    let state = this.#state.get(id);
    if (!state) {
      state = { version: 0, fence: 0, leaseUntil: 0 };
      this.#state.set(id, state);
    }
    return state;
  }

  async get(key: TokenKey): Promise<TokenSet | undefined> {
    const found = this.#entries.get(keyOf(key));
    return found ? structuredClone(found) : undefined;
  }

  /** @throws {AuthbusError} `INVALID_TOKEN_SET` when `tokens` is not a valid {@link TokenSet}. */
  async set(key: TokenKey, tokens: TokenSet): Promise<void> {
    const stored = checkTokenSet(tokens);
    const id = keyOf(key);
    this.#entries.set(id, structuredClone(stored));
    this.#stateOf(id).version += 1;
  }

  async delete(key: TokenKey): Promise<void> {
    const id = keyOf(key);
    this.#entries.delete(id);
    this.#stateOf(id).version += 1;
  }

  /** Refresh leases within this process (a memory store is never shared by processes). */
  async acquireRefreshLease(key: TokenKey, ttlMs: number): Promise<RefreshLeaseAttempt> {
    checkLeaseTtl(ttlMs);
    const checked = checkTokenKey(key);
    const id = keyOf(checked);
    const state = this.#stateOf(id);
    const now = Date.now();
    const tokens = await this.get(checked);
    if (state.leaseUntil > now) {
      return { acquired: false, tokens, version: state.version, heldUntil: state.leaseUntil };
    }
    state.fence += 1;
    state.leaseUntil = now + ttlMs;
    const fence = state.fence;
    const version = state.version;
    const holds = (): boolean => state.fence === fence && state.version === version;
    const lease: RefreshLease = {
      key: checked,
      fence,
      expiresAt: state.leaseUntil,
      tokens,
      version,
      commit: async (next) => {
        const stored = checkTokenSet(next);
        if (!holds()) return false;
        await this.set(checked, stored);
        return true;
      },
      discard: async () => {
        if (!holds()) return false;
        await this.delete(checked);
        return true;
      },
      renew: async (next) => {
        checkLeaseTtl(next);
        if (state.fence !== fence) return false;
        state.leaseUntil = Date.now() + next;
        return true;
      },
      release: async () => {
        if (state.fence === fence) state.leaseUntil = 0;
      },
    };
    return { acquired: true, lease };
  }
}
