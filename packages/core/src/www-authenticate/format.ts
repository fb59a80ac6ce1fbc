/** @module Serialise challenges back into a `WWW-Authenticate` field value (RFC 9110 §11.6.1). */
import { AuthbusError } from "../errors/authbus-error.js";
import type { Challenge } from "./challenge.js";
import { isToken, isToken68 } from "./parse.js";

/**
 * A challenge that has no RFC 9110 serialisation: a scheme or parameter name that is not a
 * token, a value with a control character, a malformed token68, or token68 mixed with params.
 * The message names the offending scheme or parameter but never repeats a value or token68,
 * which may be credential material.
 *
 * @see RFC 9110 §11.6.1
 * @example
 * try {
 *   formatWWWAuthenticate(challenges);
 * } catch (e) {
 *   if (!isAuthbusError(e, "WWW_AUTHENTICATE_FORMAT_ERROR")) throw e;
 *   console.warn(e.message, e.challengeIndex);
 * }
 */
export class WWWAuthenticateFormatError extends AuthbusError<"WWW_AUTHENTICATE_FORMAT_ERROR"> {
  override readonly name = "WWWAuthenticateFormatError";
  /** Index of the offending challenge in the array passed to {@link formatWWWAuthenticate}; -1 for an empty array. */
  readonly challengeIndex: number;

  constructor(options: { message: string; challengeIndex: number; cause?: unknown }) {
    super({ code: "WWW_AUTHENTICATE_FORMAT_ERROR", message: options.message, cause: options.cause });
    this.challengeIndex = options.challengeIndex;
  }
}

/**
 * Serialises challenges into one `WWW-Authenticate` field value, the inverse of
 * `parseWWWAuthenticate`: `parseWWWAuthenticate(formatWWWAuthenticate(x))` deep-equals `x`
 * when `x` has lower-case names.
 *
 * Every parameter value is written as a quoted-string (with `"` and `\` escaped): RFC 9110
 * §11.2 allows a bare token too, but RFC 6750 §3 spells each Bearer attribute as a
 * quoted-string and clients in the field read them that way. A token68 is written as is;
 * challenges are joined by `", "`.
 * Characters from U+0080 up are written as they are (obs-text, RFC 9110 §5.5); note that
 * `Headers` only accepts code points up to U+00FF.
 *
 * @see RFC 9110 §11.6.1 (WWW-Authenticate), §11.3 (challenge), §11.2 (auth-param),
 *   §5.6.2 (token), §5.6.4 (quoted-string)
 * @example
 * formatWWWAuthenticate([
 *   { scheme: "Bearer", params: { resource_metadata: "https://mcp.example.com/.well-known/oauth-protected-resource" } },
 *   { scheme: "Basic", params: { realm: "mcp" } },
 * ]);
 * // 'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", Basic realm="mcp"'
 * @throws {WWWAuthenticateFormatError} when the list is empty, a scheme or parameter name is not a token, two
 *   parameter names differ only in case, a value holds a control character other than HTAB,
 *   a token68 is not token68 syntax, a value is not a string, or a challenge has both a token68
 *   and parameters.
 */
export function formatWWWAuthenticate(challenges: readonly Challenge[]): string {
  if (challenges.length === 0) {
    // RFC 9110 §11.6.1: WWW-Authenticate = #challenge, and a sender must not send an empty list.
    throw new WWWAuthenticateFormatError({
      message: "expected at least one challenge, got an empty list",
      challengeIndex: -1,
    });
  }
  const parts: string[] = [];
  for (let index = 0; index < challenges.length; index++) {
    parts.push(formatChallenge(challenges[index] as Challenge, index));
  }
  return parts.join(", ");
}

function formatChallenge(challenge: Challenge, index: number): string {
  const { scheme, params, token68 } = challenge;
  if (!isToken(scheme)) {
    throw new WWWAuthenticateFormatError({
      message: `challenge ${index}: auth-scheme ${JSON.stringify(scheme)} is not a token (RFC 9110 §11.1)`,
      challengeIndex: index,
    });
  }
  const names = Object.keys(params);
  if (token68 !== undefined) {
    if (names.length > 0) {
      throw new WWWAuthenticateFormatError({
        message: `challenge ${index} (${scheme}): has both a token68 and parameters; RFC 9110 §11.3 allows one or the other`,
        challengeIndex: index,
      });
    }
    if (!isToken68(token68)) {
      // The token68 may be credential material, so it is not quoted in the message.
      throw new WWWAuthenticateFormatError({
        message: `challenge ${index} (${scheme}): token68 is not token68 syntax (RFC 9110 §11.2)`,
        challengeIndex: index,
      });
    }
    return `${scheme} ${token68}`;
  }
  if (names.length === 0) return scheme;

  const seen = new Set<string>();
  const parts: string[] = [];
  for (const name of names) {
    if (!isToken(name)) {
      throw new WWWAuthenticateFormatError({
        message: `challenge ${index} (${scheme}): parameter name ${JSON.stringify(name)} is not a token (RFC 9110 §11.2)`,
        challengeIndex: index,
      });
    }
    // Names are case-insensitive (RFC 9110 §11.2), so "Realm" and "realm" would be one parameter twice.
    const lower = name.toLowerCase();
    if (seen.has(lower)) {
      throw new WWWAuthenticateFormatError({
        message: `challenge ${index} (${scheme}): parameter name "${lower}" appears twice (names are case-insensitive)`,
        challengeIndex: index,
      });
    }
    seen.add(lower);
    parts.push(`${name}=${formatValue(params[name] as string, scheme, name, index)}`);
  }
  return `${scheme} ${parts.join(", ")}`;
}

function formatValue(value: string, scheme: string, name: string, index: number): string {
  if (typeof value !== "string") {
    throw new WWWAuthenticateFormatError({
      message: `challenge ${index} (${scheme}): parameter "${name}" has a ${typeof value} value; expected a string`,
      challengeIndex: index,
    });
  }
  // RFC 6750 §3: quoted even when the value is a token (`error="invalid_token"`).
  let out = '"';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      // quoted-pair (RFC 9110 §5.6.4): the only two characters that need a backslash.
      out += `${value.slice(from, i)}\\`;
      from = i;
    } else if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      throw new WWWAuthenticateFormatError({
        message: `challenge ${index} (${scheme}): parameter "${name}" holds control character U+${c
          .toString(16)
          .toUpperCase()
          .padStart(4, "0")} at offset ${i}, which a quoted-string cannot carry (RFC 9110 §5.6.4)`,
        challengeIndex: index,
      });
    }
  }
  return `${out + value.slice(from)}"`;
}
