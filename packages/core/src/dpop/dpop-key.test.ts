import { describe, expect, it } from "vitest";
import { checkTokenSet } from "../stores/token-store.js";
import {
  DPOP_ALGORITHMS,
  dpopKeySchema,
  dpopSignParameters,
  generateDPoPKey,
  importDPoPKey,
  isDPoPAlgorithm,
  publicDPoPJwk,
} from "./dpop-key.js";

describe("DPoP keys", () => {
  it.each(DPOP_ALGORITHMS)("%s: generates, stores as a private JWK, imports and signs", async (alg) => {
    const key = await generateDPoPKey(alg);
    expect(key.alg).toBe(alg);
    expect(typeof key.jwk.d).toBe("string");
    // Only JWK members: no WebCrypto `ext` / `key_ops`, so the stored value is plain strings.
    expect(Object.values(key.jwk).every((value) => typeof value === "string")).toBe(true);
    expect(dpopKeySchema.parse(JSON.parse(JSON.stringify(key)))).toEqual(key);

    const publicJwk = publicDPoPJwk(key);
    for (const privateMember of ["d", "p", "q", "dp", "dq", "qi"]) {
      expect(publicJwk).not.toHaveProperty(privateMember);
    }

    const pair = await importDPoPKey(key);
    expect(pair.privateKey.extractable).toBe(false);
    expect(pair.publicKey.extractable).toBe(true);
    const data = new TextEncoder().encode("proof");
    const signature = await crypto.subtle.sign(dpopSignParameters(alg), pair.privateKey, data);
    expect(await crypto.subtle.verify(dpopSignParameters(alg), pair.publicKey, signature, data)).toBe(true);
  });

  it("makes a new key every time", async () => {
    const [a, b] = await Promise.all([generateDPoPKey(), generateDPoPKey()]);
    expect(a.alg).toBe("ES256");
    expect(a.jwk.d).not.toBe(b.jwk.d);
  });

  it("refuses a public JWK, an unknown key type and an unsupported algorithm", async () => {
    const key = await generateDPoPKey();
    expect(dpopKeySchema.safeParse({ alg: "ES256", jwk: publicDPoPJwk(key) }).success).toBe(false);
    expect(
      dpopKeySchema.safeParse({ alg: "ES256", jwk: { kty: "oct", k: "c2VjcmV0", d: "x" } }).success,
    ).toBe(false);
    expect(dpopKeySchema.safeParse({ ...key, alg: "HS256" }).success).toBe(false);
    expect(isDPoPAlgorithm("ES256")).toBe(true);
    expect(isDPoPAlgorithm("none")).toBe(false);
  });

  it("is a token set field whose errors never quote the key", async () => {
    const key = await generateDPoPKey();
    const tokens = { accessToken: "at", tokenType: "DPoP", scopes: [], dpopKey: key };
    expect(checkTokenSet(tokens).dpopKey).toEqual(key);
    const broken = { ...tokens, dpopKey: { alg: "ES256", jwk: { ...key.jwk, d: 42 } } };
    expect(() => checkTokenSet(broken)).toThrow(/dpopKey/);
    try {
      checkTokenSet(broken);
    } catch (error) {
      expect(String(error)).not.toContain(key.jwk.x);
    }
  });
});
