/**
 * @module @authbus/oauth/sqlite: token, consent, client registration and consent wait stores in
 * one encrypted SQLite file. The only entry point that loads `better-sqlite3` (an optional peer
 * dependency: install it to use this one); its types name none of better-sqlite3's.
 */
export type { SqliteStores, SqliteStoresOptions } from "./stores/sqlite/open-sqlite-stores.js";
export { openSqliteStores } from "./stores/sqlite/open-sqlite-stores.js";
