/** @module How a service client authenticates at a token endpoint: a secret (basic or post), a signed assertion (private_key_jwt), or none. */
import { createPrivateKey } from "node:crypto";
import * as oauth from "oauth4webapi";
import { clientSecretBasic, secretMethodFor } from "../client/client-auth.js";
/** The method a client uses with `as`: the configured one, else the default for its credentials. */
export function authMethodOf(client, as) {
    if (client.tokenEndpointAuthMethod)
        return client.tokenEndpointAuthMethod;
    if (client.privateKey !== undefined)
        return "private_key_jwt";
    if (client.clientSecret !== undefined)
        return secretMethodFor(as);
    return "none";
}
/**
 * Checks a service client's configuration before any request.
 *
 * @throws {TypeError} when the method needs a credential that is missing.
 */
export function checkServiceClient(client) {
    if (typeof client?.clientId !== "string" || client.clientId === "") {
        throw new TypeError("a service client needs a clientId");
    }
    const method = client.tokenEndpointAuthMethod;
    if ((method === "client_secret_basic" || method === "client_secret_post") && !client.clientSecret) {
        throw new TypeError(`client ${client.clientId}: ${method} needs a clientSecret`);
    }
    if (method === "private_key_jwt" && client.privateKey === undefined) {
        throw new TypeError(`client ${client.clientId}: private_key_jwt needs a privateKey`);
    }
}
// RFC 7518 §3.1 algorithm → Web Crypto import parameters.
const importParams = {
    ES256: { name: "ECDSA", namedCurve: "P-256" },
    ES384: { name: "ECDSA", namedCurve: "P-384" },
    ES512: { name: "ECDSA", namedCurve: "P-521" },
    RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    RS384: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
    RS512: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
    PS256: { name: "RSA-PSS", hash: "SHA-256" },
    PS384: { name: "RSA-PSS", hash: "SHA-384" },
    PS512: { name: "RSA-PSS", hash: "SHA-512" },
    EdDSA: { name: "Ed25519" },
    Ed25519: { name: "Ed25519" },
};
const curveAlg = {
    prime256v1: "ES256",
    "P-256": "ES256",
    secp384r1: "ES384",
    "P-384": "ES384",
    secp521r1: "ES512",
    "P-521": "ES512",
};
/** The JWS algorithms a key can sign with, preferred first. */
export function algorithmsForKey(key) {
    if (isCryptoKey(key)) {
        const algorithm = key.algorithm;
        const bits = algorithm.hash?.name.replace("SHA-", "");
        switch (algorithm.name) {
            case "ECDSA":
                return curveAlg[algorithm.namedCurve ?? ""] ? [curveAlg[algorithm.namedCurve ?? ""]] : [];
            case "RSASSA-PKCS1-v1_5":
                return bits ? [`RS${bits}`] : [];
            case "RSA-PSS":
                return bits ? [`PS${bits}`] : [];
            case "Ed25519":
                return ["EdDSA", "Ed25519"];
            default:
                return [];
        }
    }
    switch (key.asymmetricKeyType) {
        case "ec": {
            const alg = curveAlg[key.asymmetricKeyDetails?.namedCurve ?? ""];
            return alg ? [alg] : [];
        }
        case "rsa":
            return ["RS256", "PS256", "RS384", "PS384", "RS512", "PS512"];
        case "rsa-pss":
            return ["PS256", "PS384", "PS512"];
        case "ed25519":
            return ["EdDSA", "Ed25519"];
        default:
            return [];
    }
}
function isCryptoKey(key) {
    return typeof CryptoKey !== "undefined" && key instanceof CryptoKey;
}
/**
 * The algorithm to sign the client assertion with: the configured one if the key can produce
 * it and the server accepts it, else the first the server lists that the key can produce, else
 * the key's own default when the server lists none.
 *
 * @see RFC 7523 §3, RFC 8414 §2 (`token_endpoint_auth_signing_alg_values_supported`)
 * @throws {TypeError} when no algorithm fits both.
 */
export function chooseSigningAlgorithm(key, supported, configured) {
    const possible = algorithmsForKey(key);
    if (possible.length === 0)
        throw new TypeError("the private key's type cannot sign a client assertion");
    if (configured !== undefined) {
        if (!possible.includes(configured)) {
            throw new TypeError(`the private key cannot sign with ${configured}`);
        }
        if (supported && supported.length > 0 && !supported.includes(configured)) {
            throw new TypeError(`the authorization server does not accept ${configured} client assertions (it lists ${supported.join(", ")})`);
        }
        return configured;
    }
    if (!supported || supported.length === 0)
        return possible[0];
    const chosen = supported.find((alg) => possible.includes(alg));
    if (!chosen) {
        throw new TypeError(`the private key can sign with ${possible.join(", ")}, but the authorization server accepts only ${supported.join(", ")}`);
    }
    return chosen;
}
async function signingKeyFor(key, alg) {
    if (isCryptoKey(key))
        return key;
    const params = importParams[alg];
    if (!params)
        throw new TypeError(`unsupported client assertion algorithm ${alg}`);
    const der = key.export({ type: "pkcs8", format: "der" });
    return crypto.subtle.importKey("pkcs8", der, params, false, ["sign"]);
}
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
export function createServiceClientAuth(client) {
    checkServiceClient(client);
    const imported = new Map();
    let keyObject;
    return async (as) => {
        const method = authMethodOf(client, as);
        if (method === "none")
            return oauth.None();
        if (method === "client_secret_post")
            return oauth.ClientSecretPost(client.clientSecret);
        if (method === "client_secret_basic")
            return clientSecretBasic(client.clientSecret);
        if (client.privateKey === undefined)
            throw new TypeError("private_key_jwt needs a privateKey");
        keyObject ??=
            typeof client.privateKey === "string" ? createPrivateKey(client.privateKey) : client.privateKey;
        const source = keyObject;
        const alg = chooseSigningAlgorithm(source, as.token_endpoint_auth_signing_alg_values_supported, client.signingAlgorithm);
        let key = imported.get(alg);
        if (!key) {
            key = signingKeyFor(source, alg);
            imported.set(alg, key);
            key.catch(() => imported.delete(alg));
        }
        const privateKey = client.keyId
            ? { key: await key, kid: client.keyId }
            : { key: await key };
        return oauth.PrivateKeyJwt(privateKey, {
            // The header names the algorithm chosen with the server (e.g. "EdDSA" rather than "Ed25519").
            [oauth.modifyAssertion]: (header) => {
                header.alg = alg;
            },
        });
    };
}
