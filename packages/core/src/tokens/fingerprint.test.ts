import { describe, expect, it } from "vitest";
import { fingerprintToken, TOKEN_FINGERPRINT_PATTERN } from "./fingerprint.js";

describe("fingerprintToken", () => {
  it("is short, stable, distinct per token and does not contain the token", async () => {
    const token = "eyJhbGciOiJFUzI1NiJ9.payload.signature";
    const first = await fingerprintToken(token);
    expect(first).toMatch(TOKEN_FINGERPRINT_PATTERN);
    expect(await fingerprintToken(token)).toBe(first);
    expect(await fingerprintToken(`${token}x`)).not.toBe(first);
    expect(first).not.toContain(token.slice(0, 8));
  });

  it("matches SHA-256 (empty string test vector)", async () => {
    // SHA-256("") = e3b0c44298fc1c149afbf4c8..., first 9 bytes base64url = 47DEQpj8HBSa
    expect(await fingerprintToken("")).toBe("fp_47DEQpj8HBSa");
  });

  it("names a token as Web Crypto's SHA-256 does (the path browsers take)", async () => {
    const token = `eyJ${"x".repeat(700)}é.sig`;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
    const expected = `fp_${Buffer.from(digest.subarray(0, 9)).toString("base64url")}`;
    expect(await fingerprintToken(token)).toBe(expected);
  });
});
