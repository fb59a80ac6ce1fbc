/** @module The check every lifetime and interval option shares: a positive whole number of seconds. */
import { TESTKIT_ERROR_CODES, TestkitError } from "../errors/testkit-error.js";

/**
 * @throws {TestkitError} `TESTKIT_INVALID_OPTIONS` unless `value` is absent or a positive whole number.
 */
export function assertPositiveSeconds(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
    throw new TestkitError(
      TESTKIT_ERROR_CODES.invalidOptions,
      `${name} must be a positive whole number of seconds`,
    );
  }
}
