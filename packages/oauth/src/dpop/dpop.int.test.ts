import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createAuthBus,
  type DPoPKey,
  generateDPoPKey,
  isAuthbusError,
  publicDPoPJwk,
  type TokenSet,
} from "@authbus/core";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createConsents } from "../consent/create-consents.js";
import { createRefresher } from "../refresh/create-refresher.js";
import { openSqliteStores } from "../stores/sqlite/open-sqlite-stores.js";
import { leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";

const redirectUri = "http://127.0.0.1:9/callback";
const secret = "dpop-integration-test-secret-0123456789-abcdef";
let demo: DemoServers;
let dir: string;

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order. */
function thumbprint(key: DPoPKey): string {
  const jwk = publicDPoPJwk(key);
  const members = Object.keys(jwk).sort();
  const json = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name])}`).join(",")}}`;
  return createHash("sha256").update(json).digest("base64url");
}

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

function bytesOf(path: string): string {
  return [path, `${path}-wal`, `${path}-shm`]
    .filter(existsSync)
    .map((p) => readFileSync(p).toString("latin1"))
    .join("");
}

beforeAll(async () => {
  // The authorization server and both MCP servers require DPoP nonces (RFC 9449 §8, §9).
  demo = await startDemoServers({ dpop: { requireNonce: true } });
  dir = mkdtempSync(join(tmpdir(), "authbus-dpop-"));
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("DPoP-bound grants against the testkit authorization server (oidc-provider, nonces required)", () => {
  it("consents with a proof (answering the nonce challenge), keeps the key sealed, refreshes with the same key", async () => {
    const path = join(dir, "grant.db");
    const bus = createAuthBus();
    const events = recordEvents(bus);
    const key = { subject: "alice", resource: demo.calendar.url };
    let stores = openSqliteStores({ path, secret });
    const consents = createConsents({
      tokens: stores.tokens,
      store: stores.consents,
      registrations: stores.registrations,
      bus,
      client: { redirectUri },
    });
    const request = await consents.begin({
      subject: "alice",
      serverName: "calendar",
      resource: key.resource,
    });
    consents.close();

    // The consent holds the grant's new key, sealed: its private `d` is not in the file.
    const pending = await stores.consents.get(request.consentId);
    const dpopKey = pending?.dpopKey as DPoPKey;
    expect(dpopKey.alg).toBe("ES256");
    expect(bytesOf(path).includes(dpopKey.jwk.d as string)).toBe(false);
    expect(bytesOf(path).includes("calendar")).toBe(true);

    // The callback lands in "another process": the stores are reopened, a new consents completes.
    stores.close();
    stores = openSqliteStores({ path, secret });
    const later = createConsents({
      tokens: stores.tokens,
      store: stores.consents,
      registrations: stores.registrations,
      bus,
      client: { redirectUri },
    });
    const challengesBefore = demo.authServer.stats.dpopNonceChallenges;
    const callback = await approveConsent(request.authorizationUrl, { user: "alice" });
    expect(await later.complete(callback)).toMatchObject({ outcome: "granted" });
    later.close();
    // RFC 9449 §8: the first proof had no nonce, was challenged once, and the retry carried it.
    expect(demo.authServer.stats.dpopNonceChallenges - challengesBefore).toBe(1);

    const first = (await stores.tokens.get(key)) as TokenSet;
    expect(first.tokenType).toBe("DPoP");
    expect(first.dpopKey).toEqual(dpopKey);
    expect(jwtClaims(first.accessToken).cnf).toEqual({ jkt: thumbprint(dpopKey) });
    expect(demo.authServer.issuedAccessTokens.at(-1)?.jkt).toBe(thumbprint(dpopKey));

    // RFC 9449 §5: the public client's refresh token is bound; the refresh proves the same key,
    // with the nonce this process learnt (no second challenge).
    const refresh = createRefresher({ tokens: stores.tokens, bus, serverName: () => "calendar" });
    const second = await refresh(key);
    expect(demo.authServer.stats.dpopNonceChallenges - challengesBefore).toBe(1);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.tokenType).toBe("DPoP");
    expect(second.dpopKey).toEqual(dpopKey);
    expect(jwtClaims(second.accessToken).cnf).toEqual({ jkt: thumbprint(dpopKey) });

    // Nothing secret in the file, before or after closing it.
    const secrets = [first, second].flatMap((t) => [t.accessToken, t.refreshToken ?? ""]);
    secrets.push(dpopKey.jwk.d as string);
    expect(secrets.filter((s) => bytesOf(path).includes(s))).toEqual([]);
    stores.close();
    expect(secrets.filter((s) => bytesOf(path).includes(s))).toEqual([]);

    // The key survives the round trip: reopened, the store still refreshes (bound token and all).
    stores = openSqliteStores({ path, secret });
    const third = await createRefresher({ tokens: stores.tokens, bus, serverName: () => "calendar" })(key);
    expect(third.dpopKey).toEqual(dpopKey);
    secrets.push(third.accessToken, third.refreshToken ?? "");
    stores.close();

    expect(events.map((e) => e.type)).toEqual([
      "consent.required",
      "consent.granted",
      "token.refreshing",
      "token.refreshed",
      "token.refreshing",
      "token.refreshed",
    ]);
    expect(leakedSecrets(events, [...secrets, dpopKey.jwk.x as string])).toEqual([]);
  });

  it("refuses a refresh proven with another key: the refresh token is bound", async () => {
    const bus = createAuthBus();
    const stores = openSqliteStores({ path: ":memory:", secret });
    const key = { subject: "bob", resource: demo.files.url };
    const consents = createConsents({
      tokens: stores.tokens,
      store: stores.consents,
      bus,
      client: { redirectUri },
    });
    const request = await consents.begin({ subject: "bob", serverName: "files", resource: key.resource });
    await consents.complete(await approveConsent(request.authorizationUrl, { user: "bob" }));
    consents.close();
    const held = (await stores.tokens.get(key)) as TokenSet;
    await stores.tokens.set(key, { ...held, dpopKey: await generateDPoPKey() });

    const failure = await createRefresher({ tokens: stores.tokens, bus })(key).catch((e: unknown) => e);
    expect(isAuthbusError(failure, "REFRESH_FAILED") && failure.consentRequired).toBe(true);
    expect(String(failure)).not.toContain(held.refreshToken as string);
    stores.close();
  });

  it("answers a rotated authorization server nonce with one retry", async () => {
    const bus = createAuthBus();
    const stores = openSqliteStores({ path: ":memory:", secret });
    const key = { subject: "carol", resource: demo.calendar.url };
    const consents = createConsents({
      tokens: stores.tokens,
      store: stores.consents,
      bus,
      client: { redirectUri },
    });
    const request = await consents.begin({
      subject: "carol",
      serverName: "calendar",
      resource: key.resource,
    });
    await consents.complete(await approveConsent(request.authorizationUrl, { user: "carol" }));
    consents.close();

    // oidc-provider's nonces rotate every minute and expire after a few: ten minutes later the
    // nonce this process holds is refused with a new one, which the retry carries.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 10 * 60_000 });
    const before = demo.authServer.stats.dpopNonceChallenges;
    const refreshed = await createRefresher({ tokens: stores.tokens, bus })(key);
    expect(demo.authServer.stats.dpopNonceChallenges - before).toBe(1);
    expect(refreshed.tokenType).toBe("DPoP");
    // And the next request uses the new nonce straight away.
    await createRefresher({ tokens: stores.tokens, bus })(key);
    expect(demo.authServer.stats.dpopNonceChallenges - before).toBe(1);
    stores.close();
  });

  it("asks for Bearer tokens when told not to use DPoP", async () => {
    const bus = createAuthBus();
    const stores = openSqliteStores({ path: ":memory:", secret });
    const consents = createConsents({
      tokens: stores.tokens,
      store: stores.consents,
      bus,
      client: { redirectUri },
      dpop: "never",
    });
    const request = await consents.begin({ subject: "dave", serverName: "files", resource: demo.files.url });
    expect((await stores.consents.get(request.consentId))?.dpopKey).toBeUndefined();
    await consents.complete(await approveConsent(request.authorizationUrl, { user: "dave" }));
    consents.close();
    const held = (await stores.tokens.get({ subject: "dave", resource: demo.files.url })) as TokenSet;
    expect(held.tokenType).toBe("Bearer");
    expect(held.dpopKey).toBeUndefined();
    stores.close();
  });
});
