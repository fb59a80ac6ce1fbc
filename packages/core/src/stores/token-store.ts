/** @module Where tokens live: the only place they live. */
import { z } from "zod";
import { dpopKeySchema } from "../dpop/dpop-key.js";
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

export const INVALID_TOKEN_SET = "INVALID_TOKEN_SET" as const;

/** A token set that is not shaped as {@link tokenSetSchema} says; the message names fields, never values. */
export class InvalidTokenSetError extends Error {
  override readonly name = "InvalidTokenSetError";
  readonly code = INVALID_TOKEN_SET;
}

/** Recognises {@link InvalidTokenSetError} by `name`/`code`. */
export function isInvalidTokenSetError(error: unknown): error is InvalidTokenSetError {
  return (
    error instanceof Error &&
    error.name === "InvalidTokenSetError" &&
    (error as { code?: unknown }).code === INVALID_TOKEN_SET
  );
}

/**
 * Validates a token set before it is stored.
 *
 * @throws {InvalidTokenSetError} naming the fields that are wrong (never their values).
 */
export function checkTokenSet(tokens: unknown): TokenSet {
  const result = tokenSetSchema.safeParse(tokens);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => issue.path.join(".") || "(token set)");
  // zod's own messages are not used: some quote the rejected input, which may be a token.
  throw new InvalidTokenSetError(`invalid token set: check ${[...new Set(fields)].join(", ")}`);
}

/**
 * Async storage of tokens keyed by (subject, resource). Implementations keep tokens out of
 * everything else; a token obtained for one resource is only ever returned for that resource.
 */
export interface TokenStore {
  get(key: TokenKey): Promise<TokenSet | undefined>;
  set(key: TokenKey, tokens: TokenSet): Promise<void>;
  delete(key: TokenKey): Promise<void>;
}

/**
 * Refreshes the tokens held for `key` (RFC 6749 §6), stores the new set (the rotated refresh
 * token included) and returns it. Callers may call it concurrently; implementations keep one
 * refresh in flight per key. It rejects when the authorization server refuses.
 */
export type TokenRefresher = (key: TokenKey) => Promise<TokenSet>;

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

  async get(key: TokenKey): Promise<TokenSet | undefined> {
    const found = this.#entries.get(keyOf(key));
    return found ? structuredClone(found) : undefined;
  }

  /** @throws {InvalidTokenSetError} when `tokens` is not a valid {@link TokenSet}. */
  async set(key: TokenKey, tokens: TokenSet): Promise<void> {
    const stored = checkTokenSet(tokens);
    this.#entries.set(keyOf(key), structuredClone(stored));
  }

  async delete(key: TokenKey): Promise<void> {
    this.#entries.delete(keyOf(key));
  }
}
