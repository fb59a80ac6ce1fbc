import { generateKeyPairSync, type KeyObject } from "node:crypto";
import type * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { algorithmsForKey, chooseSigningAlgorithm, createServiceClientAuth } from "./service-client.js";

const as: oauth.AuthorizationServer = {
  issuer: "https://as.example.com",
  token_endpoint: "https://as.example.com/token",
};

async function authenticate(
  auth: oauth.ClientAuth,
  clientId: string,
  server: oauth.AuthorizationServer = as,
): Promise<{ body: URLSearchParams; headers: Headers }> {
  const body = new URLSearchParams();
  const headers = new Headers();
  await auth(server, { client_id: clientId }, body, headers);
  return { body, headers };
}

function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Verifies a compact JWS with Web Crypto (the JOSE signature format is Web Crypto's). */
async function verifies(
  jwt: string,
  publicKey: KeyObject,
  params: Algorithm | EcdsaParams,
): Promise<boolean> {
  const [header, payload, signature] = jwt.split(".");
  const der = publicKey.export({ type: "spki", format: "der" });
  const importParams =
    params.name === "ECDSA" ? { name: "ECDSA", namedCurve: "P-256" } : { name: params.name, hash: "SHA-256" };
  const key = await crypto.subtle.importKey("spki", der, importParams, false, ["verify"]);
  return crypto.subtle.verify(
    params,
    key,
    Buffer.from(signature ?? "", "base64url"),
    new TextEncoder().encode(`${header}.${payload}`),
  );
}

describe("client_secret_basic", () => {
  it("leaves unreserved characters as they are, so servers that do not decode still match (RFC 6749 §2.3.1)", async () => {
    const auth = await createServiceClientAuth({
      clientId: "conformance-test-client",
      clientSecret: "s3cr-et_.x",
    })(as);
    const { headers, body } = await authenticate(auth, "conformance-test-client");
    const value = headers.get("authorization") ?? "";
    expect(value.startsWith("Basic ")).toBe(true);
    expect(Buffer.from(value.slice(6), "base64").toString("utf8")).toBe("conformance-test-client:s3cr-et_.x");
    expect(body.has("client_secret")).toBe(false);
  });

  it("encodes a colon in the client id, so the server can split the pair", async () => {
    const auth = await createServiceClientAuth({ clientId: "urn:app", clientSecret: "pw" })(as);
    const { headers } = await authenticate(auth, "urn:app");
    const decoded = Buffer.from((headers.get("authorization") ?? "").slice(6), "base64").toString("utf8");
    expect(decoded).toBe("urn%3Aapp:pw");
  });
});

describe("client_secret_post and none", () => {
  it("sends the secret in the body when the server lists only client_secret_post", async () => {
    const server = { ...as, token_endpoint_auth_methods_supported: ["client_secret_post"] };
    const auth = await createServiceClientAuth({ clientId: "app", clientSecret: "pw" })(server);
    const { body, headers } = await authenticate(auth, "app", server);
    expect(Object.fromEntries(body)).toEqual({ client_id: "app", client_secret: "pw" });
    expect(headers.has("authorization")).toBe(false);
  });

  it("sends only the client id without credentials", async () => {
    const auth = await createServiceClientAuth({ clientId: "workload" })(as);
    const { body } = await authenticate(auth, "workload");
    expect(Object.fromEntries(body)).toEqual({ client_id: "workload" });
  });

  it("refuses a method whose credential is missing", () => {
    expect(() =>
      createServiceClientAuth({ clientId: "app", tokenEndpointAuthMethod: "client_secret_basic" }),
    ).toThrow(TypeError);
    expect(() =>
      createServiceClientAuth({ clientId: "app", tokenEndpointAuthMethod: "private_key_jwt" }),
    ).toThrow(/privateKey/);
  });
});

describe("private_key_jwt (RFC 7523 §2.2, §3)", () => {
  it("signs a single-use assertion with a PEM key: iss = sub = client id, aud = issuer, kid in the header", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const server = { ...as, token_endpoint_auth_signing_alg_values_supported: ["RS256", "ES256"] };
    const authFor = createServiceClientAuth({ clientId: "agent", privateKey: pem, keyId: "k1" });
    const first = await authenticate(await authFor(server), "agent", server);
    const second = await authenticate(await authFor(server), "agent", server);
    expect(first.body.get("client_assertion_type")).toBe(
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    );
    const assertion = first.body.get("client_assertion") ?? "";
    const [header, payload] = assertion.split(".");
    expect(decodePart(header)).toMatchObject({ alg: "ES256", kid: "k1" });
    const claims = decodePart(payload);
    expect(claims).toMatchObject({ iss: "agent", sub: "agent", aud: as.issuer });
    expect(Number(claims.exp) - Number(claims.iat)).toBeLessThanOrEqual(60);
    expect(await verifies(assertion, publicKey, { name: "ECDSA", hash: "SHA-256" } as EcdsaParams)).toBe(
      true,
    );
    // A fresh jti each time (RFC 7523 §3: the server may reject a replayed assertion).
    expect(decodePart(second.body.get("client_assertion")?.split(".")[1]).jti).not.toBe(claims.jti);
  });

  it("chooses the first algorithm the server lists that an RSA key can produce", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const server = { ...as, token_endpoint_auth_signing_alg_values_supported: ["ES256", "PS256", "RS256"] };
    const auth = await createServiceClientAuth({ clientId: "agent", privateKey })(server);
    const assertion = (await authenticate(auth, "agent", server)).body.get("client_assertion") ?? "";
    expect(decodePart(assertion.split(".")[0]).alg).toBe("PS256");
    expect(await verifies(assertion, publicKey, { name: "RSA-PSS", saltLength: 32 } as Algorithm)).toBe(true);
  });

  it("names an Ed25519 key's algorithm as the server does (EdDSA)", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const server = { ...as, token_endpoint_auth_signing_alg_values_supported: ["EdDSA"] };
    const auth = await createServiceClientAuth({ clientId: "agent", privateKey })(server);
    const assertion = (await authenticate(auth, "agent", server)).body.get("client_assertion") ?? "";
    expect(decodePart(assertion.split(".")[0]).alg).toBe("EdDSA");
  });

  it("refuses when the key and the server have no algorithm in common", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
    expect(algorithmsForKey(privateKey)).toEqual(["ES384"]);
    expect(() => chooseSigningAlgorithm(privateKey, ["ES256"])).toThrow(/ES384.*ES256/);
    expect(() => chooseSigningAlgorithm(privateKey, undefined, "ES256")).toThrow(/cannot sign with ES256/);
    expect(chooseSigningAlgorithm(privateKey, undefined)).toBe("ES384");
    expect(chooseSigningAlgorithm(privateKey, ["ES384"], "ES384")).toBe("ES384");
  });
});
