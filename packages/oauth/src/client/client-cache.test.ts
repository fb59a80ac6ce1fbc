import type * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { createClientCache } from "./client-cache.js";
import { MemoryClientRegistrationStore } from "./client-registration-store.js";

const as: oauth.AuthorizationServer = { issuer: "https://as.example.com" };
const config = { redirectUri: "http://127.0.0.1/callback" };

function countingStore() {
  const store = new MemoryClientRegistrationStore();
  let reads = 0;
  const get = store.get.bind(store);
  store.get = (issuer, redirectUri) => {
    reads += 1;
    return get(issuer, redirectUri);
  };
  return { store, reads: () => reads };
}

describe("createClientCache", () => {
  it("reads a stored registration once, until forgotten", async () => {
    const { store, reads } = countingStore();
    await store.set({
      issuer: as.issuer,
      redirectUri: config.redirectUri,
      clientId: "dyn-1",
      clientSecret: "secret-1",
      tokenEndpointAuthMethod: "client_secret_basic",
      registeredAt: 1,
    });
    const cache = createClientCache(config, store);
    const first = await cache.forId(as, "dyn-1");
    expect(await cache.forId(as, "dyn-1")).toBe(first);
    expect(reads()).toBe(1);
    cache.forget(as, "dyn-1");
    await cache.forId(as, "dyn-1");
    expect(reads()).toBe(2);
  });

  it("looks an unknown id up each time (public client meanwhile), and reads nothing for configured clients", async () => {
    const { store, reads } = countingStore();
    const cache = createClientCache(
      { ...config, clientId: "pre", metadataUrl: "https://app.example.com/cimd" },
      store,
    );
    expect((await cache.forId(as, "later")).source).toBe("dynamic-registration");
    await store.set({
      issuer: as.issuer,
      redirectUri: config.redirectUri,
      clientId: "later",
      tokenEndpointAuthMethod: "none",
      registeredAt: 1,
    });
    expect((await cache.forId(as, "later")).client.client_id).toBe("later");
    expect(reads()).toBe(2);
    expect((await cache.forId(as, "pre")).source).toBe("pre-registered");
    expect((await cache.forId(as, "https://app.example.com/cimd")).source).toBe("metadata-document");
    expect(reads()).toBe(2);
  });
});
