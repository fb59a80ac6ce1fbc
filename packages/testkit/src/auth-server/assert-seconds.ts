/** @module The check every lifetime and interval option shares: a positive whole number of seconds. */
import { AuthbusError } from "@authbus/core";

/**
 * @throws {AuthbusError} `TESTKIT_INVALID_OPTIONS` unless `value` is absent or a positive whole number.
 */
export function assertPositiveSeconds(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
    throw new AuthbusError({
      code: "TESTKIT_INVALID_OPTIONS",
      message: `${name} must be a positive whole number of seconds`,
    });
  }
}
