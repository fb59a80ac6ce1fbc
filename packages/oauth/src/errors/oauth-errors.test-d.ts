import { type AuthbusError, isAuthbusError } from "@authbus/core";
import { expectTypeOf } from "vitest";
import type { RefreshError } from "./oauth-errors.js";
import type { StoreCorruptError } from "./store-errors.js";

declare const error: unknown;

// This package's codes narrow to its classes through the AuthbusErrorMap augmentation.
if (isAuthbusError(error, "REFRESH_FAILED")) {
  expectTypeOf(error).toEqualTypeOf<RefreshError>();
  expectTypeOf(error.consentRequired).toEqualTypeOf<boolean>();
}
if (isAuthbusError(error, "STORE_CORRUPT"))
  expectTypeOf(error.problem).toEqualTypeOf<StoreCorruptError["problem"]>();
if (isAuthbusError(error)) expectTypeOf(error).toEqualTypeOf<AuthbusError>();
// @ts-expect-error not a code of the union
isAuthbusError(error, "NOT_A_CODE");
