import {
  type AuthEventName,
  createAuthBus,
  isAuthbusError,
  MemoryConsentStore,
  MemoryTokenStore,
  type TokenSet,
} from "@authbus/core";
import { createConsents, createRefresher } from "@authbus/oauth";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFetch } from "./auth-fetch.js";

let demo: DemoServers;
const bus = createAuthBus();
const events: { type: AuthEventName; payload: unknown }[] = [];
bus.on("*", (type, payload) => events.push({ type, payload }));
const tokens = new MemoryTokenStore();
const key = { subject: "alice", resource: "" };
const seen: TokenSet[] = [];

beforeAll(async () => {
  // The authorization server and both MCP servers take DPoP-bound tokens only, with nonces.
  demo = await startDemoServers({ dpop: { requireNonce: true } });
  key.resource = demo.files.url;
});

afterAll(async () => {
  await demo?.close();
});

function filesFetch() {
  const refresh = createRefresher({ tokens, bus, serverName: () => "files" });
  return authFetch({ serverName: "files", resource: demo.files.url, subject: "alice", tokens, bus, refresh });
}

/** Connects, lists tools and calls `list_files` over the MCP SDK client with authFetch. */
async function listFiles(): Promise<string> {
  const client = new Client({ name: "authbus-dpop-test", version: "0" });
  const transport = new StreamableHTTPClientTransport(new URL(demo.files.url), { fetch: filesFetch() });
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: "list_files", arguments: {} });
    const content = result.content as { type: string; text: string }[];
    return content.map((c) => c.text).join("");
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function held(): Promise<TokenSet> {
  const current = (await tokens.get(key)) as TokenSet;
  seen.push(current);
  return current;
}

describe("DPoP end to end: testkit authorization server and DPoP-only MCP server, nonces on both", () => {
  it("consents on a DPoP challenge, gets a DPoP-bound token and calls a tool with proofs", async () => {
    const challenge = await listFiles().catch((e: unknown) => e);
    expect(isAuthbusError(challenge, "AUTH_CHALLENGE") && challenge.oauth?.scheme).toBe("dpop");
    const consents = createConsents({
      tokens,
      store: new MemoryConsentStore(),
      bus,
      client: { redirectUri: "http://127.0.0.1:9/callback" },
    });
    const request = await consents.begin({
      subject: "alice",
      serverName: "files",
      resource: demo.files.url,
      challenge: isAuthbusError(challenge, "AUTH_CHALLENGE") ? challenge : undefined,
    });
    await consents.complete(await approveConsent(request.authorizationUrl, { user: "alice" }));
    consents.close();
    const granted = await held();
    expect(granted.tokenType).toBe("DPoP");
    expect(demo.authServer.stats.dpopNonceChallenges).toBe(1);

    demo.files.resetCounters();
    expect(await listFiles()).toContain("notes.txt");
    // RFC 9449 §9: the first request with the token was asked for the server's nonce, once.
    expect(demo.files.dpopNonceChallenges).toBe(1);
    const received = demo.files.receivedTokens;
    expect(received.length).toBeGreaterThan(2);
    expect(received.every((t) => t.scheme === "dpop")).toBe(true);
    expect(received.filter((t) => !t.accepted)).toHaveLength(1);
    expect(events.filter((e) => e.type === "request.retried")).toHaveLength(1);
  });

  it("follows the server's nonce rotation: announced on a success, or by a use_dpop_nonce challenge", async () => {
    demo.files.resetCounters();
    // Announced: the old nonce is still taken and the answer hands out the new one, twice in a row.
    demo.files.rotateDPoPNonce({ keepPrevious: true });
    expect(await listFiles()).toContain("notes.txt");
    demo.files.rotateDPoPNonce({ keepPrevious: true });
    expect(await listFiles()).toContain("notes.txt");
    expect(demo.files.dpopNonceChallenges).toBe(0);

    // Unannounced: the held nonce is refused; one challenge, one retry.
    demo.files.rotateDPoPNonce();
    expect(await listFiles()).toContain("notes.txt");
    expect(demo.files.dpopNonceChallenges).toBe(1);
  });

  it("refreshes a DPoP-bound token with the same key when the server refuses it", async () => {
    const before = await held();
    const refreshes = demo.authServer.stats.refreshRequests;
    demo.authServer.expireAllTokens();
    expect(await listFiles()).toContain("notes.txt");
    expect(demo.authServer.stats.refreshRequests - refreshes).toBe(1);
    expect(demo.authServer.stats.refreshFailures).toBe(0);
    const after = await held();
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.tokenType).toBe("DPoP");
    expect(after.dpopKey).toEqual(before.dpopKey);
    expect(demo.authServer.issuedAccessTokens.at(-1)?.jkt).toBe(
      demo.authServer.issuedAccessTokens.at(0)?.jkt,
    );
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(["token.refreshing", "token.refreshed"]),
    );
  });

  it("never puts a token or key material in a bus event", () => {
    const secrets = seen.flatMap((t) => [
      t.accessToken,
      t.refreshToken ?? "",
      t.dpopKey?.jwk.d ?? "",
      t.dpopKey?.jwk.x ?? "",
    ]);
    const text = JSON.stringify(events);
    expect(secrets.filter((s) => s !== "" && text.includes(s))).toEqual([]);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/); // no JWT (token or proof) at all
  });
});
