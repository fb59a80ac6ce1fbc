/** @module The typed error of a SQLite store value that cannot be read back. */

import { AuthbusError } from "@authbus/core";

/**
 * What was wrong with a stored value: not a sealed value at all (`unreadable`); sealed, but the
 * AES-GCM tag does not verify under this key and row (`tampered`: changed, moved to another row,
 * or written under another key); decrypted but not JSON (`invalid_json`); JSON that fails the
 * record's schema (`invalid_record`).
 */
export type StoreCorruption = "unreadable" | "tampered" | "invalid_json" | "invalid_record";

const corruptionText: Record<StoreCorruption, string> = {
  unreadable: "is not a sealed value",
  tampered: "does not verify (changed, moved from another row, or sealed under another secret)",
  invalid_json: "does not hold JSON",
  invalid_record: "does not match the record schema",
};

/**
 * A stored row that cannot be turned back into what was written. The message names the table
 * and the row's key (subject, resource, consent id or issuer), never a value, a token or a
 * secret; no crypto or JSON error is kept as `cause`.
 *
 * @example
 * if (isAuthbusError(error, "STORE_CORRUPT")) await stores.tokens.delete(key); // forget it and consent again
 */
export class StoreCorruptError extends AuthbusError<"STORE_CORRUPT"> {
  override readonly name = "StoreCorruptError";
  readonly problem: StoreCorruption;
  readonly table: string;

  constructor(options: { problem: StoreCorruption; table: string; row: string }) {
    super({
      code: "STORE_CORRUPT",
      message: `the stored value in ${options.table} for ${options.row} ${corruptionText[options.problem]}`,
    });
    this.problem = options.problem;
    this.table = options.table;
  }
}
