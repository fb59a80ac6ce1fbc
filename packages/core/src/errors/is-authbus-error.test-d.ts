import { expectTypeOf } from "vitest";
import type { AuthChallengeError } from "./auth-challenge-error.js";
import type { AuthbusError } from "./authbus-error.js";
import type { AuthbusErrorCode } from "./authbus-error-codes.js";
import { isAuthbusError } from "./is-authbus-error.js";

declare const error: unknown;

if (isAuthbusError(error)) {
  expectTypeOf(error).toEqualTypeOf<AuthbusError>();
  expectTypeOf(error.code).toEqualTypeOf<AuthbusErrorCode>();
}
// A code with its own class narrows to it.
if (isAuthbusError(error, "AUTH_CHALLENGE")) {
  expectTypeOf(error).toEqualTypeOf<AuthChallengeError>();
  expectTypeOf(error.headers).toEqualTypeOf<Headers>();
}
// A code without one narrows to the base class with that code.
if (isAuthbusError(error, "INVALID_TOKEN_SET"))
  expectTypeOf(error).toEqualTypeOf<AuthbusError<"INVALID_TOKEN_SET">>();
// @ts-expect-error not a code of the union
isAuthbusError(error, "NOT_A_CODE");
