/** @module Validation of the (subject, resource) key every store uses. */

import { AuthbusError } from "../errors/authbus-error.js";

/** A subject or resource that cannot key a store entry. */
function invalidStoreKey(message: string): AuthbusError<"INVALID_STORE_KEY"> {
  return new AuthbusError({ code: "INVALID_STORE_KEY", message });
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
 * @throws {AuthbusError} `INVALID_STORE_KEY` for anything else.
 */
export function normalizeResource(resource: string): string {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw invalidStoreKey(`resource ${JSON.stringify(resource)} is not an absolute URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalidStoreKey(`resource ${JSON.stringify(resource)} must be an http(s) URL`);
  }
  // RFC 8707 §2: the resource indicator must not include a fragment.
  if (url.hash !== "") {
    throw invalidStoreKey(`resource ${JSON.stringify(resource)} must not have a #fragment`);
  }
  return url.href;
}

/**
 * Checks a store key and returns it normalised.
 *
 * @throws {AuthbusError} `INVALID_STORE_KEY` when `subject` is empty or `resource` is not an http(s) URL.
 */
export function checkTokenKey(key: TokenKey): TokenKey {
  if (typeof key?.subject !== "string" || key.subject.length === 0) {
    throw invalidStoreKey("subject must be a non-empty string (the user the token belongs to)");
  }
  return { subject: key.subject, resource: normalizeResource(key.resource) };
}
