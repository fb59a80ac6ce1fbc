/** @module How every oauth4webapi request is sent: a custom web-standard `fetch`, and plain HTTP on loopback only. */
import * as oauth from "oauth4webapi";

/** A web-standard `fetch`: `(input, init) => Promise<Response>`. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Transport options shared by discovery, registration, consent and refresh. */
export interface HttpOptions {
  /** Used for every request instead of the global `fetch`. */
  fetch?: FetchLike;
  /**
   * Allow `http:` to loopback hosts (127.0.0.1, ::1, localhost) for local development and
   * tests. Default `true`. Any other host must use `https:`.
   */
  allowHttpLoopback?: boolean;
}

const loopbackHosts = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Tells whether `url` is on a loopback host. */
export function isLoopback(url: string | URL): boolean {
  try {
    const { hostname } = new URL(url);
    return loopbackHosts.has(hostname) || hostname.startsWith("127.");
  } catch {
    return false;
  }
}

/**
 * The oauth4webapi request options for a request to `url`: the custom fetch and, for an
 * `http:` loopback URL when allowed, `allowInsecureRequests`.
 */
export function requestOptions<Method = "POST", Body = unknown>(
  url: string | URL,
  http: HttpOptions,
): oauth.HttpRequestOptions<Method, Body> {
  const options: oauth.HttpRequestOptions<Method, Body> = {};
  if (http.fetch) {
    const custom = http.fetch;
    options[oauth.customFetch] = (target, init) => custom(target, init as unknown as RequestInit);
  }
  if ((http.allowHttpLoopback ?? true) && new URL(url).protocol === "http:" && isLoopback(url)) {
    options[oauth.allowInsecureRequests] = true;
  }
  return options;
}

/**
 * Refuses a plain-HTTP URL that is not loopback (or loopback when not allowed).
 *
 * @throws {TypeError} naming the URL.
 */
export function assertSecureUrl(url: string | URL, http: HttpOptions): void {
  const parsed = new URL(url);
  if (parsed.protocol === "https:") return;
  if (parsed.protocol === "http:" && (http.allowHttpLoopback ?? true) && isLoopback(parsed)) return;
  throw new TypeError(`${parsed.origin} must use https: (plain http is allowed only on loopback)`);
}

/** Sends a GET for JSON through the configured fetch (for URLs oauth4webapi does not build itself). */
export async function getJson(url: URL, http: HttpOptions): Promise<Response> {
  assertSecureUrl(url, http);
  const send = http.fetch ?? fetch;
  return send(url.href, { method: "GET", headers: { accept: "application/json" }, redirect: "manual" });
}
