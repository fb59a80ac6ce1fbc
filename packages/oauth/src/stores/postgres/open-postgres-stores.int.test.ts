import { type ConsentRecord, isAuthbusError } from "@authbus/core";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from "../../testing/postgres.test-helpers.js";
import { itKeepsTheRefreshLeaseContract } from "../../testing/refresh-lease-contract.test-helpers.js";
import { migratePostgres, POSTGRES_SCHEMA_VERSION } from "./migrate-postgres.js";
import { openPostgresStores, type PostgresStores } from "./open-postgres-stores.js";

const secret = "postgres-store-test-secret-0123456789abcdef";
const alice = { subject: "alice", resource: "https://calendar.example.com/mcp" };

const consent = (overrides: Partial<ConsentRecord> = {}): ConsentRecord => ({
  consentId: "c1",
  state: "state-1",
  codeVerifier: "verifier-secret-1",
  subject: "alice",
  serverName: "calendar",
  resource: alice.resource,
  scopes: ["calendar.read"],
  reason: "missing_token",
  authorizationUrl: "https://as.example.com/authorize?state=state-1",
  issuer: "https://as.example.com",
  clientId: "client",
  redirectUri: "http://127.0.0.1/callback",
  createdAt: 1,
  expiresAt: 2_000_000_000_000,
  status: "pending",
  ...overrides,
});

describePostgres("Postgres stores", (adminUrl) => {
  let db: TestDatabase;
  let stores: PostgresStores;
  const opened: PostgresStores[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(adminUrl);
    stores = await openPostgresStores({ connectionString: db.url, secret });
    opened.push(stores);
  });

  afterAll(async () => {
    for (const open of opened) await open.close();
    await db?.drop();
  });

  it("migrates once, safely from several workers starting together", async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: db.url, max: 2 }));
    try {
      const ran = await Promise.all(pools.map((pool) => migratePostgres(pool)));
      expect(ran.flat()).toEqual([]);
      const others = await Promise.all(
        pools.map((pool) => openPostgresStores({ pool, secret }).then((open) => opened.push(open))),
      );
      expect(others).toHaveLength(4);
      const { rows } = await stores.pool.query("SELECT version FROM authbus_schema_migrations");
      expect(rows.map((row) => row.version)).toEqual([POSTGRES_SCHEMA_VERSION]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("stores tokens sealed, per (subject, resource)", async () => {
    const tokens = {
      accessToken: "access-secret-1",
      refreshToken: "refresh-secret-1",
      tokenType: "Bearer",
      scopes: ["a"],
    };
    await stores.tokens.set(alice, tokens);
    expect(await stores.tokens.get(alice)).toEqual(tokens);
    expect(await stores.tokens.get({ ...alice, subject: "bob" })).toBeUndefined();
    const { rows } = await stores.pool.query("SELECT sealed FROM authbus_tokens");
    const raw = Buffer.concat(rows.map((row) => row.sealed as Buffer)).toString("latin1");
    expect(raw).not.toContain("access-secret-1");
    expect(raw).not.toContain("refresh-secret-1");
    // A row moved to another key does not open: the AAD binds it to its row.
    await stores.pool.query("UPDATE authbus_tokens SET subject = 'mallory' WHERE subject = 'alice'");
    await expect(stores.tokens.get({ ...alice, subject: "mallory" })).rejects.toSatisfy((e: unknown) =>
      isAuthbusError(e, "STORE_CORRUPT"),
    );
    await stores.tokens.delete({ ...alice, subject: "mallory" });
  });

  it("refuses another secret and a missing one", async () => {
    await expect(
      openPostgresStores({ connectionString: db.url, secret: "another-secret-0123456789abcdef-xyz" }),
    ).rejects.toSatisfy((error) => isAuthbusError(error, "STORE_SECRET") && error.problem === "mismatch");
    const saved = process.env.AUTHBUS_SECRET;
    delete process.env.AUTHBUS_SECRET;
    try {
      await expect(openPostgresStores({ connectionString: db.url })).rejects.toSatisfy(
        (error) => isAuthbusError(error, "STORE_SECRET") && error.problem === "missing",
      );
    } finally {
      if (saved !== undefined) process.env.AUTHBUS_SECRET = saved;
    }
  });

  it("keeps consents: secrets sealed, found by state, settled exactly once", async () => {
    await stores.consents.create(consent());
    await stores.consents.create(consent({ consentId: "c0", state: "state-0", createdAt: 0 }));
    await expect(stores.consents.create(consent({ state: "other" }))).rejects.toSatisfy((e: unknown) =>
      isAuthbusError(e, "DUPLICATE_CONSENT"),
    );
    await expect(stores.consents.create(consent({ consentId: "c9" }))).rejects.toSatisfy((e: unknown) =>
      isAuthbusError(e, "DUPLICATE_CONSENT"),
    );
    expect((await stores.consents.findByState("state-1"))?.codeVerifier).toBe("verifier-secret-1");
    expect(await stores.consents.findByState("forged")).toBeUndefined();
    expect((await stores.consents.findPending("alice", alice.resource)).map((c) => c.consentId)).toEqual([
      "c0",
      "c1",
    ]);
    const settled = await Promise.all([
      stores.consents.settle("c1", "granted"),
      stores.consents.settle("c1", "denied"),
      stores.consents.settle("c1", "expired"),
    ]);
    expect(settled.filter(Boolean)).toHaveLength(1);
    expect((await stores.consents.get("c1"))?.status).not.toBe("pending");
    const { rows } = await stores.pool.query("SELECT record, sealed FROM authbus_consents");
    const raw = rows.map((row) => `${row.record}${(row.sealed as Buffer).toString("latin1")}`).join("");
    expect(raw).not.toContain("verifier-secret-1");
    expect(raw).not.toContain("state-1");
  });

  it("claims a consent's completion once, and only while it is pending", async () => {
    await stores.consents.create(consent({ consentId: "claim-1", state: "state-claim-1" }));
    const claims = await Promise.all([
      stores.consents.claimCompletion("claim-1", 10_000),
      stores.consents.claimCompletion("claim-1", 10_000),
    ]);
    const held = claims.filter((claim) => claim !== undefined);
    expect(held).toHaveLength(1);
    await stores.consents.settle("claim-1", "granted");
    await held[0]?.release();
    // Released, but settled: never claimed again.
    expect(await stores.consents.claimCompletion("claim-1", 10_000)).toBeUndefined();
    expect(await stores.consents.claimCompletion("no-such-consent", 10_000)).toBeUndefined();
  });

  it("keeps client registrations with the secret sealed", async () => {
    const registration = {
      issuer: "https://as.example.com",
      redirectUri: "http://127.0.0.1/callback",
      clientId: "dyn-1",
      clientSecret: "client-secret-xyz",
      tokenEndpointAuthMethod: "client_secret_basic",
      registeredAt: 5,
    };
    await stores.registrations.set(registration);
    expect(await stores.registrations.get(registration.issuer, registration.redirectUri)).toEqual(
      registration,
    );
    const { rows } = await stores.pool.query("SELECT record FROM authbus_client_registrations");
    expect(JSON.stringify(rows)).not.toContain("client-secret-xyz");
    await stores.registrations.delete(registration.issuer, registration.redirectUri);
    expect(await stores.registrations.get(registration.issuer, registration.redirectUri)).toBeUndefined();
  });

  it("keeps consent waits and tool calls", async () => {
    const { waits } = stores;
    const wait = (consentId: string, threadId: string, createdAt: number) => ({
      consentId,
      threadId,
      subject: "alice",
      createdAt,
    });
    await waits.addWait(wait("w1", "t2", 5));
    await waits.addWait(wait("w1", "t1", 3));
    await waits.addWait({ ...wait("w1", "t1", 9), subject: "changed" });
    expect((await waits.findWaits("w1")).map((w) => [w.threadId, w.subject])).toEqual([
      ["t1", "alice"],
      ["t2", "alice"],
    ]);
    await waits.removeWait("w1", "t1");
    expect((await waits.listWaits()).map((w) => w.threadId)).toEqual(["t2"]);
    const key = { threadId: "t1", taskId: "task", callId: "a" };
    await waits.startCall({ ...key, subject: "alice", toolName: "send", repeatable: false, startedAt: 1 });
    expect((await waits.listOpenCalls()).map((c) => c.callId)).toEqual(["a"]);
    await waits.finishCall(key, { content: "sent secret result", status: "success" }, 10);
    expect(await waits.getCall(key)).toMatchObject({
      status: "finished",
      result: { content: "sent secret result" },
    });
    expect(await waits.listOpenCalls()).toEqual([]);
    const { rows } = await stores.pool.query("SELECT record, sealed FROM authbus_tool_calls");
    expect(JSON.stringify(rows)).not.toContain("secret result");
    expect(await waits.pruneCalls(11)).toBe(1);
  });

  it("grants a named lease to one of many concurrent callers", async () => {
    const leases = await Promise.all(
      Array.from({ length: 12 }, () => stores.leases.acquire("resume:c1:t1", 10_000)),
    );
    const held = leases.filter((lease) => lease !== undefined);
    expect(held).toHaveLength(1);
    await held[0]?.release();
    expect((await stores.leases.acquire("resume:c1:t1", 10_000))?.fence).toBe(2);
  });

  // The contract's tests use one key: each starts from empty tables.
  itKeepsTheRefreshLeaseContract(async () => {
    await stores.pool.query("DELETE FROM authbus_tokens; DELETE FROM authbus_token_leases");
    return stores.tokens;
  });
});
