import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  parseWWWAuthenticate,
  selectOAuthChallenge,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import {
  DEFAULT_CLIENT_ID,
  type DemoServers,
  type ProtectedMCPServer,
  startDemoServers,
  startProtectedMCPServer,
} from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryClientRegistrationStore } from "../client/client-registration-store.js";
import { type ConsentsOptions, createConsents } from "../consent/create-consents.js";
import { openSqliteStores } from "../stores/sqlite/open-sqlite-stores.js";
import { type LoggedEvent, leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { callTool } from "../testing/mcp-http.test-helpers.js";

const redirectUri = "http://127.0.0.1:9/callback";
const SECRET = "channels-integration-secret-0123456789abcdef";
let demo: DemoServers;
let shortLived: DemoServers;
let workspace: ProtectedMCPServer;
const dir = mkdtempSync(join(tmpdir(), "authbus-channels-"));
const allEvents: LoggedEvent[] = [];
// Every secret a test saw: tokens, auth_req_ids, device codes. None may appear in any event.
const secrets: string[] = [];

function setup(extra: Partial<ConsentsOptions> = {}, servers: DemoServers = demo) {
  const bus = createAuthBus();
  const events = recordEvents(bus);
  bus.on("*", (type, payload) => allEvents.push({ type: String(type), payload }));
  const tokens = new MemoryTokenStore();
  const store = new MemoryConsentStore();
  const consents = createConsents({
    tokens,
    store,
    bus,
    client: { redirectUri, clientId: DEFAULT_CLIENT_ID },
    channel: () => "ciba",
    loginHint: (subject) => subject,
    ...extra,
  });
  return { bus, events, tokens, store, consents, servers };
}

async function held(tokens: TokenStore, subject: string, resource: string): Promise<TokenSet> {
  const found = await tokens.get({ subject, resource });
  if (!found) throw new Error(`no tokens for ${subject}`);
  secrets.push(found.accessToken, found.refreshToken ?? "");
  return found;
}

function rememberRequests(servers: DemoServers): void {
  for (const request of servers.authServer.backchannelRequests()) secrets.push(request.authReqId);
  for (const request of servers.authServer.deviceRequests()) secrets.push(request.deviceCode);
}

beforeAll(async () => {
  [demo, shortLived] = await Promise.all([
    startDemoServers({ authServer: { polling: { interval: 1 } } }),
    startDemoServers({ authServer: { polling: { interval: 1, expiresIn: 2 } } }),
  ]);
  workspace = await startProtectedMCPServer({
    name: "workspace",
    authServer: demo.authServer,
    tools: [
      { name: "list_events", scopes: ["calendar.read"], handler: () => "[]" },
      { name: "delete_file", scopes: ["files.write"], handler: () => "deleted" },
    ],
  });
});

afterAll(async () => {
  rememberRequests(demo);
  rememberRequests(shortLived);
  // Nothing secret in any event of any test: tokens, auth_req_ids, device codes.
  expect(leakedSecrets(allEvents, secrets)).toEqual([]);
  await workspace?.close();
  await Promise.all([demo?.close(), shortLived?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("CIBA (poll mode) against the testkit authorization server", () => {
  it("asks on the back channel with a binding message, and is granted when the person approves", async () => {
    const { consents, tokens, events } = setup();
    const request = await consents.begin({
      subject: "alice",
      serverName: "calendar",
      resource: demo.calendar.url,
      callId: "call-1",
    });
    expect(request.channel).toBe("ciba");
    expect(request.bindingMessage).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    // The same binding message on the person's device; the resource and scopes as on a redirect.
    const [received] = demo.authServer.backchannelRequests().filter((r) => r.loginHint === "alice");
    expect(received).toMatchObject({
      bindingMessage: request.bindingMessage,
      resources: [demo.calendar.url],
      status: "pending",
    });
    expect(received?.scopes).toEqual(expect.arrayContaining(["openid", "calendar.read"]));
    const outcome = consents.wait(request.consentId);
    await demo.authServer.approveBackchannel("alice");
    expect(await outcome).toBe("granted");

    const tokenSet = await held(tokens, "alice", demo.calendar.url);
    expect(tokenSet.scopes).toContain("calendar.read");
    const ok = await callTool(demo.calendar.url, "list_events", tokenSet.accessToken);
    expect(ok.status).toBe(200);
    await ok.text();
    expect(events.map((e) => e.type)).toEqual(["consent.required", "consent.granted"]);
    expect(events[0]?.payload).toMatchObject({ channel: "ciba", callId: "call-1" });
    expect(events[1]?.payload).toMatchObject({ consentId: request.consentId, callId: "call-1" });
    expect((await consents.get(request.consentId))?.status).toBe("granted");
    // Settled: a second wait answers at once.
    expect(await consents.wait(request.consentId)).toBe("granted");
    consents.close();
  });

  it("ends denied when the person refuses on their device", async () => {
    const { consents, tokens, events } = setup();
    const request = await consents.begin({ subject: "bob", serverName: "files", resource: demo.files.url });
    const outcome = consents.wait(request.consentId);
    await demo.authServer.approveBackchannel("bob", { approve: false });
    expect(await outcome).toBe("denied");
    expect(events.at(-1)).toMatchObject({
      type: "consent.denied",
      payload: { consentId: request.consentId, error: "access_denied" },
    });
    expect(await tokens.get({ subject: "bob", resource: demo.files.url })).toBeUndefined();
    consents.close();
  });

  it("ends expired when nobody answers before the request expires, and stops polling", async () => {
    const { consents, events } = setup({}, shortLived);
    const request = await consents.begin({
      subject: "carol",
      serverName: "files",
      resource: shortLived.files.url,
    });
    // The server's expiry (2 s) bounds the consent's.
    expect(request.expiresAt - Date.now()).toBeLessThanOrEqual(2_000);
    expect(await consents.wait(request.consentId)).toBe("expired");
    expect(events.map((e) => e.type)).toEqual(["consent.required", "consent.expired"]);
    const polls = shortLived.authServer.polls().length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(shortLived.authServer.polls().length).toBe(polls);
    consents.close();
  });

  it("keeps polling through a network failure, and stops when the consent is denied here", async () => {
    let failures = 0;
    const flaky: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith("/token") && failures === 0) {
        failures += 1;
        throw new TypeError("fetch failed");
      }
      return fetch(input, init);
    };
    const { consents } = setup({ fetch: flaky });
    const request = await consents.begin({ subject: "liam", serverName: "files", resource: demo.files.url });
    const outcome = consents.wait(request.consentId);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(failures).toBe(1);
    await demo.authServer.approveBackchannel("liam");
    expect(await outcome).toBe("granted");

    // The person closes the card in the app: polling stops, the outcome is denied.
    const second = await consents.begin({
      subject: "liam",
      serverName: "calendar",
      resource: demo.calendar.url,
    });
    const denied = consents.wait(second.consentId);
    expect(await consents.deny(second.consentId)).toBe(true);
    expect(await denied).toBe("denied");
    const polls = demo.authServer.polls().length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(demo.authServer.polls().length).toBe(polls);
    consents.close();
  });

  it("adds 5 seconds to the interval on slow_down", async () => {
    const { consents } = setup();
    demo.authServer.slowDownNextPolls(1);
    const request = await consents.begin({ subject: "dave", serverName: "files", resource: demo.files.url });
    const outcome = consents.wait(request.consentId);
    const since = demo.authServer.polls().length;
    // Wait for the slowed-down poll, then approve.
    while (
      !demo.authServer
        .polls()
        .slice(since)
        .some((p) => p.answer === "slow_down")
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await demo.authServer.approveBackchannel("dave");
    expect(await outcome).toBe("granted");
    const polls = demo.authServer.polls().slice(since);
    expect(polls.map((p) => p.answer)).toEqual(["slow_down", "tokens"]);
    const [slowed, next] = polls;
    // interval 1 s + 5 s.
    expect((next?.at ?? 0) - (slowed?.at ?? 0)).toBeGreaterThanOrEqual(5_900);
    consents.close();
  }, 20_000);

  it("survives a restart: a new instance over the same SQLite store picks up the pending request", async () => {
    const path = join(dir, "restart.db");
    const first = openSqliteStores({ path, secret: SECRET });
    const bus = createAuthBus();
    const events = recordEvents(bus);
    const options = {
      bus,
      client: { redirectUri, clientId: DEFAULT_CLIENT_ID },
      channel: () => "ciba" as const,
      loginHint: (subject: string) => subject,
    };
    const before = createConsents({ ...options, tokens: first.tokens, store: first.consents });
    const request = await before.begin({
      subject: "erin",
      serverName: "calendar",
      resource: demo.calendar.url,
    });
    const since = demo.authServer.polls().length;
    while (demo.authServer.polls().length === since) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The process dies while polling.
    before.close();
    first.close();

    // The auth_req_id is in the store, sealed: not in the file's bytes.
    const authReqId = demo.authServer.backchannelRequests().find((r) => r.loginHint === "erin")?.authReqId;
    expect(authReqId).toBeTruthy();
    const bytes = Buffer.concat(
      ["", "-wal"].map((suffix) => {
        try {
          return readFileSync(`${path}${suffix}`);
        } catch {
          return Buffer.alloc(0);
        }
      }),
    );
    expect(bytes.includes(Buffer.from(String(authReqId)))).toBe(false);

    const second = openSqliteStores({ path, secret: SECRET });
    const after = createConsents({ ...options, tokens: second.tokens, store: second.consents });
    const outcome = after.wait(request.consentId);
    await demo.authServer.approveBackchannel("erin");
    expect(await outcome).toBe("granted");
    const tokenSet = await held(second.tokens, "erin", demo.calendar.url);
    expect(tokenSet.scopes).toContain("calendar.read");
    expect(events.map((e) => e.type)).toEqual(["consent.required", "consent.granted"]);
    after.close();
    second.close();
  });

  it("steps up through CIBA with the union of held and challenged scopes", async () => {
    const { consents, tokens } = setup();
    const first = await consents.begin({
      subject: "frank",
      serverName: "workspace",
      resource: workspace.url,
      challenge: {
        scheme: "bearer",
        scope: ["calendar.read"],
        resourceMetadata: workspace.resourceMetadataUrl,
      },
    });
    const granted = consents.wait(first.consentId);
    await demo.authServer.approveBackchannel("frank");
    expect(await granted).toBe("granted");
    const narrow = await held(tokens, "frank", workspace.url);
    expect(narrow.scopes).not.toContain("files.write");

    const forbidden = await callTool(workspace.url, "delete_file", narrow.accessToken);
    expect(forbidden.status).toBe(403);
    const header = forbidden.headers.get("www-authenticate") ?? "";
    await forbidden.text();
    const stepUp = await consents.begin({
      subject: "frank",
      serverName: "workspace",
      resource: workspace.url,
      challenge: selectOAuthChallenge(parseWWWAuthenticate(header)),
    });
    expect(stepUp).toMatchObject({ channel: "ciba", reason: "insufficient_scope" });
    expect(stepUp.scopes).toEqual(expect.arrayContaining(["calendar.read", "files.write"]));
    const asked = demo.authServer
      .backchannelRequests()
      .filter((r) => r.loginHint === "frank")
      .at(-1);
    expect(asked?.scopes).toEqual(expect.arrayContaining(["calendar.read", "files.write"]));
    const steppedUp = consents.wait(stepUp.consentId);
    await demo.authServer.approveBackchannel("frank");
    expect(await steppedUp).toBe("granted");
    const wide = await held(tokens, "frank", workspace.url);
    expect(wide.scopes).toEqual(expect.arrayContaining(["calendar.read", "files.write"]));
    for (const tool of ["delete_file", "list_events"]) {
      const response = await callTool(workspace.url, tool, wide.accessToken);
      expect(response.status, tool).toBe(200);
      await response.text();
    }
    consents.close();
  });

  it("goes by redirect without a login hint, and refuses with a typed error a person the server does not know", async () => {
    const { consents } = setup({ loginHint: () => undefined });
    const redirect = await consents.begin({ subject: "gina", serverName: "files", resource: demo.files.url });
    expect(redirect.channel).toBeUndefined();
    expect(new URL(redirect.authorizationUrl).pathname).toBe("/auth");
    consents.close();

    await using strictServers = await startDemoServers({
      authServer: { users: ["alice"], polling: { interval: 1 } },
    });
    const { consents: strict, store } = setup({}, strictServers);
    const refused = await strict
      .begin({ subject: "mallory", serverName: "files", resource: strictServers.files.url })
      .catch((error: unknown) => error);
    expect(isAuthbusError(refused, "CONSENT_CHANNEL")).toBe(true);
    expect(refused).toMatchObject({ channel: "ciba", error: "unknown_user_id" });
    expect(await store.findPending("mallory", strictServers.files.url)).toEqual([]);
    strict.close();
  });
});

describe("both polled channels with DPoP (RFC 9449)", () => {
  it("poll with proofs of the consent's key, so the tokens are bound to it", async () => {
    await using dpop = await startDemoServers({ dpop: true, authServer: { polling: { interval: 1 } } });
    for (const channel of ["ciba", "device"] as const) {
      const { consents, tokens } = setup({ channel: () => channel }, dpop);
      const request = await consents.begin({
        subject: "zoe",
        serverName: "calendar",
        resource: dpop.calendar.url,
      });
      const outcome = consents.wait(request.consentId);
      if (channel === "ciba") await dpop.authServer.approveBackchannel("zoe");
      else await dpop.authServer.approveDevice(request.userCode ?? "", { user: "zoe" });
      expect(await outcome, channel).toBe("granted");
      const tokenSet = await held(tokens, "zoe", dpop.calendar.url);
      expect(tokenSet.tokenType).toBe("DPoP");
      expect(tokenSet.dpopKey).toBeTruthy();
      consents.close();
    }
    rememberRequests(dpop);
  });
});

describe("device authorization (RFC 8628) against the testkit authorization server", () => {
  it("shows a user code and verification URI, and is granted when the person approves", async () => {
    const { consents, tokens, events } = setup({ channel: () => "device" });
    const request = await consents.begin({
      subject: "henry",
      serverName: "calendar",
      resource: demo.calendar.url,
    });
    expect(request.channel).toBe("device");
    expect(request.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(request.verificationUri).toBe(`${demo.authServer.issuer}/device`);
    expect(request.verificationUriComplete).toContain(encodeURIComponent(request.userCode ?? "-"));
    // Without a launch link, the link to show is the verification URI.
    expect(request.authorizationUrl).toBe(request.verificationUriComplete);
    const outcome = consents.wait(request.consentId);
    await demo.authServer.approveDevice(request.userCode ?? "", { user: "henry" });
    expect(await outcome).toBe("granted");
    const tokenSet = await held(tokens, "henry", demo.calendar.url);
    const ok = await callTool(demo.calendar.url, "list_events", tokenSet.accessToken);
    expect(ok.status).toBe(200);
    await ok.text();
    expect(events.map((e) => e.type)).toEqual(["consent.required", "consent.granted"]);
    expect(events[0]?.payload).toMatchObject({ channel: "device" });
    consents.close();
  });

  it("registers a client for the decoupled grants when no client is configured (RFC 7591)", async () => {
    const { consents, tokens } = setup({
      channel: () => "device",
      client: { redirectUri },
      registrations: new MemoryClientRegistrationStore(),
    });
    const request = await consents.begin({
      subject: "olga",
      serverName: "calendar",
      resource: demo.calendar.url,
    });
    expect(request.channel).toBe("device");
    const outcome = consents.wait(request.consentId);
    await demo.authServer.approveDevice(request.userCode ?? "", { user: "olga" });
    expect(await outcome).toBe("granted");
    const tokenSet = await held(tokens, "olga", demo.calendar.url);
    expect(tokenSet.clientId).not.toBe(DEFAULT_CLIENT_ID);
    consents.close();
  });

  it("ends denied when the person refuses at the verification page", async () => {
    const { consents } = setup({ channel: () => "device" });
    const request = await consents.begin({ subject: "ivy", serverName: "files", resource: demo.files.url });
    const outcome = consents.wait(request.consentId);
    await demo.authServer.approveDevice(request.userCode ?? "", { approve: false });
    expect(await outcome).toBe("denied");
    consents.close();
  });

  it("ends expired when the device code expires", async () => {
    const { consents, events } = setup({ channel: () => "device" }, shortLived);
    const request = await consents.begin({
      subject: "jack",
      serverName: "files",
      resource: shortLived.files.url,
    });
    expect(await consents.wait(request.consentId)).toBe("expired");
    expect(events.map((e) => e.type)).toEqual(["consent.required", "consent.expired"]);
    // The server counts in whole seconds; a moment later the code is gone there too.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expect(shortLived.authServer.approveDevice(request.userCode ?? "")).rejects.toThrow();
    consents.close();
  });

  it("goes by redirect when a step-up asks for acr_values (the device flow cannot carry them)", async () => {
    const { consents } = setup({ channel: () => "device" });
    const request = await consents.begin({
      subject: "kate",
      serverName: "files",
      resource: demo.files.url,
      challenge: {
        scheme: "bearer",
        error: "insufficient_user_authentication",
        acrValues: ["urn:authbus:acr:mfa"],
      },
    });
    expect(request.channel).toBeUndefined();
    expect(new URL(request.authorizationUrl).searchParams.get("acr_values")).toBe("urn:authbus:acr:mfa");
    consents.close();
  });
});
