/** @module Turns fetch arguments into a request that can be sent more than once. */

/** The web-standard `fetch` signature, as the MCP SDK transports take it in their `fetch` option. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A request whose body can be sent again: a stream body has been read into memory. */
export interface ReplayableRequest {
  url: string;
  init: RequestInit;
}

function isStreamBody(body: unknown): boolean {
  if (body instanceof ReadableStream) return true;
  // Node's fetch also takes (async) iterables of bytes; they can be read only once too.
  return (
    typeof body === "object" &&
    body !== null &&
    !(body instanceof Blob) &&
    !(body instanceof FormData) &&
    !(body instanceof URLSearchParams) &&
    !(body instanceof ArrayBuffer) &&
    !ArrayBuffer.isView(body) &&
    (Symbol.asyncIterator in body || Symbol.iterator in body)
  );
}

/**
 * The arguments as they are when they are already replayable (no `Request`, no stream body), so
 * the common case costs no extra promise; `undefined` when {@link toReplayableRequest} must run.
 */
export function replayableAsIs(
  input: string | URL | Request,
  init: RequestInit | undefined,
): ReplayableRequest | undefined {
  if (input instanceof Request) return undefined;
  if (init !== undefined && isStreamBody(init.body)) return undefined;
  return { url: typeof input === "string" ? input : input.href, init: init ?? {} };
}

/**
 * Normalises `fetch(input, init)` arguments into a URL and an init whose body is replayable:
 * strings, buffers, blobs, form data and search params are kept as they are (they can be sent
 * again); a stream is read into an `ArrayBuffer` first.
 */
export async function toReplayableRequest(
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<ReplayableRequest> {
  if (input instanceof Request) {
    const request = init === undefined ? input : new Request(input, init);
    const body = request.body === null ? undefined : await request.arrayBuffer();
    return {
      url: request.url,
      init: {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        redirect: request.redirect,
        credentials: request.credentials,
        cache: request.cache,
        integrity: request.integrity,
        keepalive: request.keepalive,
        referrer: request.referrer,
        referrerPolicy: request.referrerPolicy,
        ...(body === undefined ? {} : { body }),
      },
    };
  }
  const url = typeof input === "string" ? input : input.href;
  if (init === undefined) return { url, init: {} };
  if (!isStreamBody(init.body)) return { url, init };
  const body = await new Response(init.body as BodyInit).arrayBuffer();
  const { duplex: _duplex, ...rest } = init as RequestInit & { duplex?: string };
  return { url, init: { ...rest, body } };
}
