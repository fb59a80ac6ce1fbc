import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  parseWWWAuthenticate,
  selectOAuthChallenge,
  type TokenSet,
} from "@authbus/core";
import {
  approveConsent,
  DEFAULT_CLIENT_ID,
  type DemoServers,
  type ProtectedMCPServer,
  startDemoServers,
  startProtectedMCPServer,
} from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryClientRegistrationStore } from "../client/client-registration-store.js";
import { type LoggedEvent, leakedSecrets, recordEvents } from "../testing/event-log.test-helpers.js";
import { callTool, postInitialize } from "../testing/mcp-http.test-helpers.js";
import { type ConsentsOptions, createConsents } from "./create-consents.js";

const redirectUri = "http://127.0.0.1:9/callback";
let demo: DemoServers;
let workspace: ProtectedMCPServer;
const allEvents: LoggedEvent[] = [];
const seenTokens: string[] = [];

function challengeOf(response: Response) {
  const header = response.headers.get("www-authenticate");
  if (!header) throw new Error(`no challenge on ${response.status}`);
  const challenge = selectOAuthChallenge(parseWWWAuthenticate(header));
  if (!challenge) throw new Error("no Bearer challenge");
  return challenge;
}

function setup(extra: Partial<ConsentsOptions> = {}) {
  const bus = createAuthBus();
  const events = recordEvents(bus);
  bus.on("*", (type, payload) => allEvents.push({ type: String(type), payload }));
  const tokens = new MemoryTokenStore();
  const store = new MemoryConsentStore();
  const registrations = new MemoryClientRegistrationStore();
  const consents = createConsents({ tokens, store, registrations, bus, client: { redirectUri }, ...extra });
  return { bus, events, tokens, store, registrations, consents };
}

async function remember(
  tokens: MemoryTokenStore,
  key: { subject: string; resource: string },
): Promise<TokenSet> {
  const held = (await tokens.get(key)) as TokenSet;
  seenTokens.push(held.accessToken, held.refreshToken ?? "");
  return held;
}

beforeAll(async () => {
  demo = await startDemoServers();
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
  await workspace?.close();
  await demo?.close();
});

describe("consents against the testkit authorization server", () => {
  it("goes from a real 401 to stored tokens the server accepts", async () => {
    const { consents, tokens, events } = setup();
    const unauthorized = await postInitialize(demo.calendar.url);
    expect(unauthorized.status).toBe(401);
    const request = await consents.begin({
      subject: "alice",
      serverName: "calendar",
      resource: demo.calendar.url,
      challenge: challengeOf(unauthorized),
      callId: "call-1",
    });
    expect(request.reason).toBe("missing_token");
    expect(request.scopes).toContain("calendar.read");
    expect(new URL(request.authorizationUrl).searchParams.get("resource")).toBe(demo.calendar.url);

    const callback = await approveConsent(request.authorizationUrl, { user: "alice" });
    expect(new URL(callback).searchParams.get("iss")).toBe(demo.authServer.issuer);
    const result = await consents.complete(callback);
    expect(result).toMatchObject({ outcome: "granted", subject: "alice", serverName: "calendar" });

    const held = await remember(tokens, { subject: "alice", resource: demo.calendar.url });
    expect(held.refreshToken).toBeTruthy();
    expect(held.scopes).toContain("calendar.read");
    const ok = await callTool(demo.calendar.url, "list_events", held.accessToken);
    expect(ok.status).toBe(200);
    await ok.text();
    expect(demo.calendar.foreignTokens()).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(["consent.required", "consent.granted"]);
    consents.close();
  });

  it("steps up from calendar.read to the union with files.write", async () => {
    const { consents, tokens } = setup();
    const key = { subject: "bob", resource: workspace.url };
    const first = await consents.begin({
      subject: "bob",
      serverName: "workspace",
      resource: workspace.url,
      challenge: {
        scheme: "bearer",
        scope: ["calendar.read"],
        resourceMetadata: workspace.resourceMetadataUrl,
      },
    });
    await consents.complete(await approveConsent(first.authorizationUrl, { user: "bob" }));
    const narrow = await remember(tokens, key);
    expect(narrow.scopes).toContain("calendar.read");
    expect(narrow.scopes).not.toContain("files.write");

    const forbidden = await callTool(workspace.url, "delete_file", narrow.accessToken);
    expect(forbidden.status).toBe(403);
    const stepUp = await consents.begin({
      subject: "bob",
      serverName: "workspace",
      resource: workspace.url,
      challenge: challengeOf(forbidden),
    });
    expect(stepUp.reason).toBe("insufficient_scope");
    expect(stepUp.scopes).toEqual(expect.arrayContaining(["calendar.read", "files.write"]));
    await consents.complete(await approveConsent(stepUp.authorizationUrl, { user: "bob" }));
    const wide = await remember(tokens, key);
    expect(wide.scopes).toEqual(expect.arrayContaining(["calendar.read", "files.write"]));
    for (const tool of ["delete_file", "list_events"]) {
      const response = await callTool(workspace.url, tool, wide.accessToken);
      expect(response.status, tool).toBe(200);
      await response.text();
    }
    consents.close();
  });

  it("records a denial", async () => {
    const { consents, tokens, events } = setup();
    const request = await consents.begin({ subject: "carol", serverName: "files", resource: demo.files.url });
    const callback = await approveConsent(request.authorizationUrl, { user: "carol", approve: false });
    const result = await consents.complete(callback);
    expect(result).toMatchObject({ outcome: "denied", error: "access_denied" });
    expect(events.at(-1)).toMatchObject({
      type: "consent.denied",
      payload: { consentId: request.consentId },
    });
    expect(await tokens.get({ subject: "carol", resource: demo.files.url })).toBeUndefined();
    await expect(consents.complete(callback)).rejects.toSatisfy((e: unknown) =>
      isAuthbusError(e, "CONSENT_STATE"),
    );
  });

  it("refuses a callback after the consent expired", async () => {
    let clock = Date.now();
    const { consents, events } = setup({ now: () => clock, ttlSeconds: 30 });
    const request = await consents.begin({ subject: "dave", serverName: "files", resource: demo.files.url });
    const callback = await approveConsent(request.authorizationUrl, { user: "dave" });
    clock += 31_000;
    const tokenRequests = demo.authServer.stats.tokenRequests;
    await expect(consents.complete(callback)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "expired",
    );
    expect(demo.authServer.stats.tokenRequests).toBe(tokenRequests);
    expect(events.map((e) => e.type)).toEqual(["consent.required", "consent.expired"]);
    consents.close();
  });

  it("refuses wrong, replayed and forged state, and accepts one of two racing callbacks", async () => {
    const { consents, events } = setup();
    const request = await consents.begin({ subject: "erin", serverName: "files", resource: demo.files.url });
    const callback = await approveConsent(request.authorizationUrl, { user: "erin" });

    const forged = new URL(callback);
    forged.searchParams.set("state", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    await expect(consents.complete(forged)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "unknown",
    );
    // The state of another pending consent does not fit this code.
    const other = await consents.begin({ subject: "frank", serverName: "files", resource: demo.files.url });
    const wrong = new URL(callback);
    wrong.searchParams.set(
      "state",
      new URL((await consents.authorizationUrl(other.consentId)) ?? "").searchParams.get("state") ?? "",
    );
    await expect(consents.complete(wrong)).rejects.toThrow();
    expect((await consents.get(request.consentId))?.status).toBe("pending");

    const tokenRequests = demo.authServer.stats.tokenRequests;
    const raced = await Promise.allSettled([consents.complete(callback), consents.complete(callback)]);
    expect(raced.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(demo.authServer.stats.tokenRequests - tokenRequests).toBe(1);
    await expect(consents.complete(callback)).rejects.toSatisfy(
      (e) => isAuthbusError(e, "CONSENT_STATE") && e.problem === "settled",
    );
    expect(events.filter((e) => e.type === "consent.granted")).toHaveLength(1);
    consents.close();
  });

  it("registers dynamically once per authorization server, and uses a pre-registered client id", async () => {
    const before = demo.authServer.stats.registrations;
    const registrations = new MemoryClientRegistrationStore();
    const a = setup({ registrations });
    const b = setup({ registrations });
    const [one, two] = await Promise.all([
      a.consents.begin({ subject: "gina", serverName: "files", resource: demo.files.url }),
      b.consents.begin({ subject: "hank", serverName: "calendar", resource: demo.calendar.url }),
    ]);
    expect(demo.authServer.stats.registrations - before).toBe(1);
    const clientId = new URL(one.authorizationUrl).searchParams.get("client_id");
    expect(new URL(two.authorizationUrl).searchParams.get("client_id")).toBe(clientId);
    expect(clientId).not.toBe(DEFAULT_CLIENT_ID);
    await a.consents.complete(await approveConsent(one.authorizationUrl, { user: "gina" }));
    seenTokens.push((await a.tokens.get({ subject: "gina", resource: demo.files.url }))?.accessToken ?? "");
    a.consents.close();
    b.consents.close();

    const pre = setup({ client: { redirectUri, clientId: DEFAULT_CLIENT_ID } });
    const request = await pre.consents.begin({
      subject: "ivy",
      serverName: "files",
      resource: demo.files.url,
    });
    expect(new URL(request.authorizationUrl).searchParams.get("client_id")).toBe(DEFAULT_CLIENT_ID);
    expect(demo.authServer.stats.registrations - before).toBe(1);
    expect(
      (await pre.consents.complete(await approveConsent(request.authorizationUrl, { user: "ivy" }))).outcome,
    ).toBe("granted");
    await remember(pre.tokens, { subject: "ivy", resource: demo.files.url });
    pre.consents.close();
  });

  it("rejects protected resource metadata whose resource is another server (RFC 9728 §3.3)", async () => {
    const liar = await startProtectedMCPServer({
      name: "liar",
      authServer: demo.authServer,
      metadataResource: "http://127.0.0.1:1/somewhere-else",
      tools: [{ name: "noop", scopes: ["noop"] }],
    });
    try {
      const { consents, events } = setup();
      const unauthorized = await postInitialize(liar.url);
      await expect(
        consents.begin({
          subject: "alice",
          serverName: "liar",
          resource: liar.url,
          challenge: challengeOf(unauthorized),
        }),
      ).rejects.toSatisfy((e: unknown) => isAuthbusError(e, "RESOURCE_MISMATCH"));
      expect(events).toEqual([]);
    } finally {
      await liar.close();
    }
  });

  it("refuses an authorization server without S256", async () => {
    let origin = "";
    const server: Server = createServer((req, res) => {
      const json = (body: unknown) => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (req.url === "/.well-known/oauth-protected-resource/mcp") {
        return json({ resource: `${origin}/mcp`, authorization_servers: [origin] });
      }
      if (req.url === "/.well-known/oauth-authorization-server") {
        return json({
          issuer: origin,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: `${origin}/token`,
          response_types_supported: ["code"],
          code_challenge_methods_supported: ["plain"],
        });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const { consents } = setup();
      await expect(
        consents.begin({ subject: "alice", serverName: "plain", resource: `${origin}/mcp` }),
      ).rejects.toSatisfy((e: unknown) => isAuthbusError(e, "PKCE_UNSUPPORTED"));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("never puts a token in an event", () => {
    expect(seenTokens.filter(Boolean).length).toBeGreaterThan(4);
    expect(leakedSecrets(allEvents, seenTokens)).toEqual([]);
  });
});
