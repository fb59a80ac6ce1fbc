/** @module Client authentication at the token endpoint (RFC 6749 §2.3), as servers really read it. */
import * as oauth from "oauth4webapi";
/**
 * One credential as RFC 6749 §2.3.1 has it encoded: percent-encoding of everything but the
 * unreserved characters (`A-Z a-z 0-9 - . _ ~`). That is a valid form-urlencoding (a space is
 * `%20`, not `+`), so servers that form-decode, that percent-decode and that do not decode at
 * all (common for ids made of unreserved characters) all read the same value.
 */
function encodeCredential(value) {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
/**
 * `client_secret_basic`: `Authorization: Basic base64(enc(client_id) ":" enc(secret))`.
 *
 * @see RFC 6749 §2.3.1, Appendix B; RFC 7617 §2
 * @example
 * const auth = clientSecretBasic("s3cret"); // for oauth4webapi's token requests
 */
export function clientSecretBasic(clientSecret) {
    return (_as, client, _body, headers) => {
        const credentials = `${encodeCredential(client.client_id)}:${encodeCredential(clientSecret)}`;
        headers.set("authorization", `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`);
    };
}
/**
 * The client authentication for a method name: `client_secret_post` in the body,
 * `client_secret_basic` in the header, else none (a public client, RFC 6749 §2.1, identified
 * by `client_id` and bound by PKCE).
 *
 * @see RFC 6749 §2.3.1, RFC 7591 §2 (`token_endpoint_auth_method`)
 */
export function clientAuthFor(method, secret) {
    if (!secret || method === "none")
        return oauth.None();
    if (method === "client_secret_post")
        return oauth.ClientSecretPost(secret);
    return clientSecretBasic(secret);
}
/**
 * The method to use with a secret when the configuration names none: `client_secret_basic`
 * (RFC 8414 §2's default) unless the server lists methods that exclude it and include
 * `client_secret_post`.
 *
 * @see RFC 8414 §2 (`token_endpoint_auth_methods_supported`)
 */
export function secretMethodFor(as) {
    const supported = as.token_endpoint_auth_methods_supported;
    if (supported && !supported.includes("client_secret_basic") && supported.includes("client_secret_post")) {
        return "client_secret_post";
    }
    return "client_secret_basic";
}
