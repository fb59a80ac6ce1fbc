import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsentRecord } from "@authbus/core";
import { isAuthbusError } from "@authbus/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { StoreCorruption } from "../../errors/store-errors.js";
import { openSqliteStores } from "./open-sqlite-stores.js";
import { createSecretBox } from "./secret-box.js";

const dir = mkdtempSync(join(tmpdir(), "authbus-corrupt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = "a-test-secret-that-is-long-enough-0123456789";
let n = 0;
const key = { subject: "alice", resource: "https://files.example.com/mcp" };
const tokenAad = `authbus_tokens\u0000${JSON.stringify([key.subject, key.resource])}`;
const tokenSet = {
  accessToken: "AT-secret-access-token-5f1c0e",
  refreshToken: "RT-secret-refresh-token-93ab2d",
  tokenType: "Bearer",
  scopes: ["files.read"],
  issuer: "https://as.example.com",
  clientId: "c1",
};
const consent: ConsentRecord = {
  consentId: "consent-1",
  state: "STATE-secret-7d21",
  codeVerifier: "VERIFIER-secret-aa81",
  subject: "alice",
  serverName: "files",
  resource: key.resource,
  scopes: ["files.read"],
  reason: "missing_token",
  authorizationUrl: "https://as.example.com/authorize?state=STATE-secret-7d21",
  issuer: "https://as.example.com",
  clientId: "c1",
  redirectUri: "http://127.0.0.1:3000/callback",
  createdAt: 1,
  expiresAt: 2_000_000_000_000,
  status: "pending",
};
const registration = {
  issuer: "https://as.example.com",
  redirectUri: "http://127.0.0.1:3000/callback",
  clientId: "dyn-1",
  clientSecret: "CLIENT-SECRET-31f0",
  tokenEndpointAuthMethod: "client_secret_basic",
  registeredAt: 5,
};

// A store file holding one token set, one consent and one registration, and a way to tamper with it.
async function seeded() {
  const path = join(dir, `stores-${++n}.db`);
  const stores = openSqliteStores({ path, secret });
  await stores.tokens.set(key, tokenSet);
  await stores.consents.create(consent);
  await stores.registrations.set(registration);
  stores.close();
  const tamper = (run: (db: Database.Database, seal: (plain: string, aad: string) => Buffer) => void) => {
    const db = new Database(path);
    const salt = (db.prepare("SELECT value FROM authbus_meta WHERE name = 'salt'").get() as { value: Buffer })
      .value;
    const box = createSecretBox(secret, salt);
    run(db, (plain, aad) => box.seal(plain, aad));
    db.close();
  };
  return { path, tamper, reopen: () => openSqliteStores({ path, secret }) };
}

async function corruption(read: () => Promise<unknown>): Promise<StoreCorruption | undefined> {
  try {
    await read();
  } catch (error) {
    expect(isAuthbusError(error, "STORE_CORRUPT"), String(error)).toBe(true);
    const message = (error as Error).message;
    for (const value of [
      tokenSet.accessToken,
      tokenSet.refreshToken,
      consent.state,
      consent.codeVerifier,
      registration.clientSecret,
    ]) {
      expect(message).not.toContain(value);
    }
    expect((error as Error).cause).toBeUndefined();
    expect(error).toMatchObject({ code: "STORE_CORRUPT" });
    return (error as { problem: StoreCorruption }).problem;
  }
  return undefined;
}

describe("SQLite stores with corrupt or tampered rows", () => {
  it("a sealed token value stored as text (base64, or anything) is unreadable, not decoded", async () => {
    const { tamper, reopen } = await seeded();
    tamper((db) => db.prepare("UPDATE authbus_tokens SET sealed = ?").run("AQIDBA=="));
    const stores = reopen();
    expect(await corruption(() => stores.tokens.get(key))).toBe("unreadable");
    stores.close();
  });

  it("a truncated or unversioned sealed value is unreadable", async () => {
    const { tamper, reopen } = await seeded();
    tamper((db) => db.prepare("UPDATE authbus_tokens SET sealed = ?").run(Buffer.from([1, 2, 3])));
    const stores = reopen();
    expect(await corruption(() => stores.tokens.get(key))).toBe("unreadable");
    stores.close();
  });

  it("a flipped ciphertext bit fails the GCM tag: tampered, never a raw crypto error", async () => {
    const { tamper, reopen } = await seeded();
    tamper((db) => {
      for (const table of ["authbus_tokens", "authbus_consents", "authbus_client_registrations"]) {
        const row = db.prepare(`SELECT rowid, sealed FROM ${table}`).get() as {
          rowid: number;
          sealed: Buffer;
        };
        const last = row.sealed.length - 1;
        row.sealed[last] = (row.sealed[last] as number) ^ 1;
        db.prepare(`UPDATE ${table} SET sealed = ? WHERE rowid = ?`).run(row.sealed, row.rowid);
      }
    });
    const stores = reopen();
    expect(await corruption(() => stores.tokens.get(key))).toBe("tampered");
    expect(await corruption(() => stores.consents.get(consent.consentId))).toBe("tampered");
    expect(await corruption(() => stores.consents.findPending(key.subject, key.resource))).toBe("tampered");
    expect(
      await corruption(() => stores.registrations.get(registration.issuer, registration.redirectUri)),
    ).toBe("tampered");
    stores.close();
  });

  it("a value sealed correctly but holding no JSON is invalid_json; JSON failing the schema is invalid_record", async () => {
    const { tamper, reopen } = await seeded();
    tamper((db, seal) => db.prepare("UPDATE authbus_tokens SET sealed = ?").run(seal("{not json", tokenAad)));
    let stores = reopen();
    expect(await corruption(() => stores.tokens.get(key))).toBe("invalid_json");
    stores.close();
    tamper((db, seal) =>
      db
        .prepare("UPDATE authbus_tokens SET sealed = ?")
        .run(seal(JSON.stringify({ accessToken: 5 }), tokenAad)),
    );
    stores = reopen();
    expect(await corruption(() => stores.tokens.get(key))).toBe("invalid_record");
    stores.close();
  });

  it("the plain record columns of consents and registrations are checked the same way", async () => {
    const { tamper, reopen } = await seeded();
    tamper((db) => {
      db.prepare("UPDATE authbus_consents SET record = ?").run("{");
      db.prepare("UPDATE authbus_client_registrations SET record = ?").run("[1]");
    });
    let stores = reopen();
    expect(await corruption(() => stores.consents.findByState(consent.state))).toBe("invalid_json");
    expect(
      await corruption(() => stores.registrations.get(registration.issuer, registration.redirectUri)),
    ).toBe("invalid_record");
    stores.close();
    tamper((db) => db.prepare("UPDATE authbus_consents SET record = ?").run(JSON.stringify({ subject: 5 })));
    stores = reopen();
    expect(await corruption(() => stores.consents.get(consent.consentId))).toBe("invalid_record");
    stores.close();
  });

  it("reads untouched rows as before", async () => {
    const { reopen } = await seeded();
    const stores = reopen();
    expect(await corruption(() => stores.tokens.get(key))).toBeUndefined();
    expect(await stores.tokens.get(key)).toEqual(tokenSet);
    expect((await stores.consents.get(consent.consentId))?.state).toBe(consent.state);
    expect(
      (await stores.registrations.get(registration.issuer, registration.redirectUri))?.clientSecret,
    ).toBe(registration.clientSecret);
    stores.close();
  });
});
