export { openSqliteStores } from "./stores/sqlite/open-sqlite-stores.js";
