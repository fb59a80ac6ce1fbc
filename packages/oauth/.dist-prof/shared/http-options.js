/** @module How every oauth4webapi request is sent: a custom web-standard `fetch`, plain HTTP on loopback only, a timeout, the app's abort signal, and a network policy for URLs servers hand us. */
import * as oauth from "oauth4webapi";
import { UrlRefusedError } from "../errors/request-errors.js";
import { addressKind } from "./network-policy.js";
import { sendBounded } from "./send-request.js";
/** The transport options of `options`, without anything else it carries (a copy, for sharing). */
export function pickHttpOptions(options) {
    const http = {};
    if (options.fetch)
        http.fetch = options.fetch;
    if (options.allowHttpLoopback !== undefined)
        http.allowHttpLoopback = options.allowHttpLoopback;
    if (options.timeoutMs !== undefined)
        http.timeoutMs = options.timeoutMs;
    if (options.signal !== undefined)
        http.signal = options.signal;
    if (options.allowPrivateNetworks !== undefined)
        http.allowPrivateNetworks = options.allowPrivateNetworks;
    return http;
}
const loopbackHosts = new Set(["127.0.0.1", "[::1]", "localhost"]);
/** Tells whether `url` is on a loopback host. */
export function isLoopback(url) {
    try {
        const { hostname } = new URL(url);
        return loopbackHosts.has(hostname) || hostname.startsWith("127.");
    }
    catch {
        return false;
    }
}
/**
 * The oauth4webapi request options for a request to `url`: a fetch bounded by `timeoutMs`,
 * `signal` and `MAX_RESPONSE_BODY_BYTES` (through the custom fetch, or the global one) and, for
 * an `http:` loopback URL when allowed, `allowInsecureRequests`.
 */
export function requestOptions(url, http) {
    const options = {};
    // Every request gets a timeout and the app's signal; a hung server never holds a flow for good.
    options[oauth.customFetch] = (target, init) => sendBounded(target, init, http);
    if ((http.allowHttpLoopback ?? true) && isLoopback(url) && protocolOf(url) === "http:") {
        options[oauth.allowInsecureRequests] = true;
    }
    return options;
}
function protocolOf(url) {
    try {
        return new URL(url).protocol;
    }
    catch {
        return undefined;
    }
}
/**
 * Refuses a plain-HTTP URL that is not loopback (or loopback when not allowed).
 *
 * @throws {UrlRefusedError} naming the URL (reason `insecure_scheme`, or `invalid_url`).
 */
export function assertSecureUrl(url, http) {
    const parsed = parseUrl(url, "URL");
    if (parsed.protocol === "https:")
        return;
    if (parsed.protocol === "http:" && (http.allowHttpLoopback ?? true) && isLoopback(parsed))
        return;
    throw new UrlRefusedError("insecure_scheme", parsed.origin, "URL", "it must use https: (plain http is allowed only on loopback)");
}
function parseUrl(value, what) {
    try {
        return new URL(value);
    }
    catch {
        throw new UrlRefusedError("invalid_url", "", what, `${JSON.stringify(String(value).slice(0, 200))} is not an absolute URL`);
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
export function checkServerUrl(value, what, http, anchor) {
    const url = parseUrl(value, what);
    const shown = `${url.origin}${url.pathname}`;
    const plainLoopback = url.protocol === "http:" && (http.allowHttpLoopback ?? true) && isLoopback(url);
    if (url.protocol !== "https:" && !plainLoopback) {
        throw new UrlRefusedError("insecure_scheme", shown, what, "it must use https: (plain http is allowed only on loopback)");
    }
    if (url.username !== "" || url.password !== "") {
        throw new UrlRefusedError("credentials", shown, what, "a URL with a user name or password is not fetched");
    }
    const kind = addressKind(url.hostname);
    // RFC 9728 §7.7: a server-supplied URL must not reach internal addresses (SSRF).
    if (kind !== "public" && http.allowPrivateNetworks !== true && anchor?.hostname !== url.hostname) {
        throw new UrlRefusedError("private_network", shown, what, `${url.hostname} is a ${kind.replace("_", "-")} address; set allowPrivateNetworks: true to allow it`);
    }
    return url;
}
/** Sends a GET for JSON through the configured fetch (for URLs oauth4webapi does not build itself). */
export async function getJson(url, http) {
    assertSecureUrl(url, http);
    return sendBounded(url.href, { method: "GET", headers: { accept: "application/json" }, redirect: "manual" }, http);
}
