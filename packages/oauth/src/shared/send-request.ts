/** @module One bounded request: a timeout and the app's abort signal over the whole exchange, a capped body, typed errors. */
import { maxHeaderSize } from "node:http";
import { HeaderTooLargeError, redactUrl } from "@authbus/core";
import { LimitExceededError, RequestAbortedError, RequestTimeoutError } from "../errors/request-errors.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, MAX_RESPONSE_BODY_BYTES } from "./limits.js";

/** A web-standard `fetch`: `(input, init) => Promise<Response>`. */
export type SendFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What {@link sendBounded} needs besides the request. */
export interface BoundedRequestOptions {
  fetch?: SendFetch | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

// Statuses whose Response must have a null body (WHATWG Fetch "null body status").
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Sends one request through the configured fetch and reads its whole answer within
 * `timeoutMs` (default {@link DEFAULT_REQUEST_TIMEOUT_MS}), stopping when the app's `signal`
 * (or `init.signal`) aborts. The body is read here, at most {@link MAX_RESPONSE_BODY_BYTES}, and
 * handed back as a new `Response`, so the caller's own parsing cannot hang or overflow.
 *
 * The signal is passed to the fetch, and the wait is also raced against it: a fetch that ignores
 * its signal still cannot hold the caller past the timeout.
 *
 * @throws {RequestTimeoutError} when the time is up, {@link RequestAbortedError} when a signal
 *   aborted (never a `DOMException`), {@link LimitExceededError} for a body over the limit,
 *   `HeaderTooLargeError` (from `@authbus/core`) when the HTTP client refused the response
 *   headers as too large; other fetch failures as the fetch rejected.
 */
export async function sendBounded(
  url: string,
  init: RequestInit,
  options: BoundedRequestOptions,
): Promise<Response> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const external = [options.signal, init.signal ?? undefined].filter(
    (signal): signal is AbortSignal => signal !== undefined,
  );
  const stopped = (): Error => {
    const by = external.find((signal) => signal.aborted);
    return by
      ? new RequestAbortedError({ url, cause: by.reason })
      : new RequestTimeoutError({ url, timeoutMs });
  };
  if (external.some((signal) => signal.aborted)) throw stopped();
  const timeout = AbortSignal.timeout(timeoutMs);
  // AbortSignal.any only when there is a signal to combine with (it costs more than the timeout).
  const signal = external.length === 0 ? timeout : AbortSignal.any([...external, timeout]);
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(stopped());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const send: SendFetch = options.fetch ?? ((input, requestInit) => globalThis.fetch(input, requestInit));
  try {
    let response: Response;
    try {
      response = await Promise.race([send(url, { ...init, signal }), aborted]);
    } catch (error) {
      if (signal.aborted) throw stopped();
      throw fetchFailure(error);
    }
    return await readBounded(url, response, aborted, signal, stopped);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

// undici refuses a header block over --max-http-header-size with this code, as a TypeError cause.
function fetchFailure(error: unknown): unknown {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (code === "UND_ERR_HEADERS_OVERFLOW")
    return new HeaderTooLargeError({ header: "*", limit: maxHeaderSize });
  return error;
}

async function readBounded(
  url: string,
  response: Response,
  aborted: Promise<never>,
  signal: AbortSignal,
  stopped: () => Error,
): Promise<Response> {
  // A Response outside 200–599 (a network error, an opaque redirect) cannot be rebuilt; it has no body to read.
  if (response.status < 200 || response.status > 599) return response;
  const what = `the answer of ${redactUrl(url)}`;
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > MAX_RESPONSE_BODY_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw new LimitExceededError({
      limit: "response_body",
      max: MAX_RESPONSE_BODY_BYTES,
      actual: declared,
      what,
    });
  }
  let body: Uint8Array<ArrayBuffer> | null = null;
  if (response.body) {
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), aborted]);
        if (done) break;
        total += value.byteLength;
        // Refused, not truncated: a document cut short could still parse.
        if (total > MAX_RESPONSE_BODY_BYTES) {
          throw new LimitExceededError({
            limit: "response_body",
            max: MAX_RESPONSE_BODY_BYTES,
            actual: total,
            what,
          });
        }
        chunks.push(value);
      }
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      if (signal.aborted) throw stopped();
      throw error;
    }
    body = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  return new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
