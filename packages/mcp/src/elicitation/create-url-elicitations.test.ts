import { type AuthEventName, createAuthBus, MemoryConsentStore, parseAuthEvent } from "@authbus/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createUrlElicitations, type UrlElicitations } from "./create-url-elicitations.js";
import type { ElicitationAction, UrlElicitationRequest } from "./url-elicitation.js";

const RESOURCE = "https://repos.example.com/mcp";

function request(overrides: Partial<UrlElicitationRequest> = {}): UrlElicitationRequest {
  return {
    elicitationId: "el-1",
    url: "https://octo.example.com/authorize?request=secret-link-token",
    message: "Connect your Octo account.",
    serverName: "repos",
    resource: RESOURCE,
    subject: "alice",
    ...overrides,
  };
}

let made: UrlElicitations[] = [];
afterEach(() => {
  for (const elicitations of made) elicitations.close();
  made = [];
  vi.useRealTimers();
});

function setup(options: { ttlSeconds?: number; heldPollMs?: number } = {}) {
  const bus = createAuthBus();
  const events: Array<{ type: string; event: unknown }> = [];
  bus.on("*", (type, event) => {
    // Every event is checked against its strict schema.
    events.push({ type: String(type), event: parseAuthEvent(type as AuthEventName, event) });
  });
  const store = new MemoryConsentStore();
  const elicitations = createUrlElicitations({ store, bus, ...options });
  made.push(elicitations);
  return { bus, events, store, elicitations };
}

describe("createUrlElicitations", () => {
  it("begins a consent of channel elicitation in the store, and joins it for the same elicitation", async () => {
    const { events, store, elicitations } = setup();
    const [a, b] = await Promise.all([
      elicitations.begin({ request: request(), callId: "call-1" }),
      elicitations.begin({ request: request() }),
    ]);
    expect(b.consentId).toBe(a.consentId);
    expect(await elicitations.begin({ request: request() })).toEqual(a);
    expect(a).toMatchObject({ serverName: "repos", elicitationId: "el-1", url: request().url });
    const record = await store.get(a.consentId);
    expect(record).toMatchObject({
      channel: "elicitation",
      reason: "url_elicitation",
      elicitationId: "el-1",
      authorizationUrl: request().url,
      redirectUri: "",
      scopes: [],
      status: "pending",
    });
    // An OAuth consent for the resource never joins it: its redirect URI is not "".
    expect(record?.redirectUri).toBe("");
    expect(events).toEqual([
      {
        type: "consent.required",
        event: expect.objectContaining({
          consentId: a.consentId,
          channel: "elicitation",
          callId: "call-1",
          // The link's secret stays out of events.
          authorizationUrl: "https://octo.example.com/authorize",
        }),
      },
    ]);
    // Another elicitation id is another consent.
    const other = await elicitations.begin({ request: request({ elicitationId: "el-2" }) });
    expect(other.consentId).not.toBe(a.consentId);
  });

  it("the server's completion settles granted, answers a held call accept, and leaves the call for the resumed run", async () => {
    const { events, elicitations } = setup();
    const begun = await elicitations.begin({ request: request() });
    const answers: ElicitationAction[] = [];
    const call = Promise.resolve("result");
    elicitations.hold(begun.consentId, { answer: (action) => answers.push(action), call });

    // Another server, or another subject, cannot complete it.
    expect(
      await elicitations.completed({
        subject: "alice",
        serverName: "files",
        resource: RESOURCE,
        elicitationId: "el-1",
      }),
    ).toBeUndefined();
    expect(
      await elicitations.completed({
        subject: "bob",
        serverName: "repos",
        resource: RESOURCE,
        elicitationId: "el-1",
      }),
    ).toBeUndefined();
    expect(answers).toEqual([]);

    const where = { subject: "alice", serverName: "repos", resource: RESOURCE, elicitationId: "el-1" };
    expect(await elicitations.completed(where)).toBe(begun.consentId);
    expect(await elicitations.completed(where)).toBeUndefined();
    expect(answers).toEqual(["accept"]);
    expect((await elicitations.get(begun.consentId))?.status).toBe("granted");
    expect(events.filter((e) => e.type === "elicitation.completed")).toEqual([
      {
        type: "elicitation.completed",
        event: expect.objectContaining({ by: "server", elicitationId: "el-1" }),
      },
    ]);
    const taken = elicitations.take(begun.consentId);
    expect(taken?.call).toBe(call);
    // Answers after the first do nothing.
    taken?.answer("decline");
    expect(answers).toEqual(["accept"]);
    expect(elicitations.take(begun.consentId)).toBeUndefined();
  });

  it("finish (the person is back) grants by user; decline denies; neither twice", async () => {
    const { events, elicitations } = setup();
    const first = await elicitations.begin({ request: request() });
    expect(await elicitations.finish(first.consentId)).toBe(true);
    expect(await elicitations.finish(first.consentId)).toBe(false);
    expect(await elicitations.decline(first.consentId)).toBe(false);

    const second = await elicitations.begin({ request: request({ elicitationId: "el-2" }) });
    const answers: ElicitationAction[] = [];
    elicitations.hold(second.consentId, { answer: (action) => answers.push(action) });
    expect(await elicitations.decline(second.consentId)).toBe(true);
    expect(answers).toEqual(["decline"]);
    expect((await elicitations.get(second.consentId))?.status).toBe("denied");
    expect(events.map((e) => e.type)).toEqual([
      "consent.required",
      "elicitation.completed",
      "consent.required",
      "consent.denied",
    ]);
    expect(events[1]?.event).toMatchObject({ by: "user" });
  });

  it("a denial through the bus (the OAuth consents' deny) answers a held call decline", async () => {
    const { bus, elicitations } = setup();
    const begun = await elicitations.begin({ request: request() });
    const answers: ElicitationAction[] = [];
    elicitations.hold(begun.consentId, { answer: (action) => answers.push(action) });
    bus.emit("consent.denied", {
      serverName: "repos",
      resource: RESOURCE,
      subject: "alice",
      consentId: begun.consentId,
    });
    expect(answers).toEqual(["decline"]);
  });

  it("granted on another worker: its bridged event answers a held call here accept, once the store says granted", async () => {
    const { bus, store, elicitations } = setup();
    const begun = await elicitations.begin({ request: request() });
    const answers: ElicitationAction[] = [];
    elicitations.hold(begun.consentId, { answer: (action) => answers.push(action) });
    const event = {
      serverName: "repos",
      resource: RESOURCE,
      subject: "alice",
      consentId: begun.consentId,
      elicitationId: "el-1",
      by: "user" as const,
    };
    await store.settle(begun.consentId, "granted");
    bus.emit("elicitation.completed", event);
    await expect.poll(() => answers, { timeout: 10_000 }).toEqual(["accept"]);
  });

  it("settled on another worker whose event never came: the held call's consent is read again", async () => {
    const { store, elicitations } = setup({ heldPollMs: 5 });
    const granted = await elicitations.begin({ request: request() });
    const denied = await elicitations.begin({ request: request({ elicitationId: "el-2" }) });
    const answers: Record<string, ElicitationAction[]> = { granted: [], denied: [] };
    elicitations.hold(granted.consentId, { answer: (action) => answers.granted?.push(action) });
    elicitations.hold(denied.consentId, { answer: (action) => answers.denied?.push(action) });
    await store.settle(granted.consentId, "granted");
    await store.settle(denied.consentId, "denied");
    await expect
      .poll(() => answers, { timeout: 10_000 })
      .toEqual({ granted: ["accept"], denied: ["decline"] });
  });

  it("expires: consent.expired, a held call is answered cancel, get() reads expired", async () => {
    vi.useFakeTimers();
    const { events, elicitations } = setup({ ttlSeconds: 1 });
    const begun = await elicitations.begin({ request: request() });
    const answers: ElicitationAction[] = [];
    elicitations.hold(begun.consentId, { answer: (action) => answers.push(action) });
    await vi.advanceTimersByTimeAsync(1_100);
    expect(answers).toEqual(["cancel"]);
    expect(events.map((e) => e.type)).toEqual(["consent.required", "consent.expired"]);
    expect((await elicitations.get(begun.consentId))?.status).toBe("expired");
    expect(await elicitations.finish(begun.consentId)).toBe(false);
  });

  it("get() knows only elicitation consents; close() answers held calls cancel", async () => {
    const { store, elicitations } = setup();
    await store.create({
      consentId: "oauth-1",
      state: "s",
      codeVerifier: "v",
      subject: "alice",
      serverName: "repos",
      resource: RESOURCE,
      scopes: ["repos.read"],
      reason: "missing_token",
      authorizationUrl: "https://as.example.com/authorize",
      issuer: "https://as.example.com",
      clientId: "c",
      redirectUri: "https://app.example.com/callback",
      createdAt: Date.now(),
      expiresAt: Date.now() + 60_000,
      status: "pending",
    });
    expect(await elicitations.get("oauth-1")).toBeUndefined();
    expect(await elicitations.finish("oauth-1")).toBe(false);
    const begun = await elicitations.begin({ request: request() });
    const answers: ElicitationAction[] = [];
    elicitations.hold(begun.consentId, { answer: (action) => answers.push(action) });
    elicitations.close();
    expect(answers).toEqual(["cancel"]);
  });
});
