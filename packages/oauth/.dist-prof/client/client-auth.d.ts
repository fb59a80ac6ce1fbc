/** @module Client authentication at the token endpoint (RFC 6749 §2.3), as servers really read it. */
import * as oauth from "oauth4webapi";
/** The token endpoint authentication methods a client with a secret (or none) can use. */
export type SecretAuthMethod = "client_secret_basic" | "client_secret_post" | "none";
/**
 * `client_secret_basic`: `Authorization: Basic base64(enc(client_id) ":" enc(secret))`.
 *
 * @see RFC 6749 §2.3.1, Appendix B; RFC 7617 §2
 * @example
 * const auth = clientSecretBasic("s3cret"); // for oauth4webapi's token requests
 */
export declare function clientSecretBasic(clientSecret: string): oauth.ClientAuth;
/**
 * The client authentication for a method name: `client_secret_post` in the body,
 * `client_secret_basic` in the header, else none (a public client, RFC 6749 §2.1, identified
 * by `client_id` and bound by PKCE).
 *
 * @see RFC 6749 §2.3.1, RFC 7591 §2 (`token_endpoint_auth_method`)
 */
export declare function clientAuthFor(method: string | undefined, secret: string | undefined): oauth.ClientAuth;
/**
 * The method to use with a secret when the configuration names none: `client_secret_basic`
 * (RFC 8414 §2's default) unless the server lists methods that exclude it and include
 * `client_secret_post`.
 *
 * @see RFC 8414 §2 (`token_endpoint_auth_methods_supported`)
 */
export declare function secretMethodFor(as: oauth.AuthorizationServer): "client_secret_basic" | "client_secret_post";
