/** @module Following redirects hop by hop (WHATWG Fetch §4.4), so each hop decides anew whether the token goes along. */
import { redactUrl } from "@authbus/core";
import type { ReplayableRequest } from "./replayable-request.js";

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// The fetch standard's redirect limit (WHATWG Fetch §4.4 "HTTP-redirect fetch", step 5).
const MAX_REDIRECTS = 20;

/** Sends one hop; `redirected` is true for every hop after the first. */
export type FetchHop = (url: string, init: RequestInit, redirected?: boolean) => Promise<Response>;

/**
 * Sends `request` through `fetchOnce`, following redirects itself when the request's
 * `redirect` mode is `"follow"` (the default): at most 20, with 303 (and 301/302 after a POST)
 * turned into a GET without a body.
 *
 * @see WHATWG Fetch §4.4 "HTTP-redirect fetch"
 * @throws {TypeError} for more than 20 redirects, or a `Location` that is not a URL (as fetch does).
 */
export async function followRedirects(request: ReplayableRequest, fetchOnce: FetchHop): Promise<Response> {
  const redirect = request.init.redirect ?? "follow";
  if (redirect !== "follow") return fetchOnce(request.url, request.init);
  // Redirects are followed here, hop by hop, so Authorization never follows one to another origin.
  let url = request.url;
  let hopInit: RequestInit = { ...request.init, redirect: "manual" };
  for (let hop = 0; ; hop++) {
    const response = await fetchOnce(url, hopInit, hop > 0);
    const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get("location") : null;
    if (location === null) return response;
    if (hop === MAX_REDIRECTS) {
      await response.body?.cancel().catch(() => undefined);
      throw new TypeError(
        `fetch failed: more than ${MAX_REDIRECTS} redirects from ${redactUrl(request.url)}`,
      );
    }
    await response.body?.cancel().catch(() => undefined);
    try {
      url = new URL(location, url).href;
    } catch (error) {
      // WHATWG Fetch §4.4: a Location that does not parse is a network error (a TypeError, as fetch throws).
      throw new TypeError(`fetch failed: ${redactUrl(url)} redirected to a Location that is not a URL`, {
        cause: error,
      });
    }
    const method = (hopInit.method ?? "GET").toUpperCase();
    // WHATWG Fetch §4.4: 303 (other than HEAD), and 301/302 after POST, become a GET without a body.
    if (
      (response.status === 303 && method !== "HEAD") ||
      ((response.status === 301 || response.status === 302) && method === "POST")
    ) {
      const headers = new Headers(hopInit.headers);
      for (const name of [
        "content-type",
        "content-length",
        "content-encoding",
        "content-language",
        "content-location",
      ]) {
        headers.delete(name);
      }
      const { body: _body, ...rest } = hopInit;
      hopInit = { ...rest, method: "GET", headers };
    }
  }
}
