/** @module Reading a stored value back: JSON and schema failures become a typed StoreCorruptError. */
import { StoreCorruptError } from "../../errors/store-errors.js";

/**
 * Parses the JSON `text` stored in `table` for `row` and checks it with `check` (a zod parse or
 * a `checkX` function).
 *
 * @throws {StoreCorruptError} `invalid_json` when `text` is not JSON, `invalid_record` when
 *   `check` throws; never a `SyntaxError` or a schema error (whose issues could quote values).
 */
export function readStored<T>(table: string, row: string, text: string, check: (value: unknown) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoreCorruptError({ problem: "invalid_json", table, row });
  }
  try {
    return check(value);
  } catch {
    throw new StoreCorruptError({ problem: "invalid_record", table, row });
  }
}

/**
 * `value` as a plain object, for spreading into a record before its schema check.
 *
 * @throws {TypeError} for anything else (inside a `readStored` check, an `invalid_record`).
 */
export function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("not an object");
  }
  return value as Record<string, unknown>;
}
