import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  type TokenSet,
} from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createConsents } from "../consent/create-consents.js";
import { createFakeOAuth } from "../testing/fake-oauth.test-helpers.js";
import { createRefresher } from "./create-refresher.js";

describe("createRefresher with a token endpoint that never answers", () => {
  it("fails with a RefreshError caused by a typed timeout, keeps the tokens, and frees the flight", async () => {
    const oauth = createFakeOAuth({ scopesSupported: ["files.read"] });
    const tokens = new MemoryTokenStore();
    const bus = createAuthBus();
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
    const held = (await tokens.get(key)) as TokenSet;

    let hang = true;
    const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
      hang && new Request(input, init).url === `${oauth.issuer}/token`
        ? new Promise<Response>(() => {})
        : oauth.fetch(input, init);
    const refresh = createRefresher({ tokens, bus, fetch, timeoutMs: 40 });
    const caught = await refresh(key).catch((error: unknown) => error);
    expect(isAuthbusError(caught, "REFRESH_FAILED")).toBe(true);
    expect((caught as { consentRequired: boolean }).consentRequired).toBe(false);
    expect(isAuthbusError((caught as Error).cause, "REQUEST_TIMEOUT")).toBe(true);
    // A passing failure: the tokens are kept, and the next refresh sends a new grant.
    expect(await tokens.get(key)).toEqual(held);
    hang = false;
    expect((await refresh(key)).accessToken).not.toBe(held.accessToken);
  });
});
