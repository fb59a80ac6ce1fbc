import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConsentRecord, isAuthbusError } from "@authbus/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStores } from "./open-sqlite-stores.js";

const dir = mkdtempSync(join(tmpdir(), "authbus-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = "a-test-secret-that-is-long-enough-0123456789";
let n = 0;
const file = () => join(dir, `stores-${++n}.db`);

const key = { subject: "alice", resource: "https://files.example.com/mcp" };
const tokenSet = {
  accessToken: "AT-secret-access-token-5f1c0e",
  refreshToken: "RT-secret-refresh-token-93ab2d",
  tokenType: "Bearer",
  scopes: ["files.read"],
  expiresAt: 1_900_000_000_000,
  issuer: "https://as.example.com",
  clientId: "c1",
};

function consent(overrides: Partial<ConsentRecord> = {}): ConsentRecord {
  return {
    consentId: "consent-1",
    state: "STATE-secret-7d21",
    codeVerifier: "VERIFIER-secret-aa81",
    subject: "alice",
    serverName: "files",
    resource: "https://files.example.com/mcp",
    scopes: ["files.read"],
    reason: "missing_token",
    authorizationUrl: "https://as.example.com/authorize?state=STATE-secret-7d21",
    issuer: "https://as.example.com",
    clientId: "c1",
    redirectUri: "http://127.0.0.1:3000/callback",
    createdAt: 1,
    expiresAt: 2_000_000_000_000,
    status: "pending",
    ...overrides,
  };
}

function bytesOf(path: string): string {
  const parts = [path, `${path}-wal`, `${path}-shm`].filter(existsSync).map((p) => readFileSync(p));
  return Buffer.concat(parts).toString("latin1");
}

describe("openSqliteStores", () => {
  it("refuses to open without a secret, with a short one, or with the wrong one", () => {
    const saved = process.env.AUTHBUS_SECRET;
    delete process.env.AUTHBUS_SECRET;
    try {
      const path = file();
      expect(() => openSqliteStores({ path })).toThrow(/AUTHBUS_SECRET/);
      expect(() => openSqliteStores({ path })).toThrow(
        expect.objectContaining({ code: "STORE_SECRET", problem: "missing" }),
      );
      expect(() => openSqliteStores({ path, secret: "short" })).toThrow(
        expect.objectContaining({ problem: "too_short" }),
      );
      openSqliteStores({ path, secret }).close();
      const wrong = `${secret}-but-another-one`;
      const error = (() => {
        try {
          openSqliteStores({ path, secret: wrong });
        } catch (e) {
          return e;
        }
      })();
      expect(isAuthbusError(error, "STORE_SECRET") && error.problem === "mismatch").toBe(true);
      expect(String(error)).not.toContain(wrong);
    } finally {
      if (saved !== undefined) process.env.AUTHBUS_SECRET = saved;
    }
  });

  it("reads AUTHBUS_SECRET from the environment, and opens a development store when told", async () => {
    const saved = process.env.AUTHBUS_SECRET;
    process.env.AUTHBUS_SECRET = secret;
    try {
      const stores = openSqliteStores({ path: file() });
      expect(stores.development).toBe(false);
      stores.close();
    } finally {
      if (saved === undefined) delete process.env.AUTHBUS_SECRET;
      else process.env.AUTHBUS_SECRET = saved;
    }
    const saved2 = process.env.AUTHBUS_SECRET;
    delete process.env.AUTHBUS_SECRET;
    const dev = openSqliteStores({ path: file(), development: true });
    expect(dev.development).toBe(true);
    await dev.tokens.set(key, tokenSet);
    expect(await dev.tokens.get(key)).toEqual(tokenSet);
    dev.close();
    if (saved2 !== undefined) process.env.AUTHBUS_SECRET = saved2;
  });

  it("keeps tokens, consents and registrations across close and reopen; never writes secrets in clear", async () => {
    const path = file();
    const stores = openSqliteStores({ path, secret });
    await stores.tokens.set(key, tokenSet);
    await stores.consents.create(consent());
    await stores.registrations.set({
      issuer: "https://as.example.com",
      redirectUri: "http://127.0.0.1:3000/callback",
      clientId: "dyn-1",
      clientSecret: "CLIENT-SECRET-31f0",
      tokenEndpointAuthMethod: "client_secret_basic",
      registeredAt: 5,
    });
    const written = bytesOf(path);
    for (const plain of [
      tokenSet.accessToken,
      tokenSet.refreshToken,
      "STATE-secret-7d21",
      "VERIFIER-secret-aa81",
      "CLIENT-SECRET-31f0",
    ]) {
      expect(written.includes(plain), plain).toBe(false);
    }
    expect(written.includes("files.example.com")).toBe(true); // the file is really being read
    stores.close();

    const again = openSqliteStores({ path, secret });
    expect(await again.tokens.get(key)).toEqual(tokenSet);
    expect(await again.consents.findByState("STATE-secret-7d21")).toEqual(consent());
    expect(await again.consents.findByState("other")).toBeUndefined();
    expect(
      (await again.registrations.get("https://as.example.com", "http://127.0.0.1:3000/callback"))
        ?.clientSecret,
    ).toBe("CLIENT-SECRET-31f0");
    expect(bytesOf(path).includes(tokenSet.accessToken)).toBe(false);
    await again.tokens.delete(key);
    expect(await again.tokens.get(key)).toBeUndefined();
    again.close();
  });

  it("binds each sealed value to its row: swapped rows do not open", async () => {
    const path = file();
    const stores = openSqliteStores({ path, secret });
    const bob = { subject: "bob", resource: key.resource };
    await stores.tokens.set(key, tokenSet);
    await stores.tokens.set(bob, { ...tokenSet, accessToken: "bob-token" });
    stores.close();
    const db = new Database(path);
    const alice = db.prepare("SELECT sealed FROM authbus_tokens WHERE subject = 'alice'").get() as {
      sealed: Buffer;
    };
    db.prepare("UPDATE authbus_tokens SET sealed = ? WHERE subject = 'bob'").run(alice.sealed);
    db.close();
    const reopened = openSqliteStores({ path, secret });
    await expect(reopened.tokens.get(bob)).rejects.toThrow();
    expect((await reopened.tokens.get(key))?.accessToken).toBe(tokenSet.accessToken);
    reopened.close();
  });

  it("settles a consent once, atomically, and finds pending ones oldest first", async () => {
    const stores = openSqliteStores({ path: file(), secret });
    await stores.consents.create(consent({ consentId: "c2", state: "s2", createdAt: 2 }));
    await stores.consents.create(consent({ consentId: "c1", state: "s1", createdAt: 1 }));
    await expect(stores.consents.create(consent({ consentId: "c3", state: "s1" }))).rejects.toSatisfy(
      (e: unknown) => isAuthbusError(e, "DUPLICATE_CONSENT"),
    );
    expect((await stores.consents.findPending("alice", key.resource)).map((c) => c.consentId)).toEqual([
      "c1",
      "c2",
    ]);
    const settled = await Promise.all([
      stores.consents.settle("c1", "granted"),
      stores.consents.settle("c1", "denied"),
      stores.consents.settle("c1", "expired"),
    ]);
    expect(settled).toEqual([true, false, false]);
    expect((await stores.consents.get("c1"))?.status).toBe("granted");
    expect(await stores.consents.settle("missing", "denied")).toBe(false);
    expect((await stores.consents.findPending("alice", key.resource)).map((c) => c.consentId)).toEqual([
      "c2",
    ]);
    stores.close();
  });

  it("uses WAL", () => {
    const path = file();
    openSqliteStores({ path, secret }).close();
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });
});
