import { createAuthBus, MemoryTokenStore, type TokenSet } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { authFetch } from "../auth-fetch/auth-fetch.js";
import { runWithTokensRead, takeTokensRead } from "./tokens-read.js";

const RESOURCE = "https://mcp.example.com/mcp";
const key = { subject: "alice", resource: RESOURCE };
const tokenSet = (accessToken: string): TokenSet => ({ accessToken, tokenType: "Bearer", scopes: [] });

/** A token store that counts its reads. */
function countingStore() {
  const store = new MemoryTokenStore();
  let reads = 0;
  const get = store.get.bind(store);
  store.get = (k) => {
    reads += 1;
    return get(k);
  };
  return { store, reads: () => reads };
}

describe("runWithTokensRead", () => {
  it("offers the tokens once, for their key only, and not after the call", async () => {
    const held = tokenSet("held");
    let after: (() => TokenSet | undefined) | undefined;
    await runWithTokensRead(key, held, async () => {
      expect(takeTokensRead({ ...key, subject: "bob" })).toBeUndefined();
      expect(takeTokensRead(key)).toBe(held);
      expect(takeTokensRead(key)).toBeUndefined();
      after = () => takeTokensRead(key);
    });
    expect(after?.()).toBeUndefined();
    const unused = runWithTokensRead(key, held, async () => () => takeTokensRead(key));
    // Ended without a take: the offer is withdrawn all the same.
    expect((await unused)()).toBeUndefined();
  });

  it("lets authFetch send the call's first request with them and read the store for the next", async () => {
    const { store, reads } = countingStore();
    await store.set(key, tokenSet("stored"));
    const sent: (string | null)[] = [];
    const fetch = authFetch({
      serverName: "files",
      resource: RESOURCE,
      subject: "alice",
      tokens: store,
      bus: createAuthBus(),
      fetch: async (input, init) => {
        sent.push(new Request(input, init).headers.get("authorization"));
        return new Response("{}", { status: 200 });
      },
    });
    const before = reads();
    await runWithTokensRead(key, await store.get(key).then((t) => t as TokenSet), async () => {
      await fetch(RESOURCE, { method: "POST", body: "{}" });
      await fetch(RESOURCE, { method: "POST", body: "{}" });
    });
    // One read for the offer, none for the first request, one for the second.
    expect(reads() - before).toBe(2);
    expect(sent).toEqual(["Bearer stored", "Bearer stored"]);
  });
});
