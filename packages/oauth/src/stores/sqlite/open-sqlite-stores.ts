/** @module Durable token, consent and client registration stores in one SQLite file (WAL), secrets encrypted. */
import { randomBytes } from "node:crypto";
import type { ConsentStore, ConsentWaitStore, LeaseStore, RefreshLeases, TokenStore } from "@authbus/core";
import Database from "better-sqlite3";
import type { ClientRegistrationStore } from "../../client/client-registration-store.js";
import { StoreSecretError } from "../../errors/oauth-errors.js";
import { createSecretBox, MIN_SECRET_LENGTH, type SecretBox } from "./secret-box.js";
import { SqliteClientRegistrationStore } from "./sqlite-client-registration-store.js";
import { SqliteConsentStore } from "./sqlite-consent-store.js";
import { SqliteConsentWaitStore } from "./sqlite-consent-wait-store.js";
import { SQLITE_LEASE_SCHEMA, SqliteLeaseStore } from "./sqlite-leases.js";
import { SqliteTokenStore } from "./sqlite-token-store.js";

/** Options of {@link openSqliteStores}. */
export interface SqliteStoresOptions {
  /** The database file (created if missing). `:memory:` works for tests. */
  path: string;
  /**
   * The encryption secret, at least 32 characters. Default: `process.env.AUTHBUS_SECRET`.
   */
  secret?: string;
  /**
   * Allow opening without a secret: values are then sealed under a fixed, public development
   * key (no protection). Never for real tokens.
   */
  development?: boolean;
}

/**
 * The stores over one open file. Typed by the store interfaces, so this package's public types
 * name none of better-sqlite3's (type-checking needs no `@types/better-sqlite3`).
 */
export interface SqliteStores {
  tokens: TokenStore & RefreshLeases;
  consents: ConsentStore;
  registrations: ClientRegistrationStore;
  /** Which threads wait on which consent, and tool calls under way (for resuming after a restart). */
  waits: ConsentWaitStore;
  /** Named leases shared by every process that opens the file (e.g. one resume per thread). */
  leases: LeaseStore;
  /** Whether the file was opened as a development store (fixed, public key). */
  readonly development: boolean;
  /** Closes the file (checkpointing the WAL). */
  close(): void;
  /** Same as `close()`, for `using stores = openSqliteStores(…)`. */
  [Symbol.dispose](): void;
}

// Public on purpose: a development store protects nothing.
const DEVELOPMENT_SECRET = "authbus-development-store-key-NOT-SECRET-do-not-use-for-real-tokens";
const KEY_CHECK = "authbus key check v1";

const schema = `
CREATE TABLE IF NOT EXISTS authbus_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS authbus_tokens (
  subject TEXT NOT NULL,
  resource TEXT NOT NULL,
  sealed BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (subject, resource)
);
CREATE TABLE IF NOT EXISTS authbus_consents (
  consent_id TEXT PRIMARY KEY,
  state_lookup TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  resource TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  record TEXT NOT NULL,
  sealed BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS authbus_consents_pending ON authbus_consents (subject, resource, status, created_at);
CREATE TABLE IF NOT EXISTS authbus_client_registrations (
  issuer TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  record TEXT NOT NULL,
  sealed BLOB,
  PRIMARY KEY (issuer, redirect_uri)
);
CREATE TABLE IF NOT EXISTS authbus_consent_waits (
  consent_id TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  session_digest TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (consent_id, thread_id)
);
CREATE TABLE IF NOT EXISTS authbus_tool_calls (
  thread_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  record TEXT NOT NULL,
  sealed BLOB,
  PRIMARY KEY (thread_id, task_id, call_id)
);
CREATE INDEX IF NOT EXISTS authbus_tool_calls_open ON authbus_tool_calls (status, started_at);
`;

function resolveSecret(options: SqliteStoresOptions): { secret: string; development: boolean } {
  const secret = options.secret ?? process.env.AUTHBUS_SECRET;
  if (secret === undefined || secret === "") {
    if (options.development) return { secret: DEVELOPMENT_SECRET, development: true };
    throw new StoreSecretError({
      problem: "missing",
      message:
        `no encryption secret for the SQLite store at ${options.path}: set AUTHBUS_SECRET to a random string of at ` +
        `least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 48\`), pass { secret }, or pass ` +
        "{ development: true } for a throwaway development store",
    });
  }
  return { secret, development: false };
}

function openBox(db: Database.Database, secret: string, path: string): SecretBox {
  const read = db.prepare<[string], { value: Buffer }>("SELECT value FROM authbus_meta WHERE name = ?");
  const write = db.prepare("INSERT INTO authbus_meta (name, value) VALUES (?, ?)");
  const init = db.transaction((): SecretBox => {
    let salt = read.get("salt")?.value;
    if (!salt) {
      salt = randomBytes(16);
      write.run("salt", salt);
    }
    const box = createSecretBox(secret, salt);
    const check = read.get("key_check")?.value;
    if (!check) {
      write.run("key_check", box.seal(KEY_CHECK, "meta:key_check"));
      return box;
    }
    let opened: string | undefined;
    try {
      opened = box.open(check, "meta:key_check");
    } catch {
      opened = undefined;
    }
    if (opened !== KEY_CHECK) {
      throw new StoreSecretError({
        problem: "mismatch",
        message: `the SQLite store at ${path} was written with a different secret; open it with the AUTHBUS_SECRET it was created with`,
      });
    }
    return box;
  });
  return init.immediate();
}

/**
 * Opens (or creates) one SQLite file in WAL mode holding tokens, consents, client
 * registrations and consent waits (with tool calls under way). Access and refresh tokens, DPoP private keys, PKCE verifiers, `state` values,
 * authorization URLs and client secrets are encrypted with AES-256-GCM (random 96-bit IV per value, the row key
 * as additional authenticated data) under a key derived with HKDF-SHA256 from `secret` /
 * `AUTHBUS_SECRET`. A callback's `state` is found by its HMAC.
 *
 * @see RFC 5869, NIST SP 800-38D
 * @example
 * const stores = openSqliteStores({ path: "authbus.db" }); // AUTHBUS_SECRET from the environment
 * const consents = createConsents({ tokens: stores.tokens, store: stores.consents,
 *   registrations: stores.registrations, client: { redirectUri }, bus });
 * @throws {StoreSecretError} without a secret (unless `development`), with one shorter than 32
 *   characters, or with one that is not the file's.
 */
export function openSqliteStores(options: SqliteStoresOptions): SqliteStores {
  const { secret, development } = resolveSecret(options);
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new StoreSecretError({
      problem: "too_short",
      message:
        `the secret for the SQLite store at ${options.path} is shorter than ${MIN_SECRET_LENGTH} characters; ` +
        "use a random value, e.g. `openssl rand -base64 48`",
    });
  }
  const db = new Database(options.path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("foreign_keys = ON");
    db.exec(schema);
    db.exec(SQLITE_LEASE_SCHEMA);
    const box = openBox(db, secret, options.path);
    const close = () => {
      if (db.open) db.close();
    };
    return {
      tokens: new SqliteTokenStore(db, box),
      consents: new SqliteConsentStore(db, box),
      registrations: new SqliteClientRegistrationStore(db, box),
      waits: new SqliteConsentWaitStore(db, box),
      leases: new SqliteLeaseStore(db),
      development,
      close,
      [Symbol.dispose]: close,
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
