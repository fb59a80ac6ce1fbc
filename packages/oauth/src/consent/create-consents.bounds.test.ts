import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  parseWWWAuthenticate,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { MemoryClientRegistrationStore } from "../client/client-registration-store.js";
import { createFakeOAuth } from "../testing/fake-oauth.test-helpers.js";
import { type ConsentsOptions, createConsents } from "./create-consents.js";

const redirectUri = "http://127.0.0.1:3000/callback";

// The fake authorization server, except that its token endpoint never answers (and ignores the signal).
function setup(extra: Partial<ConsentsOptions> = {}) {
  const oauth = createFakeOAuth({ scopesSupported: ["files.read"] });
  let tokenRequests = 0;
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new Request(input, init).url;
    if (url === `${oauth.issuer}/token`) {
      tokenRequests += 1;
      return new Promise<Response>(() => {});
    }
    return oauth.fetch(input, init);
  };
  const store = new MemoryConsentStore();
  const consents = createConsents({
    tokens: new MemoryTokenStore(),
    store,
    registrations: new MemoryClientRegistrationStore(),
    bus: createAuthBus(),
    client: { redirectUri },
    fetch,
    ...extra,
  });
  const begin = (challenge?: string) =>
    consents.begin({
      subject: "alice",
      serverName: "files",
      resource: oauth.resource,
      challenge: challenge ? parseWWWAuthenticate(challenge)[0] : undefined,
    });
  return { oauth, consents, store, begin, tokenRequests: () => tokenRequests };
}

describe("consents.complete() with a token endpoint that never answers", () => {
  it("fails with a typed timeout after timeoutMs and never leaves the consent in progress", async () => {
    const { oauth, consents, store, begin, tokenRequests } = setup({ timeoutMs: 50 });
    const request = await begin();
    const callback = oauth.answer(request.authorizationUrl);
    const started = Date.now();
    let caught: unknown;
    try {
      await consents.complete(callback);
    } catch (error) {
      caught = error;
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(isAuthbusError(caught, "CONSENT_CALLBACK")).toBe(true);
    expect(isAuthbusError((caught as Error).cause, "REQUEST_TIMEOUT")).toBe(true);
    expect((caught as Error).cause).toMatchObject({ code: "REQUEST_TIMEOUT", timeoutMs: 50 });
    expect(tokenRequests()).toBe(1);
    // The `completing` mark was released: a second callback is refused as settled (the code is
    // single-use, so the consent was denied), not as "in_progress".
    await expect(consents.complete(callback)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "settled",
    );
    expect((await store.get(request.consentId))?.status).toBe("denied");
    consents.close();
  });

  it("stops at once when the app's signal aborts, with a typed error", async () => {
    const controller = new AbortController();
    const { oauth, consents, begin } = setup({ signal: controller.signal, timeoutMs: 60_000 });
    const request = await begin();
    const pending = consents.complete(oauth.answer(request.authorizationUrl));
    setTimeout(() => controller.abort(), 20);
    const caught = await pending.catch((error: unknown) => error);
    expect(isAuthbusError(caught, "CONSENT_CALLBACK")).toBe(true);
    expect(isAuthbusError((caught as Error).cause, "REQUEST_ABORTED")).toBe(true);
    expect(String((caught as Error).cause)).not.toContain("DOMException");
    consents.close();
  });

  it("refuses a callback URL that does not parse as carrying no state, without a TypeError", async () => {
    const { consents } = setup();
    await expect(consents.complete("not a url")).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "missing",
    );
    consents.close();
  });
});

describe("consents.begin() and the network policy", () => {
  it("refuses a challenge's resource_metadata in a private network before fetching it", async () => {
    for (const hint of [
      "http://169.254.169.254/latest/meta-data/",
      "https://10.0.0.7/.well-known/oauth-protected-resource",
      "https://[::ffff:7f00:1]/prm",
      "https://2130706433/prm",
    ]) {
      const { begin, consents } = setup();
      const caught = await begin(`Bearer resource_metadata="${hint}"`).catch((error: unknown) => error);
      expect(isAuthbusError(caught, "URL_REFUSED"), hint).toBe(true);
      consents.close();
    }
  });
});
