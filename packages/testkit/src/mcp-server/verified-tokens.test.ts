import { describe, expect, it } from "vitest";
import { VerifiedTokens } from "./verified-tokens.js";

describe("VerifiedTokens", () => {
  it("answers a remembered token only within its time", () => {
    const tokens = new VerifiedTokens();
    tokens.remember("a", { sub: "alice", exp: 100 });
    tokens.remember("b", { sub: "bob", exp: 200, nbf: 50 });
    expect(tokens.get("a", 99)).toEqual({ sub: "alice", exp: 100 });
    expect(tokens.get("unknown", 99)).toBeUndefined();
    // RFC 7519 §4.1.4: not accepted on or after exp; then forgotten.
    expect(tokens.get("a", 100)).toBeUndefined();
    expect(tokens.get("a", 99)).toBeUndefined();
    // §4.1.5: not accepted before nbf.
    expect(tokens.get("b", 49)).toBeUndefined();
  });

  it("forgets the oldest token when full", () => {
    const tokens = new VerifiedTokens();
    for (let index = 0; index <= 4_096; index += 1) tokens.remember(`t${index}`, { exp: 10 });
    expect(tokens.get("t0", 1)).toBeUndefined();
    expect(tokens.get("t1", 1)).toBeDefined();
    expect(tokens.get("t4096", 1)).toBeDefined();
  });
});
