import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  parseWWWAuthenticate,
  readOAuthChallenge,
  type TokenSet,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { MemoryClientRegistrationStore } from "../client/client-registration-store.js";
import { leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { createFakeOAuth, type FakeOAuthOptions } from "../testing/fake-oauth.test-helpers.js";
import { type ConsentsOptions, createConsents } from "./create-consents.js";

const redirectUri = "http://127.0.0.1:3000/callback";

function setup(fake: FakeOAuthOptions = {}, extra: Partial<ConsentsOptions> = {}) {
  const oauth = createFakeOAuth({ scopesSupported: ["files.read", "files.write"], ...fake });
  const bus = createAuthBus();
  const events = recordEvents(bus);
  const tokens = new MemoryTokenStore();
  const store = new MemoryConsentStore();
  const registrations = new MemoryClientRegistrationStore();
  const consents = createConsents({
    tokens,
    store,
    registrations,
    bus,
    client: { redirectUri },
    fetch: oauth.fetch,
    ...extra,
  });
  const key = { subject: "alice", resource: oauth.resource };
  const begin = (challenge?: string) =>
    consents.begin({
      subject: "alice",
      serverName: "files",
      resource: oauth.resource,
      challenge: challenge ? parseWWWAuthenticate(challenge)[0] : undefined,
      callId: "call-1",
    });
  return { oauth, bus, events, tokens, store, registrations, consents, key, begin };
}

describe("createConsents", () => {
  it("begins with PKCE S256, state, resource and the resource's scopes plus offline_access", async () => {
    const { begin, events, consents } = setup();
    const request = await begin(
      'Bearer resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp"',
    );
    const p = new URL(request.authorizationUrl).searchParams;
    expect(p.get("code_challenge_method")).toBe("S256");
    expect(p.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get("state")).toBeTruthy();
    expect(p.get("resource")).toBe("https://mcp.test/mcp");
    expect(p.get("client_id")).toBe("client_1");
    expect(request.scopes).toEqual(["files.read", "files.write", "offline_access"]);
    expect(request.reason).toBe("missing_token");
    expect(events.map((e) => e.type)).toEqual(["consent.required"]);
    expect(events[0]?.payload).toMatchObject({
      consentId: request.consentId,
      callId: "call-1",
      serverName: "files",
    });
    consents.close();
  });

  it("joins concurrent begins for the same scopes into one consent, and reuses it later", async () => {
    const { begin, store, events, oauth, consents } = setup();
    const [a, b, c] = await Promise.all([begin(), begin(), begin()]);
    expect(new Set([a?.consentId, b?.consentId, c?.consentId]).size).toBe(1);
    const later = await begin();
    expect(later.consentId).toBe(a?.consentId);
    expect(await store.findPending("alice", oauth.resource)).toHaveLength(1);
    expect(events.filter((e) => e.type === "consent.required")).toHaveLength(1);
    expect(oauth.counters.registrations).toBe(1);
    consents.close();
  });

  it("completes: exchanges the code with the verifier and resource, stores tokens, emits consent.granted", async () => {
    const { begin, consents, tokens, key, events, oauth } = setup();
    const request = await begin();
    const result = await consents.complete(oauth.answer(request.authorizationUrl));
    expect(result).toMatchObject({ consentId: request.consentId, outcome: "granted", subject: "alice" });
    const stored = (await tokens.get(key)) as TokenSet;
    expect(stored.accessToken).toBe(oauth.issued.accessTokens[0]);
    expect(stored.refreshToken).toBe(oauth.issued.refreshTokens[0]);
    expect(stored).toMatchObject({ tokenType: "Bearer", issuer: oauth.issuer, clientId: "client_1" });
    expect(stored.scopes).toEqual(["files.read", "files.write", "offline_access"]);
    const granted = events.find((e) => e.type === "consent.granted")?.payload as { tokenFingerprint: string };
    expect(granted.tokenFingerprint).toMatch(/^fp_/);
    expect(leakedSecrets(events, [...oauth.issued.accessTokens, ...oauth.issued.refreshTokens])).toEqual([]);
    expect((await consents.get(request.consentId))?.status).toBe("granted");
  });

  it("keeps the consent pending when the token store cannot be written, so its link still works", async () => {
    const { oauth, bus } = setup();
    const tokens = new MemoryTokenStore();
    let failNext = true;
    const flaky = {
      get: (key: Parameters<MemoryTokenStore["get"]>[0]) => tokens.get(key),
      delete: (key: Parameters<MemoryTokenStore["delete"]>[0]) => tokens.delete(key),
      set: async (key: Parameters<MemoryTokenStore["set"]>[0], value: TokenSet) => {
        if (failNext) {
          failNext = false;
          throw new Error("database is locked");
        }
        await tokens.set(key, value);
      },
    };
    const consents = createConsents({
      tokens: flaky,
      store: new MemoryConsentStore(),
      bus,
      client: { redirectUri },
      fetch: oauth.fetch,
    });
    const request = await consents.begin({ subject: "alice", serverName: "files", resource: oauth.resource });
    await expect(consents.complete(oauth.answer(request.authorizationUrl))).rejects.toThrow(
      "database is locked",
    );
    expect((await consents.get(request.consentId))?.status).toBe("pending");
    // The person opens the same link again: a new code, the same state, and this time it lands.
    const result = await consents.complete(oauth.answer(request.authorizationUrl));
    expect(result.outcome).toBe("granted");
    expect((await tokens.get({ subject: "alice", resource: oauth.resource }))?.accessToken).toBeTruthy();
    consents.close();
  });

  it("refuses a replayed, forged or missing state and changes nothing", async () => {
    const { begin, consents, oauth, events } = setup();
    const request = await begin();
    const callback = oauth.answer(request.authorizationUrl);
    await consents.complete(callback);
    const count = events.length;
    await expect(consents.complete(callback)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "settled",
    );
    const forged = new URL(callback);
    forged.searchParams.set("state", "forged-state");
    await expect(consents.complete(forged)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "unknown",
    );
    forged.searchParams.delete("state");
    await expect(consents.complete(forged)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "missing",
    );
    expect(events.length).toBe(count);
    expect(oauth.counters.codeGrants).toBe(1);
  });

  it("accepts one of two racing callbacks", async () => {
    const { begin, consents, oauth, events } = setup();
    const request = await begin();
    const callback = oauth.answer(request.authorizationUrl);
    const results = await Promise.allSettled([consents.complete(callback), consents.complete(callback)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(events.filter((e) => e.type === "consent.granted")).toHaveLength(1);
    expect(oauth.counters.codeGrants).toBe(1);
  });

  it("handles error=access_denied as a denial", async () => {
    const { begin, consents, oauth, events, tokens, key } = setup();
    const request = await begin();
    const result = await consents.complete(oauth.answer(request.authorizationUrl, false));
    expect(result).toMatchObject({ outcome: "denied", error: "access_denied" });
    expect(events.at(-1)).toMatchObject({
      type: "consent.denied",
      payload: { consentId: request.consentId },
    });
    expect(await tokens.get(key)).toBeUndefined();
    expect(await consents.deny(request.consentId)).toBe(false);
  });

  it("denies on request, once", async () => {
    const { begin, consents, events } = setup();
    const request = await begin();
    expect(await consents.deny(request.consentId)).toBe(true);
    expect(await consents.deny(request.consentId)).toBe(false);
    expect(events.filter((e) => e.type === "consent.denied")).toHaveLength(1);
  });

  it("expires after the TTL: callback refused, consent.expired emitted, a new begin makes a new consent", async () => {
    let clock = 1_000_000;
    const { begin, consents, oauth, events } = setup({}, { now: () => clock, ttlSeconds: 60 });
    const request = await begin();
    expect(request.expiresAt).toBe(clock + 60_000);
    const callback = oauth.answer(request.authorizationUrl);
    clock += 61_000;
    await expect(consents.complete(callback)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "expired",
    );
    expect(events.filter((e) => e.type === "consent.expired")).toHaveLength(1);
    expect((await consents.get(request.consentId))?.status).toBe("expired");
    const again = await begin();
    expect(again.consentId).not.toBe(request.consentId);
    expect(oauth.counters.codeGrants).toBe(0);
    consents.close();
  });

  it("expires with a timer", async () => {
    const { begin, consents, events } = setup({}, { ttlSeconds: 0.05 });
    const request = await begin();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(events.at(-1)).toMatchObject({
      type: "consent.expired",
      payload: { consentId: request.consentId },
    });
    consents.close();
  });

  it("rejects a callback with a wrong iss (RFC 9207) and leaves the consent pending", async () => {
    const { begin, consents, oauth } = setup();
    const request = await begin();
    const callback = new URL(oauth.answer(request.authorizationUrl));
    callback.searchParams.set("iss", "https://evil.test");
    await expect(consents.complete(callback)).rejects.toSatisfy((e: unknown) =>
      isAuthbusError(e, "CONSENT_CALLBACK"),
    );
    expect((await consents.get(request.consentId))?.status).toBe("pending");
    consents.close();
  });

  it("joins a pending consent that already covers the scopes needed, but not one that asks for fewer", async () => {
    const { begin, store, oauth, consents } = setup();
    // A step-up card for read+write is open; a plain re-consent for read alone joins it.
    const wide = await begin('Bearer error="insufficient_scope", scope="files.read files.write"');
    const narrow = await begin('Bearer scope="files.read"');
    expect(narrow.consentId).toBe(wide.consentId);
    expect(await store.findPending("alice", oauth.resource)).toHaveLength(1);
    consents.close();

    // The other way round a new card is needed: the open one would not grant enough.
    const second = setup();
    const read = await second.begin('Bearer scope="files.read"');
    const write = await second.begin('Bearer error="insufficient_scope", scope="files.read files.write"');
    expect(write.consentId).not.toBe(read.consentId);
    expect(write.scopes).toEqual(expect.arrayContaining(["files.read", "files.write"]));
    second.consents.close();
  });

  it("asks for the union of held and challenged scopes on insufficient_scope", async () => {
    const { begin, tokens, key, consents } = setup();
    await tokens.set(key, { accessToken: "old", tokenType: "Bearer", scopes: ["calendar.read"] });
    const request = await begin('Bearer error="insufficient_scope", scope="files.write"');
    expect(request.reason).toBe("insufficient_scope");
    expect(request.scopes).toEqual(["calendar.read", "files.write", "offline_access"]);
    consents.close();
  });

  it("passes acr_values and max_age on for step-up (RFC 9470)", async () => {
    const { begin, tokens, key, consents } = setup();
    await tokens.set(key, { accessToken: "old", tokenType: "Bearer", scopes: ["files.read"] });
    const request = await begin(
      'Bearer error="insufficient_user_authentication", acr_values="phr", max_age="0"',
    );
    expect(request.reason).toBe("step_up");
    const p = new URL(request.authorizationUrl).searchParams;
    expect(p.get("acr_values")).toBe("phr");
    expect(p.get("max_age")).toBe("0");
    consents.close();
  });

  it("takes reason refresh_failed from the caller", async () => {
    const { consents, oauth } = setup();
    const request = await consents.begin({
      subject: "alice",
      serverName: "files",
      resource: oauth.resource,
      reason: "refresh_failed",
      challenge: readOAuthChallenge({ scheme: "bearer", params: { error: "invalid_token" } }),
    });
    expect(request.reason).toBe("refresh_failed");
    consents.close();
  });

  it("rejects metadata whose resource is another server (RFC 9728 §3.3)", async () => {
    const { begin } = setup({ metadataResource: "https://other.test/mcp" });
    await expect(begin()).rejects.toSatisfy((e: unknown) => isAuthbusError(e, "RESOURCE_MISMATCH"));
  });

  it("refuses an authorization server without S256", async () => {
    const { begin } = setup({ s256: false });
    await expect(begin()).rejects.toSatisfy((e: unknown) => isAuthbusError(e, "PKCE_UNSUPPORTED"));
  });

  it("needs a client id when the server offers no registration", async () => {
    const { begin } = setup({ registration: false });
    await expect(begin()).rejects.toSatisfy((e: unknown) => isAuthbusError(e, "CLIENT_REGISTRATION_FAILED"));
    const { consents, oauth } = setup({ registration: false }, { client: { redirectUri, clientId: "pre" } });
    const request = await consents.begin({ subject: "a", serverName: "s", resource: oauth.resource });
    expect(new URL(request.authorizationUrl).searchParams.get("client_id")).toBe("pre");
    consents.close();
  });

  it("discovers through a path-aware issuer", async () => {
    const { begin, consents, oauth } = setup({ issuer: "https://as.test/tenant1" });
    const request = await begin();
    expect(request.authorizationUrl.startsWith("https://as.test/tenant1/authorize?")).toBe(true);
    expect(oauth.counters.requests).toContain(
      "GET https://as.test/.well-known/oauth-authorization-server/tenant1",
    );
    consents.close();
  });

  it("shows a launch URL instead of the state-bearing one when asked", async () => {
    const { consents, oauth, events } = setup(
      {},
      { launchUrl: (id) => `http://127.0.0.1:3000/consent/${id}` },
    );
    const request = await consents.begin({ subject: "a", serverName: "s", resource: oauth.resource });
    expect(request.authorizationUrl).toBe(`http://127.0.0.1:3000/consent/${request.consentId}`);
    const real = (await consents.authorizationUrl(request.consentId)) as string;
    expect(new URL(real).searchParams.get("state")).toBeTruthy();
    expect(JSON.stringify(events)).not.toContain(new URL(real).searchParams.get("state"));
    consents.close();
  });
});

describe("createConsents over SQLite stores", () => {
  it("runs begin → complete → refresh-ready tokens and survives reopening the file", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { openSqliteStores } = await import("../stores/sqlite/open-sqlite-stores.js");
    const dir = mkdtempSync(join(tmpdir(), "authbus-consents-"));
    const path = join(dir, "a.db");
    const secret = "x".repeat(40);
    try {
      const oauth = createFakeOAuth({ scopesSupported: ["files.read"] });
      const bus = createAuthBus();
      let stores = openSqliteStores({ path, secret });
      let consents = createConsents({
        tokens: stores.tokens,
        store: stores.consents,
        registrations: stores.registrations,
        bus,
        client: { redirectUri },
        fetch: oauth.fetch,
      });
      const request = await consents.begin({
        subject: "alice",
        serverName: "files",
        resource: oauth.resource,
      });
      consents.close();
      stores.close();
      stores = openSqliteStores({ path, secret });
      consents = createConsents({
        tokens: stores.tokens,
        store: stores.consents,
        registrations: stores.registrations,
        bus,
        client: { redirectUri },
        fetch: oauth.fetch,
      });
      // The pending consent and the registration survived: joined, not registered again.
      const joined = await consents.begin({
        subject: "alice",
        serverName: "files",
        resource: oauth.resource,
      });
      expect(joined.consentId).toBe(request.consentId);
      expect(oauth.counters.registrations).toBe(1);
      const result = await consents.complete(oauth.answer(request.authorizationUrl));
      expect(result.outcome).toBe("granted");
      expect((await stores.tokens.get({ subject: "alice", resource: oauth.resource }))?.accessToken).toBe(
        oauth.issued.accessTokens[0],
      );
      consents.close();
      stores.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("two createConsents over one store", () => {
  it("make one consent for one need and accept a callback once", async () => {
    const oauth = createFakeOAuth({ scopesSupported: ["files.read"] });
    const tokens = new MemoryTokenStore();
    const store = new MemoryConsentStore();
    const registrations = new MemoryClientRegistrationStore();
    const make = () =>
      createConsents({
        tokens,
        store,
        registrations,
        bus: createAuthBus(),
        client: { redirectUri },
        fetch: oauth.fetch,
      });
    const a = make();
    const b = make();
    const input = { subject: "alice", serverName: "files", resource: oauth.resource };
    const [one, two] = await Promise.all([a.begin(input), b.begin(input)]);
    expect(two.consentId).toBe(one.consentId);
    const callback = oauth.answer(one.authorizationUrl);
    const results = await Promise.allSettled([a.complete(callback), b.complete(callback)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(oauth.counters.codeGrants).toBe(1);
    a.close();
    b.close();
  });
});

describe("begin's challenge input", () => {
  it("accepts an AuthChallengeError (or anything with `oauth`)", async () => {
    const { AuthChallengeError } = await import("@authbus/core");
    const { consents, tokens, key } = setup();
    await tokens.set(key, { accessToken: "old", tokenType: "Bearer", scopes: ["files.read"] });
    const error = new AuthChallengeError({
      status: 403,
      url: key.resource,
      headers: new Headers({ "www-authenticate": 'Bearer error="insufficient_scope", scope="files.write"' }),
    });
    const request = await consents.begin({
      subject: "alice",
      serverName: "files",
      resource: key.resource,
      challenge: error,
    });
    expect(request.reason).toBe("insufficient_scope");
    expect(request.scopes).toEqual(["files.read", "files.write", "offline_access"]);
    consents.close();
  });
});

describe("createConsents: retry limit and resource identifiers", () => {
  it("refuses a fourth consent for the same operation while the server keeps refusing", async () => {
    const { consents, oauth } = setup();
    const step = 'Bearer error="insufficient_scope", scope="files.admin"';
    const ask = () =>
      consents.begin({
        subject: "alice",
        serverName: "files",
        resource: oauth.resource,
        challenge: parseWWWAuthenticate(step)[0],
        operation: "delete_file",
      });
    for (let i = 0; i < 3; i++) {
      const request = await ask();
      await consents.complete(oauth.answer((await consents.authorizationUrl(request.consentId)) ?? ""));
    }
    await expect(ask()).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_RETRY_LIMIT") && e.attempts === 3 && e.operation === "delete_file",
    );
    // Another operation has its own count.
    await expect(
      consents.begin({
        subject: "alice",
        serverName: "files",
        resource: oauth.resource,
        operation: "list_files",
      }),
    ).resolves.toMatchObject({ serverName: "files" });
    consents.close();
  });

  it("sends the resource exactly as the metadata names it, and keeps tokens under the server URL", async () => {
    const { consents, oauth, tokens, key } = setup({ metadataResource: "https://mcp.test" });
    const request = await consents.begin({ subject: "alice", serverName: "files", resource: oauth.resource });
    const sent = new URL(request.authorizationUrl).searchParams.get("resource");
    expect(sent).toBe("https://mcp.test");
    await consents.complete(oauth.answer(request.authorizationUrl));
    expect(await tokens.get(key)).toMatchObject({ resourceIndicator: "https://mcp.test" });
    consents.close();
  });
});
