import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthBus, isAuthbusError, type TokenSet } from "@authbus/core";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsents } from "../consent/create-consents.js";
import { openSqliteStores, type SqliteStores } from "../stores/sqlite/open-sqlite-stores.js";
import { leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { callTool } from "../testing/mcp-http.test-helpers.js";
import { createRefresher } from "./create-refresher.js";

const redirectUri = "http://127.0.0.1:9/callback";
const secret = "integration-test-secret-0123456789-abcdefgh";
let demo: DemoServers;
let dir: string;
let path: string;

function fileBytes(): string {
  return [path, `${path}-wal`, `${path}-shm`]
    .filter(existsSync)
    .map((p) => readFileSync(p).toString("latin1"))
    .join("");
}

beforeAll(async () => {
  demo = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "authbus-refresh-"));
  path = join(dir, "authbus.db");
});

afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("refresh with rotation over SQLite stores, against the testkit authorization server", () => {
  it("consents, refreshes once for concurrent callers, never reuses a refresh token, survives reopening", async () => {
    const bus = createAuthBus();
    const events = recordEvents(bus);
    const key = { subject: "alice", resource: demo.files.url };
    let stores: SqliteStores = openSqliteStores({ path, secret });
    const consents = createConsents({
      tokens: stores.tokens,
      store: stores.consents,
      registrations: stores.registrations,
      bus,
      client: { redirectUri },
    });
    const request = await consents.begin({ subject: "alice", serverName: "files", resource: demo.files.url });
    expect(request.scopes).toContain("offline_access");
    await consents.complete(await approveConsent(request.authorizationUrl, { user: "alice" }));
    consents.close();
    const first = (await stores.tokens.get(key)) as TokenSet;
    expect(first.refreshToken).toBeTruthy();

    const one = createRefresher({ tokens: stores.tokens, bus, serverName: () => "files" });
    const two = createRefresher({ tokens: stores.tokens, bus, serverName: () => "files" });
    const refreshesBefore = demo.authServer.stats.refreshRequests;
    const results = await Promise.all([one(key), two(key), one(key), two(key)]);
    expect(demo.authServer.stats.refreshRequests - refreshesBefore).toBe(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    const second = (await stores.tokens.get(key)) as TokenSet;
    expect(second.accessToken).toBe(results[0]?.accessToken);
    expect(second.refreshToken).toBeTruthy();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.scopes).toEqual(first.scopes);

    // The refreshed token works at the resource it was issued for.
    const ok = await callTool(demo.files.url, "list_files", second.accessToken);
    expect(ok.status).toBe(200);
    await ok.text();

    // Sequential refreshes use the rotated token each time: no refresh request fails.
    await one(key);
    const third = (await stores.tokens.get(key)) as TokenSet;
    expect(demo.authServer.stats.refreshFailures).toBe(0);

    const secrets = [first, second, third].flatMap((t) => [t.accessToken, t.refreshToken ?? ""]);
    const bytes = fileBytes();
    expect(bytes.includes("files")).toBe(true);
    expect(secrets.filter((s) => bytes.includes(s))).toEqual([]);

    // Close and reopen: tokens, consent and client registration are still there.
    stores.close();
    expect(secrets.filter((s) => fileBytes().includes(s))).toEqual([]);
    stores = openSqliteStores({ path, secret });
    expect(await stores.tokens.get(key)).toEqual(third);
    expect((await stores.consents.get(request.consentId))?.status).toBe("granted");
    const registrationsBefore = demo.authServer.stats.registrations;
    const again = createConsents({
      tokens: stores.tokens,
      store: stores.consents,
      registrations: stores.registrations,
      bus,
      client: { redirectUri },
    });
    await again.begin({ subject: "bob", serverName: "files", resource: demo.files.url });
    expect(demo.authServer.stats.registrations).toBe(registrationsBefore);
    again.close();

    // The old refresh token is refused by the server (it was rotated away).
    const replay = await fetch(demo.authServer.endpoints.token, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: first.refreshToken as string,
        client_id: third.clientId as string,
        resource: demo.files.url,
      }),
    });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe("invalid_grant");

    // The server may now have revoked the grant: the refresher says consent is needed, drops the tokens.
    await demo.authServer.revokeUser("alice");
    const refresh = createRefresher({ tokens: stores.tokens, bus, serverName: () => "files" });
    const failure = await refresh(key).catch((e: unknown) => e);
    expect(isAuthbusError(failure, "REFRESH_FAILED") && failure.consentRequired).toBe(true);
    expect(await stores.tokens.get(key)).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: "token.refresh_failed", payload: { serverName: "files" } });
    expect(events.filter((e) => e.type === "token.refreshed")).toHaveLength(2);

    const afterFailure = createConsents({
      tokens: stores.tokens,
      store: stores.consents,
      registrations: stores.registrations,
      bus,
      client: { redirectUri },
    });
    const reconsent = await afterFailure.begin({
      subject: "alice",
      serverName: "files",
      resource: demo.files.url,
      reason: "refresh_failed",
    });
    expect(reconsent.reason).toBe("refresh_failed");
    afterFailure.close();
    stores.close();

    expect(leakedSecrets(events, secrets)).toEqual([]);
  });
});
