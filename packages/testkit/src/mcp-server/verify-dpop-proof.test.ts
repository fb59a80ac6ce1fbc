import { createHash } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DPOP_ALGORITHMS, DPoPNonces, JtiReplayCache, verifyDPoPProof } from "./verify-dpop-proof.js";

const URL_ = "http://127.0.0.1:4000/mcp";
const TOKEN = "the-access-token";
const now = 1_800_000_000;
let privateKey: CryptoKey;
let publicJwk: JWK;
let privateJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = await exportJWK(pair.publicKey);
  privateJwk = await exportJWK(pair.privateKey);
});

function proof(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({
    jti: crypto.randomUUID(),
    htm: "POST",
    htu: URL_,
    iat: now,
    ath: createHash("sha256").update(TOKEN).digest("base64url"),
    ...claims,
  })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: publicJwk, ...header })
    .sign(privateKey);
}

const expected = {
  method: "POST",
  url: `${URL_}?session=1`,
  accessToken: TOKEN,
  algorithms: DEFAULT_DPOP_ALGORITHMS,
  maxAgeSeconds: 60,
  now,
};

describe("verifyDPoPProof (RFC 9449 §4.3)", () => {
  it("accepts a well-formed proof and returns its key's thumbprint", async () => {
    const result = await verifyDPoPProof(await proof({ nonce: "n" }), expected);
    expect(result).toEqual({
      ok: true,
      proof: { jkt: await calculateJwkThumbprint(publicJwk), jti: expect.any(String), nonce: "n" },
    });
  });

  it.each([
    ["no proof", async () => undefined],
    ["two proofs", async () => `${await proof()},${await proof()}`],
    ["another typ", () => proof({}, { typ: "JWT" })],
    ["a private jwk", () => proof({}, { jwk: privateJwk })],
    ["another method", () => proof({ htm: "GET" })],
    ["another URI", () => proof({ htu: "http://127.0.0.1:4000/other" })],
    ["a query in htu", () => proof({ htu: `${URL_}?x=1` })],
    ["an old iat", () => proof({ iat: now - 120 })],
    ["another token's ath", () => proof({ ath: "AAAA" })],
    ["no jti", () => proof({ jti: undefined })],
  ])("refuses %s", async (_name, make) => {
    const result = await verifyDPoPProof(await make(), expected);
    expect(result.ok).toBe(false);
  });

  it("refuses a tampered signature and an algorithm it does not take", async () => {
    const valid = await proof();
    const tampered = `${valid.slice(0, -4)}${valid.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    expect((await verifyDPoPProof(tampered, expected)).ok).toBe(false);
    expect((await verifyDPoPProof(valid, { ...expected, algorithms: ["PS256"] })).ok).toBe(false);
  });
});

describe("JtiReplayCache and DPoPNonces", () => {
  it("accepts a jti once while it is fresh", () => {
    const cache = new JtiReplayCache();
    expect(cache.firstUse("k", "j1", now + 60, now)).toBe(true);
    expect(cache.firstUse("k", "j1", now + 60, now + 30)).toBe(false);
    expect(cache.firstUse("other-key", "j1", now + 60, now)).toBe(true);
    expect(cache.firstUse("k", "j1", now + 200, now + 100)).toBe(true);
  });

  it("rotates nonces on time and on demand, keeping the previous one when asked", () => {
    const nonces = new DPoPNonces(300, now);
    const first = nonces.current(now);
    expect(nonces.accepts(first, now + 10)).toBe(true);
    expect(nonces.accepts(undefined, now)).toBe(false);
    const second = nonces.current(now + 300);
    expect(second).not.toBe(first);
    expect(nonces.accepts(first, now + 300)).toBe(true);
    const third = nonces.rotate(false, now + 301);
    expect(nonces.accepts(second, now + 301)).toBe(false);
    expect(nonces.accepts(third, now + 301)).toBe(true);
  });
});
