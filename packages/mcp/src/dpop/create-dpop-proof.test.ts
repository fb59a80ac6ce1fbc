import { createHash } from "node:crypto";
import { DPOP_ALGORITHMS, dpopSignParameters, generateDPoPKey } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createDPoPProof } from "./create-dpop-proof.js";
import { DPoPNonceCache, isDPoPNonceChallenge } from "./dpop-nonces.js";

const IMPORT: Record<string, RsaHashedImportParams | EcKeyImportParams | Algorithm> = {
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  ES384: { name: "ECDSA", namedCurve: "P-384" },
  ES512: { name: "ECDSA", namedCurve: "P-521" },
  Ed25519: { name: "Ed25519" },
  PS256: { name: "RSA-PSS", hash: "SHA-256" },
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
};

function parts(jwt: string) {
  const [header, claims, signature] = jwt.split(".") as [string, string, string];
  const json = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  return { header: json(header), claims: json(claims), signature, signingInput: `${header}.${claims}` };
}

describe("createDPoPProof", () => {
  it.each(DPOP_ALGORITHMS)(
    "%s: a proof whose embedded public key verifies it (RFC 9449 §4.2)",
    async (alg) => {
      const key = await generateDPoPKey(alg);
      const proof = await createDPoPProof(key, {
        method: "post",
        url: "https://mcp.example.com/mcp?session=1#frag",
        accessToken: "token-value",
        nonce: "n-1",
        now: 1_700_000_000_500,
      });
      const { header, claims, signature, signingInput } = parts(proof);
      expect(header.typ).toBe("dpop+jwt");
      expect(header.alg).toBe(alg);
      expect(header.jwk.d).toBeUndefined();
      expect(claims).toMatchObject({
        htm: "POST",
        htu: "https://mcp.example.com/mcp",
        iat: 1_700_000_000,
        nonce: "n-1",
        // RFC 9449 §4.2: base64url(SHA-256(ASCII token)), no padding.
        ath: createHash("sha256").update("token-value").digest("base64url"),
      });
      expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const publicKey = await crypto.subtle.importKey("jwk", header.jwk, IMPORT[alg] as Algorithm, false, [
        "verify",
      ]);
      const valid = await crypto.subtle.verify(
        dpopSignParameters(alg),
        publicKey,
        Buffer.from(signature, "base64url"),
        new TextEncoder().encode(signingInput),
      );
      expect(valid).toBe(true);
    },
  );

  it("makes a new jti every time and leaves out what it was not given", async () => {
    const key = await generateDPoPKey();
    const a = parts(await createDPoPProof(key, { method: "GET", url: "https://mcp.example.com/mcp" }));
    const b = parts(await createDPoPProof(key, { method: "GET", url: "https://mcp.example.com/mcp" }));
    expect(a.claims.jti).not.toBe(b.claims.jti);
    expect(a.claims).not.toHaveProperty("ath");
    expect(a.claims).not.toHaveProperty("nonce");
  });
});

describe("DPoP nonces", () => {
  it("keeps the latest nonce per origin and says when it is new", () => {
    const cache = new DPoPNonceCache(2);
    const withNonce = (nonce: string) => new Response(null, { headers: { "dpop-nonce": nonce } });
    expect(cache.remember("https://a.example/mcp", withNonce("n1"))).toBe(true);
    expect(cache.remember("https://a.example/other", withNonce("n1"))).toBe(false);
    expect(cache.get("https://a.example/x?y")).toBe("n1");
    expect(cache.remember("https://a.example/mcp", withNonce("n2"))).toBe(true);
    expect(cache.get("https://a.example/mcp")).toBe("n2");
    // Not a nonce (RFC 9449 §8.1: NQCHAR only): ignored.
    expect(cache.remember("https://a.example/mcp", withNonce('bad "nonce"'))).toBe(false);
    expect(cache.remember("https://a.example/mcp", new Response(null))).toBe(false);
    // Bounded: the oldest origin goes.
    cache.remember("https://b.example/", withNonce("b"));
    cache.remember("https://c.example/", withNonce("c"));
    expect(cache.get("https://a.example/")).toBeUndefined();
    expect(cache.get("https://c.example/")).toBe("c");
  });

  it("recognises a use_dpop_nonce challenge (RFC 9449 §9) and nothing else", () => {
    const answer = (status: number, value?: string) =>
      new Response(null, { status, headers: value ? { "www-authenticate": value } : {} });
    expect(isDPoPNonceChallenge(answer(401, 'DPoP error="use_dpop_nonce", algs="ES256"'))).toBe(true);
    expect(isDPoPNonceChallenge(answer(401, 'Bearer realm="x", DPoP error=use_dpop_nonce'))).toBe(true);
    expect(isDPoPNonceChallenge(answer(401, 'Bearer error="use_dpop_nonce"'))).toBe(false);
    expect(isDPoPNonceChallenge(answer(401, 'DPoP error="invalid_token"'))).toBe(false);
    expect(isDPoPNonceChallenge(answer(403, 'DPoP error="use_dpop_nonce"'))).toBe(false);
    expect(isDPoPNonceChallenge(answer(401, 'DPoP error="unterminated'))).toBe(false);
    expect(isDPoPNonceChallenge(answer(401))).toBe(false);
  });
});
