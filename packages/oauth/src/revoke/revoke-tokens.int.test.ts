import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  parseAuthEvent,
  type TokenSet,
} from "@authbus/core";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryClientRegistrationStore } from "../client/client-registration-store.js";
import { createConsents } from "../consent/create-consents.js";
import { createRefresher } from "../refresh/create-refresher.js";
import { leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { callTool } from "../testing/mcp-http.test-helpers.js";
import { revokeTokens } from "./revoke-tokens.js";

const redirectUri = "http://127.0.0.1:9/callback";
let demo: DemoServers;

beforeAll(async () => {
  demo = await startDemoServers();
});

afterAll(async () => {
  await demo?.close();
});

describe("revokeTokens against the testkit authorization server (oidc-provider)", () => {
  it("revokes the grant at the revocation endpoint: the old refresh token no longer works", async () => {
    const bus = createAuthBus();
    const events = recordEvents(bus);
    const tokens = new MemoryTokenStore();
    const registrations = new MemoryClientRegistrationStore();
    const client = { redirectUri };
    const key = { subject: "alice", resource: demo.files.url };
    const consents = createConsents({ tokens, store: new MemoryConsentStore(), registrations, bus, client });
    const request = await consents.begin({ subject: "alice", serverName: "files", resource: demo.files.url });
    await consents.complete(await approveConsent(request.authorizationUrl, { user: "alice" }));
    consents.close();
    const held = (await tokens.get(key)) as TokenSet;
    expect(held.refreshToken).toBeTruthy();
    const before = await callTool(demo.files.url, "list_files", held.accessToken);
    expect(before.status).toBe(200);
    await before.text();

    const result = await revokeTokens(key, { tokens, bus, client, registrations, serverName: () => "files" });
    expect(result.held).toBe(true);
    // oidc-provider cannot revoke its JWT access tokens (unsupported_token_type); revoking the
    // refresh token ends their grant instead (RFC 7009 §2.1).
    expect(result).toEqual({ held: true, server: "revoked", revoked: ["refresh_token"] });
    expect(await tokens.get(key)).toBeUndefined();

    // The server forgot the grant: the old refresh token is refused (invalid_grant) ...
    await tokens.set(key, held);
    const refresh = createRefresher({ tokens, bus, client, registrations });
    await expect(refresh(key)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "REFRESH_FAILED") && e.error === "invalid_grant",
    );
    // ... and the access token of that grant no longer opens the resource.
    const after = await callTool(demo.files.url, "list_files", held.accessToken);
    expect(after.status).toBe(401);
    await after.text();

    const revoked = events.filter((e) => e.type === "token.revoked");
    expect(revoked).toHaveLength(1);
    expect(parseAuthEvent("token.revoked", revoked[0]?.payload)).toMatchObject({
      serverName: "files",
      subject: "alice",
      resource: demo.files.url,
    });
    expect(leakedSecrets(events, [held.accessToken, held.refreshToken ?? ""])).toEqual([]);
  });
});
