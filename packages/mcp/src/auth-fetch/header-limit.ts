/** @module An oversized response header block as a typed error rather than a bare `fetch failed`. */
import { maxHeaderSize } from "node:http";
import { HeaderTooLargeError } from "@authbus/core";
import type { FetchLike } from "./replayable-request.js";

/**
 * `send`, with the HTTP client's refusal of an oversized header block (undici's
 * `UND_ERR_HEADERS_OVERFLOW`, over `--max-http-header-size`) turned into a
 * {@link HeaderTooLargeError} instead of a bare `TypeError: fetch failed`.
 */
export function withHeaderLimit(send: FetchLike): FetchLike {
  return async (input, init) => {
    try {
      return await send(input, init);
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      if (code === "UND_ERR_HEADERS_OVERFLOW")
        throw new HeaderTooLargeError({ header: "*", limit: maxHeaderSize });
      throw error;
    }
  };
}
