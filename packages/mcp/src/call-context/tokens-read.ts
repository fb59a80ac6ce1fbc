/**
 * @module The tokens a tool call has just read from the store, handed to its first request, so a
 * call reads its token once.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { TokenKey, TokenSet } from "@authbus/core";

interface TokensRead {
  key: TokenKey;
  /** Cleared once taken, or when the call ends: the context holds no token after. */
  tokens: TokenSet | undefined;
}

const reads = new AsyncLocalStorage<TokensRead>();

/**
 * Runs `fn` with `tokens`, just read from the store for `key`, offered to the first request
 * {@link authFetch} sends for that key inside `fn`; that request uses them instead of reading
 * the store again. Every later request reads the store, as does a request for another key.
 * The offer ends with `fn`, so no async work outliving the call keeps the tokens.
 *
 * @example
 * const held = await tokens.get(key);
 * if (held) await runWithTokensRead(key, held, () => tool.invoke(args));
 */
export async function runWithTokensRead<T>(
  key: TokenKey,
  tokens: TokenSet,
  fn: () => Promise<T>,
): Promise<T> {
  const read: TokensRead = { key, tokens };
  try {
    return await reads.run(read, fn);
  } finally {
    read.tokens = undefined;
  }
}

/**
 * The tokens offered by the nearest {@link runWithTokensRead} for `key` (subject and normalised
 * resource), once: a second take, or one for another key, gets `undefined`.
 */
export function takeTokensRead(key: TokenKey): TokenSet | undefined {
  const read = reads.getStore();
  if (read?.tokens === undefined) return undefined;
  if (read.key.subject !== key.subject || read.key.resource !== key.resource) return undefined;
  const { tokens } = read;
  read.tokens = undefined;
  return tokens;
}
