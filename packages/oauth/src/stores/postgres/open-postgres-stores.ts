/** @module Durable token, consent, registration and consent-wait stores in Postgres, for many workers; secrets encrypted. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { StoreSecretError } from "../../errors/oauth-errors.js";
import { createSecretBox, MIN_SECRET_LENGTH, type SecretBox } from "../sqlite/secret-box.js";
import { migratePostgres } from "./migrate-postgres.js";
import { PostgresClientRegistrationStore } from "./postgres-client-registration-store.js";
import { PostgresConsentStore } from "./postgres-consent-store.js";
import { PostgresConsentWaitStore } from "./postgres-consent-wait-store.js";
import { PostgresLeaseStore } from "./postgres-lease-store.js";
import { inTransaction, runQuery } from "./postgres-query.js";
import { PostgresTokenStore } from "./postgres-token-store.js";

/** Options of {@link openPostgresStores}: a connection string or a pool of your own. */
export interface PostgresStoresOptions {
  /** `postgres://user:password@host:port/database`. Default: `process.env.AUTHBUS_DATABASE_URL`. */
  connectionString?: string;
  /** A pool of your own (then `connectionString` and `max` are not used, and `close()` leaves it open). */
  pool?: pg.Pool;
  /** Connections in the pool it creates. Default 10. */
  max?: number;
  /** The encryption secret, at least 32 characters. Default: `process.env.AUTHBUS_SECRET`. */
  secret?: string;
  /** Allow opening without a secret (a fixed, public development key: no protection). Never for real tokens. */
  development?: boolean;
  /** Told about errors of idle pooled connections (a restarted server); the pool replaces them. */
  onError?: (error: unknown) => void;
}

/** The stores over one Postgres database, shared by every worker that opens it. */
export interface PostgresStores {
  tokens: PostgresTokenStore;
  consents: PostgresConsentStore;
  registrations: PostgresClientRegistrationStore;
  /** Which threads wait on which consent, and tool calls under way (for resuming after a restart). */
  waits: PostgresConsentWaitStore;
  /** Named leases shared by every worker (e.g. one resume per thread). */
  leases: PostgresLeaseStore;
  /** The pool the stores query (also what `createPostgresBusTransport` and `PostgresSaver` can share). */
  readonly pool: pg.Pool;
  /** Whether the database was opened as a development store (fixed, public key). */
  readonly development: boolean;
  /** Ends the pool it created (a pool passed in is left open). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// The same public development key as the SQLite store: a development store protects nothing.
const DEVELOPMENT_SECRET = "authbus-development-store-key-NOT-SECRET-do-not-use-for-real-tokens";
const KEY_CHECK = "authbus key check v1";

function resolveSecret(options: PostgresStoresOptions): { secret: string; development: boolean } {
  const secret = options.secret ?? process.env.AUTHBUS_SECRET;
  if (secret === undefined || secret === "") {
    if (options.development) return { secret: DEVELOPMENT_SECRET, development: true };
    throw new StoreSecretError({
      problem: "missing",
      message:
        `no encryption secret for the Postgres store: set AUTHBUS_SECRET to a random string of at least ${MIN_SECRET_LENGTH} ` +
        "characters (e.g. `openssl rand -base64 48`), pass { secret }, or pass { development: true } for a throwaway store",
    });
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new StoreSecretError({
      problem: "too_short",
      message: `the secret for the Postgres store is shorter than ${MIN_SECRET_LENGTH} characters; use a random value, e.g. \`openssl rand -base64 48\``,
    });
  }
  return { secret, development: false };
}

/** The salt and key check, written by the first worker (`ON CONFLICT DO NOTHING`), read by all. */
async function openBox(pool: pg.Pool, secret: string): Promise<SecretBox> {
  return inTransaction(pool, "open the secret box", async (client) => {
    await runQuery(
      client,
      "open the secret box",
      "INSERT INTO authbus_meta (name, value) VALUES ('salt', $1) ON CONFLICT DO NOTHING",
      [randomBytes(16)],
    );
    const salt = (
      await runQuery<{ value: Buffer }>(
        client,
        "open the secret box",
        "SELECT value FROM authbus_meta WHERE name = 'salt'",
      )
    ).rows[0]?.value;
    if (!salt) throw new Error("the store salt vanished inside its transaction");
    const box = createSecretBox(secret, salt);
    await runQuery(
      client,
      "open the secret box",
      "INSERT INTO authbus_meta (name, value) VALUES ('key_check', $1) ON CONFLICT DO NOTHING",
      [box.seal(KEY_CHECK, "meta:key_check")],
    );
    const check = (
      await runQuery<{ value: Buffer }>(
        client,
        "open the secret box",
        "SELECT value FROM authbus_meta WHERE name = 'key_check'",
      )
    ).rows[0]?.value;
    let opened: string | undefined;
    try {
      opened = box.open(check, "meta:key_check");
    } catch {
      opened = undefined;
    }
    if (opened !== KEY_CHECK) {
      throw new StoreSecretError({
        problem: "mismatch",
        message:
          "the Postgres store was written with a different secret; open it with the AUTHBUS_SECRET it was created with",
      });
    }
    return box;
  });
}

/**
 * Opens the stores in a Postgres database, for a deployment of several workers: migrates the
 * schema first (under an advisory lock, so workers may start together), then checks the secret.
 * Secrets are sealed exactly as in {@link openSqliteStores} (AES-256-GCM under an HKDF-SHA256 key
 * from `AUTHBUS_SECRET` and the database's random salt; `state` found by its HMAC).
 *
 * Every store method throws {@link StoreUnavailableError} when the database cannot be reached;
 * the pool opens new connections once it is back, so the next call works again.
 *
 * @see RFC 5869, NIST SP 800-38D
 * @example
 * const stores = await openPostgresStores({ connectionString: process.env.AUTHBUS_DATABASE_URL });
 * const consents = createConsents({ tokens: stores.tokens, store: stores.consents,
 *   registrations: stores.registrations, client: { redirectUri }, bus });
 * @throws {StoreSecretError} without a secret (unless `development`), with one shorter than 32
 *   characters, or with one that is not the database's.
 * @throws {StoreUnavailableError} when the database cannot be reached.
 */
export async function openPostgresStores(options: PostgresStoresOptions = {}): Promise<PostgresStores> {
  const { secret, development } = resolveSecret(options);
  const owned = options.pool === undefined;
  let pool: pg.Pool;
  if (options.pool) {
    pool = options.pool;
  } else {
    const connectionString = options.connectionString ?? process.env.AUTHBUS_DATABASE_URL;
    if (!connectionString) {
      throw new TypeError("openPostgresStores needs { connectionString }, { pool } or AUTHBUS_DATABASE_URL");
    }
    pool = new pg.Pool({ connectionString, max: options.max ?? 10, connectionTimeoutMillis: 10_000 });
  }
  // An idle connection the server dropped must not crash the process: the pool replaces it.
  const onIdleError = (error: unknown) => options.onError?.(error);
  pool.on("error", onIdleError);
  try {
    await migratePostgres(pool);
    const box = await openBox(pool, secret);
    let closing: Promise<void> | undefined;
    const close = () => {
      // An owned pool keeps its error listener: a connection dropped while it ends must not crash the process.
      closing ??= owned ? pool.end() : Promise.resolve(pool.off("error", onIdleError)).then(() => undefined);
      return closing;
    };
    return {
      tokens: new PostgresTokenStore(pool, box),
      consents: new PostgresConsentStore(pool, box),
      registrations: new PostgresClientRegistrationStore(pool, box),
      waits: new PostgresConsentWaitStore(pool, box),
      leases: new PostgresLeaseStore(pool),
      pool,
      development,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    pool.off("error", onIdleError);
    if (owned) await pool.end().catch(() => undefined);
    throw error;
  }
}
