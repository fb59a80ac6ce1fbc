/** @module The base class of every error authbus throws: a `code`, a message, a cause, and a safe `toJSON()`. */

import type { AuthbusErrorCode } from "./authbus-error-codes.js";

/**
 * The brand every authbus error carries on its prototype. `Symbol.for` gives the same symbol to
 * every installed copy of `@authbus/core`, so {@link isAuthbusError} agrees across copies where
 * `instanceof` would not.
 */
export const authbusErrorBrand: symbol = Symbol.for("authbus.error");

/** What every authbus error is built from; subclasses add their own fields to it. */
export interface AuthbusErrorOptions<C extends AuthbusErrorCode = AuthbusErrorCode> {
  code: C;
  /** What went wrong, for a person. Never a token, a secret, an assertion or a header value. */
  message: string;
  /** The error that led to this one, passed through as ES2022 `cause`. Never serialised unless it is an authbus error. */
  cause?: unknown;
}

/** What `toJSON()` returns: name, code, message, the error's own non-secret fields, and an authbus cause. */
export interface AuthbusErrorJSON<C extends AuthbusErrorCode = AuthbusErrorCode> {
  name: string;
  code: C;
  message: string;
  cause?: AuthbusErrorJSON;
  [field: string]: unknown;
}

/**
 * An error of authbus: one `code` from {@link AuthbusErrorCode}, a message, the `cause` passed
 * through, and the fields of its subclass. Every package throws this class or a subclass of it,
 * built the same way: `new X({ ...fields, message?, cause? })` (trpc's `TRPCError` shape).
 * Recognise it with {@link isAuthbusError}, not `instanceof`.
 *
 * `toJSON()` (and so `JSON.stringify`) carries the name, code, message and the own enumerable
 * fields; never the stack, never a cause that is not an authbus error (it may hold a response
 * body), and never a field kept non-enumerable (the response `headers` of an
 * `AuthChallengeError`, the raw `input` of a `WWWAuthenticateParseError`). No field holds a
 * token, a secret, an assertion, a code verifier, a `state` or an `Authorization` header.
 *
 * @example
 * throw new AuthbusError({ code: "INVALID_TOKEN_SET", message: "expires_at must be a number" });
 */
export class AuthbusError<C extends AuthbusErrorCode = AuthbusErrorCode> extends Error {
  static {
    Object.defineProperty(AuthbusError.prototype, authbusErrorBrand, { value: true });
  }

  override readonly name: string = "AuthbusError";
  readonly code: C;

  constructor(options: AuthbusErrorOptions<C>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }

  /** A plain summary with no stack, no foreign cause and no non-enumerable field. */
  toJSON(): AuthbusErrorJSON<C> {
    const json: AuthbusErrorJSON<C> = { name: this.name, code: this.code, message: this.message };
    for (const [field, value] of Object.entries(this)) {
      if (!(field in json) && field !== "cause" && field !== "stack") json[field] = value;
    }
    const cause: unknown = this.cause;
    if (isBranded(cause) && typeof cause.toJSON === "function") json.cause = cause.toJSON();
    return json;
  }
}

function isBranded(value: unknown): value is { toJSON?: () => AuthbusErrorJSON } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[authbusErrorBrand] === true
  );
}
