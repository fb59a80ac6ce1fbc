import { runQuery, toStoreError } from "./postgres-query.js";
const MIGRATIONS = [
    {
        version: 1,
        name: "tokens, consents, registrations, consent waits, tool calls, leases, bus spool",
        sql: `
CREATE TABLE IF NOT EXISTS authbus_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS authbus_tokens (
  subject TEXT NOT NULL,
  resource TEXT NOT NULL,
  sealed BYTEA NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (subject, resource)
);
CREATE TABLE IF NOT EXISTS authbus_token_leases (
  subject TEXT NOT NULL,
  resource TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 0,
  fence BIGINT NOT NULL DEFAULT 0,
  lease_until BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (subject, resource)
);
CREATE TABLE IF NOT EXISTS authbus_consents (
  consent_id TEXT PRIMARY KEY,
  state_lookup TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  resource TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  record TEXT NOT NULL,
  sealed BYTEA NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX IF NOT EXISTS authbus_consents_pending ON authbus_consents (subject, resource, status, created_at);
CREATE TABLE IF NOT EXISTS authbus_client_registrations (
  issuer TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  record TEXT NOT NULL,
  sealed BYTEA,
  PRIMARY KEY (issuer, redirect_uri)
);
CREATE TABLE IF NOT EXISTS authbus_consent_waits (
  consent_id TEXT NOT NULL,
  thread_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  session_digest TEXT,
  created_at BIGINT NOT NULL,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (consent_id, thread_id)
);
CREATE TABLE IF NOT EXISTS authbus_tool_calls (
  thread_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  record TEXT NOT NULL,
  sealed BYTEA,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (thread_id, task_id, call_id)
);
CREATE INDEX IF NOT EXISTS authbus_tool_calls_open ON authbus_tool_calls (status, started_at);
CREATE TABLE IF NOT EXISTS authbus_leases (
  name TEXT PRIMARY KEY,
  fence BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS authbus_bus_messages (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
`,
    },
];
/** The newest schema version this package writes. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
// pg_advisory_lock key: the first 8 bytes of SHA-256("authbus migrations"), as a signed bigint.
const MIGRATION_LOCK = "-130504280384130921";
/**
 * Brings the schema up to {@link POSTGRES_SCHEMA_VERSION}: takes a session advisory lock (so
 * workers starting together migrate one after the other), creates `authbus_schema_migrations`,
 * and runs each step not yet recorded there in its own transaction. Returns the versions it ran.
 *
 * @throws {StoreUnavailableError} when the database cannot be reached.
 * @throws {Error} when the database holds a newer schema than this package knows (a newer
 *   release migrated it): refuse rather than write rows it might misread.
 */
export async function migratePostgres(pool) {
    let client;
    try {
        client = await pool.connect();
    }
    catch (error) {
        throw toStoreError(error, "migrate");
    }
    let broken;
    try {
        await runQuery(client, "migrate", "SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
        try {
            await runQuery(client, "migrate", `CREATE TABLE IF NOT EXISTS authbus_schema_migrations (
           version INTEGER PRIMARY KEY,
           name TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`);
            const done = new Set((await runQuery(client, "migrate", "SELECT version FROM authbus_schema_migrations")).rows.map((row) => Number(row.version)));
            const newest = Math.max(0, ...done);
            if (newest > POSTGRES_SCHEMA_VERSION) {
                throw new Error(`the authbus schema in this database is version ${newest}; this release knows up to ${POSTGRES_SCHEMA_VERSION}: upgrade @authbus/oauth`);
            }
            const ran = [];
            for (const migration of MIGRATIONS) {
                if (done.has(migration.version))
                    continue;
                await runQuery(client, "migrate", "BEGIN");
                try {
                    await runQuery(client, "migrate", migration.sql);
                    await runQuery(client, "migrate", "INSERT INTO authbus_schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
                    await runQuery(client, "migrate", "COMMIT");
                }
                catch (error) {
                    await client.query("ROLLBACK").catch(() => undefined);
                    throw error;
                }
                ran.push(migration.version);
            }
            return ran;
        }
        finally {
            await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch((error) => {
                // A broken connection drops the session lock with it; the client is discarded.
                broken = error instanceof Error ? error : new Error("unlock failed");
            });
        }
    }
    finally {
        client.release(broken);
    }
}
