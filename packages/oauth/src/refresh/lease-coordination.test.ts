import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createConsents } from "../consent/create-consents.js";
import { createFakeOAuth } from "../testing/fake-oauth.test-helpers.js";
import { createRefresher } from "./create-refresher.js";

/** Another process's handle on the same store: its own object, so its own in-process single flight. */
const otherProcess = (store: MemoryTokenStore): TokenStore => ({
  get: (key) => store.get(key),
  set: (key, tokens) => store.set(key, tokens),
  delete: (key) => store.delete(key),
  acquireRefreshLease: (key, ttlMs) => store.acquireRefreshLease(key, ttlMs),
});

async function consented() {
  const oauth = createFakeOAuth({ scopesSupported: ["files.read"] });
  const bus = createAuthBus();
  const tokens = new MemoryTokenStore();
  const consents = createConsents({
    tokens,
    store: new MemoryConsentStore(),
    bus,
    client: { redirectUri: "http://127.0.0.1:3000/callback" },
    fetch: oauth.fetch,
  });
  const request = await consents.begin({ subject: "alice", serverName: "files", resource: oauth.resource });
  await consents.complete(oauth.answer(request.authorizationUrl));
  consents.close();
  const key = { subject: "alice", resource: oauth.resource };
  return { oauth, bus, tokens, key, held: (await tokens.get(key)) as TokenSet };
}

describe("createRefresher over refresh leases", () => {
  it("one grant for refreshers in several 'processes'; the waiters get the holder's tokens", async () => {
    const { oauth, bus, tokens, key, held } = await consented();
    const refreshers = [0, 1, 2, 3].map(() =>
      createRefresher({ tokens: otherProcess(tokens), bus, fetch: oauth.fetch, leaseTtlMs: 5_000 }),
    );
    const results = await Promise.all(
      refreshers.flatMap((refresh) => [refresh(key, { stale: held }), refresh(key, { stale: held })]),
    );
    expect(oauth.counters.refreshGrants).toBe(1);
    expect(new Set(results.map((result) => result.accessToken)).size).toBe(1);
    expect((await tokens.get(key))?.accessToken).toBe(results[0]?.accessToken);
    // A caller that found the old tokens wanting after the refresh gets the new ones, no grant.
    const late = await (refreshers[3] as (typeof refreshers)[0])(key, { stale: held });
    expect(late.accessToken).toBe(results[0]?.accessToken);
    expect(oauth.counters.refreshGrants).toBe(1);
  });

  it("compare-and-set: a refresh whose tokens were replaced meanwhile never overwrites them", async () => {
    const { oauth, bus, tokens, key, held } = await consented();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The token request hangs until a newer set (a consent completed meanwhile) is stored.
    const slowFetch: typeof oauth.fetch = async (input, init) => {
      if (new Request(input, init).url.endsWith("/token")) await gate;
      return oauth.fetch(input, init);
    };
    const slow = createRefresher({ tokens: otherProcess(tokens), bus, fetch: slowFetch, leaseTtlMs: 30 });
    const pending = slow(key, { stale: held }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const newer: TokenSet = { ...held, accessToken: "from-a-new-consent", refreshToken: "rt-new" };
    await tokens.set(key, newer);
    release();
    const outcome = await pending;
    // Fenced out: it returns the newer tokens, and they stay stored.
    expect(outcome).toMatchObject({ accessToken: "from-a-new-consent" });
    expect((await tokens.get(key))?.accessToken).toBe("from-a-new-consent");
  });

  it("a dead refresh token found by the holder: every waiter is told to ask for consent", async () => {
    const { oauth, bus, tokens, key, held } = await consented();
    oauth.revokeRefreshToken(held.refreshToken as string);
    const refreshers = [0, 1, 2].map(() =>
      createRefresher({ tokens: otherProcess(tokens), bus, fetch: oauth.fetch }),
    );
    const outcomes = await Promise.all(
      refreshers.map((refresh) => refresh(key, { stale: held }).catch((error: unknown) => error)),
    );
    for (const outcome of outcomes)
      expect(isAuthbusError(outcome, "REFRESH_FAILED") && outcome.consentRequired).toBe(true);
    expect(oauth.counters.refreshGrants).toBe(1); // one refresh request (refused), not one per waiter
    expect(await tokens.get(key)).toBeUndefined();
  });
});
