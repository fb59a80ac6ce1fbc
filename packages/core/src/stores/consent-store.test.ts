import { describe, expect, it } from "vitest";
import { isAuthbusError } from "../errors/is-authbus-error.js";
import { type ConsentRecord, MemoryConsentStore } from "./consent-store.js";

const isDuplicateConsent = (error: unknown) => isAuthbusError(error, "DUPLICATE_CONSENT");

const record = (overrides: Partial<ConsentRecord> = {}): ConsentRecord => ({
  consentId: "c1",
  state: "state-1",
  codeVerifier: "verifier-1",
  subject: "alice",
  serverName: "calendar",
  resource: "https://calendar.example.com/mcp",
  scopes: ["calendar.read"],
  reason: "missing_token",
  authorizationUrl: "https://as.example.com/authorize?x=1",
  issuer: "https://as.example.com",
  clientId: "client",
  redirectUri: "http://127.0.0.1/callback",
  createdAt: 1,
  expiresAt: 2,
  status: "pending",
  ...overrides,
});

describe("MemoryConsentStore", () => {
  it("finds a consent by id and by state", async () => {
    const store = new MemoryConsentStore();
    await store.create(record());
    expect((await store.get("c1"))?.state).toBe("state-1");
    expect((await store.findByState("state-1"))?.consentId).toBe("c1");
    expect(await store.findByState("forged")).toBeUndefined();
  });

  it("settles a consent exactly once", async () => {
    const store = new MemoryConsentStore();
    await store.create(record());
    const results = await Promise.all([store.settle("c1", "granted"), store.settle("c1", "denied")]);
    expect(results).toEqual([true, false]);
    expect((await store.get("c1"))?.status).toBe("granted");
    expect(await store.settle("unknown", "denied")).toBe(false);
  });

  it("lists pending consents of one (subject, resource), oldest first", async () => {
    const store = new MemoryConsentStore();
    await store.create(record({ consentId: "c2", state: "s2", createdAt: 5 }));
    await store.create(record({ consentId: "c1", state: "s1", createdAt: 3 }));
    await store.create(record({ consentId: "c3", state: "s3", subject: "bob" }));
    await store.settle("c2", "denied");
    await store.create(record({ consentId: "c4", state: "s4", createdAt: 9 }));
    const pending = await store.findPending("alice", "https://calendar.example.com/mcp");
    expect(pending.map((consent) => consent.consentId)).toEqual(["c1", "c4"]);
  });

  it("refuses a reused id or state", async () => {
    const store = new MemoryConsentStore();
    await store.create(record());
    await expect(store.create(record({ state: "other" }))).rejects.toSatisfy(isDuplicateConsent);
    await expect(store.create(record({ consentId: "other" }))).rejects.toSatisfy(isDuplicateConsent);
  });
});
