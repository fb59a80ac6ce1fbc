/** @module How every oauth4webapi request is sent: a custom web-standard `fetch`, plain HTTP on loopback only, a timeout, the app's abort signal, and a network policy for URLs servers hand us. */
import * as oauth from "oauth4webapi";
import { UrlRefusedError } from "../errors/request-errors.js";
import { addressKind } from "./network-policy.js";
import { sendBounded } from "./send-request.js";

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
  /**
   * How long one request may take, in milliseconds, until the last byte of its answer. Default
   * `DEFAULT_REQUEST_TIMEOUT_MS` (30 s). A request that runs out fails with a
   * `RequestTimeoutError` (as the `cause` of the step's own error).
   */
  timeoutMs?: number;
  /**
   * Aborts every request sent with these options (combined with the timeout); an aborted request
   * fails with a `RequestAbortedError`.
   */
  signal?: AbortSignal;
  /**
   * Let servers point metadata and endpoint fetches at literal private (10/8, 172.16/12,
   * 192.168/16, 100.64/10, fc00::/7), loopback (127/8, ::1, `localhost`), link-local
   * (169.254/16, fe80::/10) or unspecified (0.0.0.0, ::) addresses on any host. Default `false`:
   * such a URL is refused (`UrlRefusedError`, reason `private_network`) unless it is on the very
   * host of the resource (or issuer) the app itself asked about, so an app that talks to an MCP
   * server on 127.0.0.1 still reaches that server's metadata and an authorization server on
   * 127.0.0.1, while a public server can never steer a request into the app's network. Set it
   * when MCP servers and authorization servers live on different hosts of a private network.
   */
  allowPrivateNetworks?: boolean;
}

/** The transport options of `options`, without anything else it carries (a copy, for sharing). */
export function pickHttpOptions(options: HttpOptions): HttpOptions {
  const http: HttpOptions = {};
  if (options.fetch) http.fetch = options.fetch;
  if (options.allowHttpLoopback !== undefined) http.allowHttpLoopback = options.allowHttpLoopback;
  if (options.timeoutMs !== undefined) http.timeoutMs = options.timeoutMs;
  if (options.signal !== undefined) http.signal = options.signal;
  if (options.allowPrivateNetworks !== undefined) http.allowPrivateNetworks = options.allowPrivateNetworks;
  return http;
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
 * The oauth4webapi request options for a request to `url`: a fetch bounded by `timeoutMs`,
 * `signal` and `MAX_RESPONSE_BODY_BYTES` (through the custom fetch, or the global one) and, for
 * an `http:` loopback URL when allowed, `allowInsecureRequests`.
 */
export function requestOptions<Method = "POST", Body = unknown>(
  url: string | URL,
  http: HttpOptions,
): oauth.HttpRequestOptions<Method, Body> {
  const options: oauth.HttpRequestOptions<Method, Body> = {};
  // Every request gets a timeout and the app's signal; a hung server never holds a flow for good.
  options[oauth.customFetch] = (target, init) => sendBounded(target, init as unknown as RequestInit, http);
  if ((http.allowHttpLoopback ?? true) && isLoopback(url) && protocolOf(url) === "http:") {
    options[oauth.allowInsecureRequests] = true;
  }
  return options;
}

function protocolOf(url: string | URL): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a plain-HTTP URL that is not loopback (or loopback when not allowed).
 *
 * @throws {UrlRefusedError} naming the URL (reason `insecure_scheme`, or `invalid_url`).
 */
export function assertSecureUrl(url: string | URL, http: HttpOptions): void {
  const parsed = parseUrl(url, "URL");
  if (parsed.protocol === "https:") return;
  if (parsed.protocol === "http:" && (http.allowHttpLoopback ?? true) && isLoopback(parsed)) return;
  throw new UrlRefusedError({
    reason: "insecure_scheme",
    url: parsed.origin,
    what: "URL",
    detail: "it must use https: (plain http is allowed only on loopback)",
  });
}

function parseUrl(value: string | URL, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new UrlRefusedError({
      reason: "invalid_url",
      url: "",
      what: what,
      detail: `${JSON.stringify(String(value).slice(0, 200))} is not an absolute URL`,
    });
  }
}

/**
 * Checks a URL a server handed us before anything is fetched from it (or sent to it): it must
 * parse, use `https:` (or `http:` on loopback, see `allowHttpLoopback`), carry no user name or
 * password, and — unless `allowPrivateNetworks` — not name a literal private, loopback,
 * link-local or unspecified address, except on `anchor`'s own host (the resource or issuer the
 * app itself asked about: a server may point at itself, never into the app's network).
 *
 * Only the URL's text is checked: IP literals in every form the WHATWG URL parser normalises
 * (`2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`) and `localhost`. Host names are not resolved,
 * so a public name whose DNS answer is private is not caught here (DNS checks are optional; pass
 * a `fetch` whose dispatcher checks resolved addresses to close that gap).
 *
 * @see RFC 9728 §7.7 (SSRF), RFC 6761 §6.3 (localhost)
 * @example
 * checkServerUrl(challenge.resourceMetadata, "resource_metadata", http, resourceUrl);
 * @throws {UrlRefusedError} with `reason` `invalid_url`, `insecure_scheme`, `credentials` or `private_network`.
 */
export function checkServerUrl(value: string, what: string, http: HttpOptions, anchor?: URL): URL {
  const url = parseUrl(value, what);
  const shown = `${url.origin}${url.pathname}`;
  const plainLoopback = url.protocol === "http:" && (http.allowHttpLoopback ?? true) && isLoopback(url);
  if (url.protocol !== "https:" && !plainLoopback) {
    throw new UrlRefusedError({
      reason: "insecure_scheme",
      url: shown,
      what: what,
      detail: "it must use https: (plain http is allowed only on loopback)",
    });
  }
  if (url.username !== "" || url.password !== "") {
    throw new UrlRefusedError({
      reason: "credentials",
      url: shown,
      what: what,
      detail: "a URL with a user name or password is not fetched",
    });
  }
  const kind = addressKind(url.hostname);
  // RFC 9728 §7.7: a server-supplied URL must not reach internal addresses (SSRF).
  if (kind !== "public" && http.allowPrivateNetworks !== true && anchor?.hostname !== url.hostname) {
    throw new UrlRefusedError({
      reason: "private_network",
      url: shown,
      what: what,
      detail: `${url.hostname} is a ${kind.replace("_", "-")} address; set allowPrivateNetworks: true to allow it`,
    });
  }
  return url;
}

/** Sends a GET for JSON through the configured fetch (for URLs oauth4webapi does not build itself). */
export async function getJson(url: URL, http: HttpOptions): Promise<Response> {
  assertSecureUrl(url, http);
  return sendBounded(
    url.href,
    { method: "GET", headers: { accept: "application/json" }, redirect: "manual" },
    http,
  );
}
