/** @module How a service client authenticates at a token endpoint: a secret (basic or post), a signed assertion (private_key_jwt), or none. */
import { type KeyObject } from "node:crypto";
import * as oauth from "oauth4webapi";
/** Token endpoint authentication methods a service client can use (RFC 8414 §2 names). */
export type ServiceClientAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none";
/** A client registered at an authorization server for an app that runs without a person. */
export interface ServiceClient {
    clientId: string;
    /** The client secret, for `client_secret_basic` / `client_secret_post`. */
    clientSecret?: string;
    /**
     * The private key for `private_key_jwt`: a `CryptoKey`, a Node `KeyObject` or a PKCS#8 PEM
     * string. A PEM or `KeyObject` is imported for the algorithm chosen with the server.
     */
    privateKey?: CryptoKey | KeyObject | string;
    /** `kid` of the key, sent in the assertion header so the server can pick the key. */
    keyId?: string;
    /**
     * The JWS algorithm of the client assertion. Default: the first of the server's
     * `token_endpoint_auth_signing_alg_values_supported` that the key can produce.
     */
    signingAlgorithm?: string;
    /**
     * How to authenticate. Default: `private_key_jwt` with a `privateKey`; with a `clientSecret`,
     * `client_secret_basic` unless the server lists only `client_secret_post`; else `none`.
     */
    tokenEndpointAuthMethod?: ServiceClientAuthMethod;
}
/** The method a client uses with `as`: the configured one, else the default for its credentials. */
export declare function authMethodOf(client: ServiceClient, as: oauth.AuthorizationServer): ServiceClientAuthMethod;
/**
 * Checks a service client's configuration before any request.
 *
 * @throws {TypeError} when the method needs a credential that is missing.
 */
export declare function checkServiceClient(client: ServiceClient): void;
/** The JWS algorithms a key can sign with, preferred first. */
export declare function algorithmsForKey(key: CryptoKey | KeyObject): string[];
/**
 * The algorithm to sign the client assertion with: the configured one if the key can produce
 * it and the server accepts it, else the first the server lists that the key can produce, else
 * the key's own default when the server lists none.
 *
 * @see RFC 7523 §3, RFC 8414 §2 (`token_endpoint_auth_signing_alg_values_supported`)
 * @throws {TypeError} when no algorithm fits both.
 */
export declare function chooseSigningAlgorithm(key: CryptoKey | KeyObject, supported: readonly string[] | undefined, configured?: string): string;
/**
 * Creates the client authentication of a service client for oauth4webapi requests. Keys given
 * as PEM or `KeyObject` are imported once per algorithm.
 *
 * - `client_secret_basic`: the credentials form-encoded only where needed (RFC 6749 §2.3.1).
 * - `client_secret_post`: `client_id` and `client_secret` in the body.
 * - `private_key_jwt`: a fresh, single-use assertion (`iss` = `sub` = client id, `aud` = the
 *   server's issuer, 60 s lifetime) signed with the algorithm chosen for the server.
 * - `none`: `client_id` in the body.
 *
 * @see RFC 6749 §2.3.1, RFC 7521 §4.2, RFC 7523 §2.2, §3, OpenID Connect Core §9
 * @example
 * const authFor = createServiceClientAuth({ clientId: "agent", privateKey: pem });
 * const auth = await authFor(as); // an oauth4webapi ClientAuth
 * @throws {TypeError} when the client lacks the credential its method needs.
 */
export declare function createServiceClientAuth(client: ServiceClient): (as: oauth.AuthorizationServer) => Promise<oauth.ClientAuth>;
