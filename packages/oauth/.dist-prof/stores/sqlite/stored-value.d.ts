/**
 * Parses the JSON `text` stored in `table` for `row` and checks it with `check` (a zod parse or
 * a `checkX` function).
 *
 * @throws {StoreCorruptError} `invalid_json` when `text` is not JSON, `invalid_record` when
 *   `check` throws; never a `SyntaxError` or a schema error (whose issues could quote values).
 */
export declare function readStored<T>(table: string, row: string, text: string, check: (value: unknown) => T): T;
/**
 * `value` as a plain object, for spreading into a record before its schema check.
 *
 * @throws {TypeError} for anything else (inside a `readStored` check, an `invalid_record`).
 */
export declare function asObject(value: unknown): Record<string, unknown>;
