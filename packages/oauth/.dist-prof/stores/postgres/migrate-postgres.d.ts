/** @module The Postgres schema, migrated on start under an advisory lock, so several workers may start at once. */
import type pg from "pg";
/** The newest schema version this package writes. */
export declare const POSTGRES_SCHEMA_VERSION: number;
/**
 * Brings the schema up to {@link POSTGRES_SCHEMA_VERSION}: takes a session advisory lock (so
 * workers starting together migrate one after the other), creates `authbus_schema_migrations`,
 * and runs each step not yet recorded there in its own transaction. Returns the versions it ran.
 *
 * @throws {StoreUnavailableError} when the database cannot be reached.
 * @throws {Error} when the database holds a newer schema than this package knows (a newer
 *   release migrated it): refuse rather than write rows it might misread.
 */
export declare function migratePostgres(pool: pg.Pool): Promise<number[]>;
