/** @module Short, non-reversible names for tokens, for records and messages. */
import { createHash } from "node:crypto";

/**
 * Names a token without revealing it: `fp_` and the first 72 bits of its SHA-256, base64url —
 * the same value `fingerprintToken` of `@authbus/core` gives, computed synchronously.
 */
export function fingerprintToken(token: string): string {
  return `fp_${createHash("sha256").update(token).digest().subarray(0, 9).toString("base64url")}`;
}

/** Reads a JWT's payload without verifying it (for records only, never for decisions). */
export function peekJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  if (part === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A JWT `aud` claim as a list (RFC 7519 §4.1.3 allows a string or an array). */
export function audienceList(aud: unknown): string[] {
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === "string");
  return [];
}
