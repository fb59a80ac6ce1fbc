import { describe, expect, it } from "vitest";
import { isAuthbusError } from "../errors/is-authbus-error.js";
import { normalizeResource } from "./store-key.js";
import { MemoryTokenStore, type TokenSet } from "./token-store.js";

const isInvalidStoreKey = (error: unknown) => isAuthbusError(error, "INVALID_STORE_KEY");

const alice = { subject: "alice", resource: "https://calendar.example.com/mcp" };
const tokens: TokenSet = {
  accessToken: "access-1",
  refreshToken: "refresh-1",
  tokenType: "Bearer",
  scopes: ["calendar.read"],
  expiresAt: 1_900_000_000_000,
};

describe("MemoryTokenStore", () => {
  it("stores per (subject, resource) and never returns one resource's token for another", async () => {
    const store = new MemoryTokenStore();
    await store.set(alice, tokens);
    expect(await store.get(alice)).toEqual(tokens);
    expect(await store.get({ ...alice, resource: "https://files.example.com/mcp" })).toBeUndefined();
    expect(await store.get({ ...alice, subject: "bob" })).toBeUndefined();
    await store.delete(alice);
    expect(await store.get(alice)).toBeUndefined();
  });

  it("keys by the normalised resource", async () => {
    const store = new MemoryTokenStore();
    await store.set({ subject: "alice", resource: "HTTPS://Calendar.Example.com:443/mcp" }, tokens);
    expect(await store.get(alice)).toEqual(tokens);
  });

  it("copies values in and out", async () => {
    const store = new MemoryTokenStore();
    const input = { ...tokens, scopes: [...tokens.scopes] };
    await store.set(alice, input);
    input.scopes.push("calendar.write");
    const output = await store.get(alice);
    output?.scopes.push("x");
    expect((await store.get(alice))?.scopes).toEqual(["calendar.read"]);
  });

  it("rejects bad keys with a typed error", async () => {
    const store = new MemoryTokenStore();
    await expect(store.get({ subject: "", resource: alice.resource })).rejects.toSatisfy(isInvalidStoreKey);
    await expect(store.get({ subject: "alice", resource: "/relative" })).rejects.toSatisfy(isInvalidStoreKey);
    await expect(store.get({ subject: "alice", resource: "ftp://x/" })).rejects.toSatisfy(isInvalidStoreKey);
    await expect(store.get({ subject: "alice", resource: "https://x/mcp#frag" })).rejects.toSatisfy(
      isInvalidStoreKey,
    );
  });

  it("rejects a malformed token set without echoing its values", async () => {
    const store = new MemoryTokenStore();
    const bad = { ...tokens, accessToken: "secret-value", expiresAt: "tomorrow" } as unknown as TokenSet;
    const error = await store.set(alice, bad).catch((caught: unknown) => caught);
    expect(isAuthbusError(error, "INVALID_TOKEN_SET")).toBe(true);
    expect((error as Error).message).toContain("expiresAt");
    expect((error as Error).message).not.toContain("secret-value");
  });
});

describe("normalizeResource", () => {
  it("serialises like WHATWG URL", () => {
    expect(normalizeResource("HTTP://Example.COM:80/mcp")).toBe("http://example.com/mcp");
    expect(normalizeResource("https://example.com")).toBe("https://example.com/");
  });
});
