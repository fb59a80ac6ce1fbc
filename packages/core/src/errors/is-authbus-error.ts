/** @module The one guard for every authbus error, narrowing by code. */

import type { BusMessageTooLargeError } from "../bus/bridge/bridge-auth-bus.js";
import type { InvalidAuthEventError } from "../events/auth-event-schemas.js";
import type { InvalidChallengeParameterError } from "../oauth-challenge/read-oauth-challenge.js";
import type { WWWAuthenticateFormatError } from "../www-authenticate/format.js";
import type { WWWAuthenticateParseError } from "../www-authenticate/parse-error.js";
import type { AuthChallengeError } from "./auth-challenge-error.js";
import { type AuthbusError, authbusErrorBrand } from "./authbus-error.js";
import type { AuthbusErrorCode } from "./authbus-error-codes.js";
import type { HeaderTooLargeError } from "./header-too-large-error.js";

/**
 * The error type of each code that has fields of its own. Each package adds its codes by module
 * augmentation (`declare module "@authbus/core" { interface AuthbusErrorMap { … } }`), so
 * `isAuthbusError(e, "REFRESH_FAILED")` gives a `RefreshError` wherever `@authbus/oauth` is
 * installed, without core importing it. A code not in the map narrows to `AuthbusError<code>`.
 */
export interface AuthbusErrorMap {
  AUTH_CHALLENGE: AuthChallengeError;
  HEADER_TOO_LARGE: HeaderTooLargeError;
  WWW_AUTHENTICATE_PARSE_ERROR: WWWAuthenticateParseError;
  WWW_AUTHENTICATE_FORMAT_ERROR: WWWAuthenticateFormatError;
  INVALID_CHALLENGE_PARAMETER: InvalidChallengeParameterError;
  INVALID_AUTH_EVENT: InvalidAuthEventError;
  BUS_MESSAGE_TOO_LARGE: BusMessageTooLargeError;
}

/** The error a code narrows to: its class from {@link AuthbusErrorMap}, else `AuthbusError<C>`. */
export type AuthbusErrorOf<C extends AuthbusErrorCode> = C extends keyof AuthbusErrorMap
  ? AuthbusErrorMap[C]
  : AuthbusError<C>;

/**
 * Recognises any authbus error, from any installed copy of authbus, and with `code` narrows it
 * to that code's error type. It checks the brand every `AuthbusError` carries
 * (`Symbol.for("authbus.error")`) and a string `code`, not `instanceof`, so an error thrown by
 * a second copy of `@authbus/core` (two versions in `node_modules`, a bundled copy) is still
 * recognised.
 *
 * @example
 * try {
 *   await client.callTool(call);
 * } catch (error) {
 *   if (isAuthbusError(error, "AUTH_CHALLENGE") && error.oauth?.error === "insufficient_scope") askAgain(error.oauth.scope);
 *   else if (isAuthbusError(error)) log.warn(error.toJSON());
 *   else throw error;
 * }
 * @throws Never; any value is accepted.
 */
export function isAuthbusError(error: unknown): error is AuthbusError;
export function isAuthbusError<C extends AuthbusErrorCode>(
  error: unknown,
  code: C,
): error is AuthbusErrorOf<C>;
export function isAuthbusError(error: unknown, code?: AuthbusErrorCode): boolean {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { code?: unknown } & Record<symbol, unknown>;
  if (candidate[authbusErrorBrand] !== true || typeof candidate.code !== "string") return false;
  return code === undefined || candidate.code === code;
}
