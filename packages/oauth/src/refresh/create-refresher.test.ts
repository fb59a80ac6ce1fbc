import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  type TokenSet,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createConsents } from "../consent/create-consents.js";
import { leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { createFakeOAuth } from "../testing/fake-oauth.test-helpers.js";
import { createRefresher } from "./create-refresher.js";

async function consented() {
  const oauth = createFakeOAuth({ scopesSupported: ["files.read"] });
  const bus = createAuthBus();
  const events = recordEvents(bus);
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
  return { oauth, bus, events, tokens, key, held: (await tokens.get(key)) as TokenSet };
}

describe("createRefresher", () => {
  it("refreshes with rotation: one grant for concurrent calls and two refreshers, new token stored", async () => {
    const { oauth, bus, events, tokens, key, held } = await consented();
    const one = createRefresher({ tokens, bus, fetch: oauth.fetch, serverName: () => "files" });
    const two = createRefresher({ tokens, bus, fetch: oauth.fetch, serverName: () => "files" });
    const results = await Promise.all([one(key), one(key), two(key), two(key)]);
    expect(oauth.counters.refreshGrants).toBe(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    const stored = (await tokens.get(key)) as TokenSet;
    expect(stored.refreshToken).toBe(oauth.issued.refreshTokens[1]);
    expect(stored.refreshToken).not.toBe(held.refreshToken);
    expect(stored.scopes).toEqual(held.scopes);
    expect(stored.issuer).toBe(oauth.issuer);
    // A later refresh uses the new refresh token: the old one is never sent again.
    await one(key);
    expect(oauth.counters.refreshGrants).toBe(2);
    expect(oauth.counters.refreshRejected).toBe(0);
    expect(events.filter((e) => e.type === "token.refreshed")).toHaveLength(2);
    expect(events.find((e) => e.type === "token.refreshing")?.payload).toMatchObject({ serverName: "files" });
    expect(leakedSecrets(events, [...oauth.issued.accessTokens, ...oauth.issued.refreshTokens])).toEqual([]);
  });

  it("drops the tokens and asks for consent when the refresh token is refused (invalid_grant)", async () => {
    const { oauth, bus, events, tokens, key, held } = await consented();
    oauth.revokeRefreshToken(held.refreshToken as string);
    const refresh = createRefresher({ tokens, bus, fetch: oauth.fetch });
    const error = await refresh(key).catch((e: unknown) => e);
    expect(isAuthbusError(error, "REFRESH_FAILED")).toBe(true);
    expect(error).toMatchObject({ consentRequired: true, error: "invalid_grant" });
    expect(String((error as Error).message)).not.toContain(held.refreshToken);
    expect(await tokens.get(key)).toBeUndefined();
    expect(events.at(-1)).toMatchObject({
      type: "token.refresh_failed",
      payload: { error: { code: "REFRESH_FAILED" } },
    });
    expect(leakedSecrets(events, [held.accessToken, held.refreshToken as string])).toEqual([]);
  });

  it("fails with consentRequired when no refresh token is held", async () => {
    const { oauth, bus, tokens, key } = await consented();
    await tokens.set(key, { accessToken: "a", tokenType: "Bearer", scopes: [] });
    const refresh = createRefresher({ tokens, bus, fetch: oauth.fetch });
    await expect(refresh(key)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "REFRESH_FAILED") && e.consentRequired,
    );
  });

  it("keeps the tokens on a transport failure", async () => {
    const { oauth, bus, tokens, key } = await consented();
    const refresh = createRefresher({
      tokens,
      bus,
      fetch: async (input, init) => {
        const url = new Request(input, init).url;
        if (url.endsWith("/token")) throw new TypeError("connection reset");
        return oauth.fetch(input, init);
      },
    });
    await expect(refresh(key)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "REFRESH_FAILED") && !e.consentRequired,
    );
    expect(await tokens.get(key)).toBeDefined();
  });
});

describe("createRefresher across store users it cannot see", () => {
  it("uses the tokens another user of the store rotated to when its own grant is refused", async () => {
    const { oauth, bus, tokens, key, held } = await consented();
    // Another process refreshes first and stores its result; this refresher still sends the old token.
    const other = createRefresher({ tokens, bus, fetch: oauth.fetch });
    const winner = await other(key);
    // Simulate the loser: a grant with the old refresh token is refused, the store holds the winner's.
    const loser = createRefresher({
      tokens: {
        get: (() => {
          let first = true;
          return async (k: typeof key) => {
            if (first) {
              first = false;
              return held;
            }
            return tokens.get(k);
          };
        })(),
        set: (k, t) => tokens.set(k, t),
        delete: (k) => tokens.delete(k),
      },
      bus,
      fetch: oauth.fetch,
    });
    const result = await loser(key);
    expect(result.accessToken).toBe(winner.accessToken);
    expect(oauth.counters.refreshRejected).toBe(1);
    expect(await tokens.get(key)).toEqual(winner);
  });
});
