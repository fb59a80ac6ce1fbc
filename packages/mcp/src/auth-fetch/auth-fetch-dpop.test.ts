import { createHash } from "node:crypto";
import {
  type AuthEventName,
  createAuthBus,
  type DPoPKey,
  generateDPoPKey,
  isAuthbusError,
  MemoryTokenStore,
  type TokenSet,
} from "@authbus/core";
import { beforeAll, describe, expect, it } from "vitest";
import { authFetch } from "./auth-fetch.js";

let key: DPoPKey;
let n = 0;
beforeAll(async () => {
  key = await generateDPoPKey();
});

/** A fresh origin per test: resource server nonces are kept per origin, process-wide. */
function resourceUrl(): string {
  n += 1;
  return `https://mcp-${n}.example.com/mcp`;
}

function claimsOf(proof: string | null): Record<string, unknown> {
  if (!proof) throw new Error("no DPoP proof");
  return JSON.parse(Buffer.from(proof.split(".")[1] ?? "", "base64url").toString("utf8"));
}

const dpopTokens = (accessToken: string): TokenSet => ({
  accessToken,
  tokenType: "DPoP",
  scopes: ["files.read"],
  dpopKey: key,
});

/**
 * A resource server that wants `DPoP <token>` with a proof carrying its current nonce (RFC 9449
 * §9); `rotate` changes the nonce, `advertise` hands the next one out on a success.
 */
function nonceServer(resource: string) {
  const state = { nonce: "n-1", next: undefined as string | undefined };
  const requests: Request[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    requests.push(request);
    const proof = request.headers.get("dpop");
    if (!request.headers.get("authorization")?.startsWith("DPoP ") || !proof) {
      return new Response(null, { status: 401, headers: { "www-authenticate": 'DPoP algs="ES256"' } });
    }
    if (claimsOf(proof).nonce !== state.nonce) {
      return new Response(null, {
        status: 401,
        headers: {
          "www-authenticate": `DPoP error="use_dpop_nonce", resource_metadata="${resource}/meta"`,
          "dpop-nonce": state.nonce,
        },
      });
    }
    const headers: Record<string, string> = state.next ? { "dpop-nonce": state.next } : {};
    if (state.next) {
      state.nonce = state.next;
      state.next = undefined;
    }
    return new Response("ok", { status: 200, headers });
  };
  return { state, requests, fetch };
}

function setup(
  resource: string,
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>,
) {
  const bus = createAuthBus();
  const events: { type: AuthEventName; payload: unknown }[] = [];
  bus.on("*", (type, payload) => events.push({ type, payload }));
  const tokens = new MemoryTokenStore();
  const send = authFetch({ serverName: "files", resource, subject: "alice", tokens, bus, fetch });
  return { bus, events, tokens, send };
}

describe("authFetch with DPoP-bound tokens (RFC 9449)", () => {
  it("sends Authorization: DPoP and a fresh proof per request, to the resource's origin only", async () => {
    const resource = resourceUrl();
    const requests: Request[] = [];
    const { tokens, send } = setup(resource, async (input, init) => {
      requests.push(new Request(input, init));
      return new Response("ok");
    });
    await tokens.set({ subject: "alice", resource }, dpopTokens("AT-dpop"));
    await send(`${resource}?session=1`, { method: "POST", body: "{}" });
    await send(resource, { method: "GET" });
    await send("https://elsewhere.example.com/mcp", { method: "POST", headers: { dpop: "caller's own" } });

    const [post, get, foreign] = requests as [Request, Request, Request];
    expect(post.headers.get("authorization")).toBe("DPoP AT-dpop");
    const first = claimsOf(post.headers.get("dpop"));
    expect(first).toMatchObject({
      htm: "POST",
      htu: resource,
      ath: createHash("sha256").update("AT-dpop").digest("base64url"),
    });
    expect(first).not.toHaveProperty("nonce");
    const second = claimsOf(get.headers.get("dpop"));
    expect(second.htm).toBe("GET");
    expect(second.jti).not.toBe(first.jti);
    expect(foreign.headers.get("authorization")).toBeNull();
    expect(foreign.headers.get("dpop")).toBeNull();
  });

  it("answers use_dpop_nonce once with the server's nonce, after emitting the challenge", async () => {
    const resource = resourceUrl();
    const server = nonceServer(resource);
    const { events, tokens, send } = setup(resource, server.fetch);
    await tokens.set({ subject: "alice", resource }, dpopTokens("AT-nonce"));

    const response = await send(resource, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    expect(server.requests.map((r) => claimsOf(r.headers.get("dpop")).nonce)).toEqual([undefined, "n-1"]);
    const jtis = server.requests.map((r) => claimsOf(r.headers.get("dpop")).jti);
    expect(new Set(jtis).size).toBe(2);
    expect(events.map((e) => e.type)).toEqual(["challenge", "request.retried"]);
    expect(events[0]?.payload).toMatchObject({
      status: 401,
      oauth: { scheme: "dpop", error: "use_dpop_nonce" },
    });

    // Later requests carry the nonce at once; a nonce handed out on a success is used next.
    server.state.next = "n-2";
    await send(resource, { method: "POST", body: "{}" });
    await send(resource, { method: "POST", body: "{}" });
    expect(server.requests.slice(2).map((r) => claimsOf(r.headers.get("dpop")).nonce)).toEqual([
      "n-1",
      "n-2",
    ]);
    expect(events).toHaveLength(2);

    // Rotated without notice: one challenge, one retry with the new nonce.
    server.state.nonce = "n-3";
    expect((await send(resource, { method: "POST", body: "{}" })).status).toBe(200);
    expect(server.requests.slice(4).map((r) => claimsOf(r.headers.get("dpop")).nonce)).toEqual([
      "n-2",
      "n-3",
    ]);

    const text = JSON.stringify(events);
    for (const secret of ["AT-nonce", key.jwk.d as string, key.jwk.x as string])
      expect(text).not.toContain(secret);
    for (const request of server.requests) expect(text).not.toContain(request.headers.get("dpop"));
  });

  it("does not retry a nonce challenge that repeats the nonce it signed, nor a second one", async () => {
    const resource = resourceUrl();
    let calls = 0;
    const { tokens, send, events } = setup(resource, async () => {
      calls += 1;
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": 'DPoP error="use_dpop_nonce"', "dpop-nonce": `n-${calls}` },
      });
    });
    await tokens.set({ subject: "alice", resource }, dpopTokens("AT-stuck"));
    const error = await send(resource, { method: "POST", body: "{}" }).catch((e: unknown) => e);
    expect(isAuthbusError(error, "AUTH_CHALLENGE") && error.oauth?.error).toBe("use_dpop_nonce");
    expect(calls).toBe(2);
    expect(events.filter((e) => e.type === "challenge")).toHaveLength(2);
  });

  it("keeps Bearer tokens as they were: no proof", async () => {
    const resource = resourceUrl();
    const requests: Request[] = [];
    const { tokens, send } = setup(resource, async (input, init) => {
      requests.push(new Request(input, init));
      return new Response("ok", { headers: { "dpop-nonce": "ignored" } });
    });
    // A Bearer access token with a key: a public client's refresh token may be bound (RFC 9449 §5).
    await tokens.set({ subject: "alice", resource }, { ...dpopTokens("AT-bearer"), tokenType: "Bearer" });
    await send(resource, { method: "POST", headers: { dpop: "stale" }, body: "{}" });
    expect(requests[0]?.headers.get("authorization")).toBe("Bearer AT-bearer");
    expect(requests[0]?.headers.get("dpop")).toBeNull();
  });
});
