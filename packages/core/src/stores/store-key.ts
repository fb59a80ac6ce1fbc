/** @module Validation of the (subject, resource) key every store uses. */

export const INVALID_STORE_KEY = "INVALID_STORE_KEY" as const;

/** A subject or resource that cannot key a store entry. */
export class InvalidStoreKeyError extends Error {
  override readonly name = "InvalidStoreKeyError";
  readonly code = INVALID_STORE_KEY;
}

/** Recognises {@link InvalidStoreKeyError} by `name`/`code`. */
export function isInvalidStoreKeyError(error: unknown): error is InvalidStoreKeyError {
  return (
    error instanceof Error &&
    error.name === "InvalidStoreKeyError" &&
    (error as { code?: unknown }).code === INVALID_STORE_KEY
  );
}

/** Whose token for which protected resource. */
export interface TokenKey {
  /** The user (or agent identity) the token was granted to. */
  subject: string;
  /** The protected resource (RFC 8707 resource indicator / RFC 9728 `resource`). */
  resource: string;
}

/**
 * Normalises a resource indicator: an absolute `http(s)` URL without a fragment, in the
 * WHATWG serialisation, so `HTTP://Host:443/mcp` and `http://host:443/mcp` key the same entry.
 *
 * @see RFC 8707 §2 (absolute URI, no fragment)
 * @throws {InvalidStoreKeyError} for anything else.
 */
export function normalizeResource(resource: string): string {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new InvalidStoreKeyError(`resource ${JSON.stringify(resource)} is not an absolute URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidStoreKeyError(`resource ${JSON.stringify(resource)} must be an http(s) URL`);
  }
  // RFC 8707 §2: the resource indicator must not include a fragment.
  if (url.hash !== "") {
    throw new InvalidStoreKeyError(`resource ${JSON.stringify(resource)} must not have a #fragment`);
  }
  return url.href;
}

/**
 * Checks a store key and returns it normalised.
 *
 * @throws {InvalidStoreKeyError} when `subject` is empty or `resource` is not an http(s) URL.
 */
export function checkTokenKey(key: TokenKey): TokenKey {
  if (typeof key?.subject !== "string" || key.subject.length === 0) {
    throw new InvalidStoreKeyError("subject must be a non-empty string (the user the token belongs to)");
  }
  return { subject: key.subject, resource: normalizeResource(key.resource) };
}
