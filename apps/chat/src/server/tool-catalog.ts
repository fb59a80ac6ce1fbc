/** @module Each MCP server's last tool list, kept across restarts for the `connect_<server>` descriptions. */
import type { RememberedTool, ToolCatalog } from "@authbus/mcp";
import Database from "better-sqlite3";

/**
 * A small SQLite table of each server's last tool list (names and descriptions), so the
 * `connect_<server>` stand-ins shown after a restart still say what the server offers. (Which
 * threads wait on which consent is authbus's to keep, in `stores.waits`.)
 */
export class SqliteToolCatalog implements ToolCatalog {
  readonly #db: Database.Database;
  readonly #load: Database.Statement<[string], { tools: string }>;
  readonly #save: Database.Statement<[string, string]>;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma("journal_mode = WAL");
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS tool_catalog (server_name TEXT PRIMARY KEY, tools TEXT NOT NULL)",
    );
    this.#load = this.#db.prepare("SELECT tools FROM tool_catalog WHERE server_name = ?");
    this.#save = this.#db.prepare(
      "INSERT INTO tool_catalog VALUES (?, ?) ON CONFLICT (server_name) DO UPDATE SET tools = excluded.tools",
    );
  }

  async load(serverName: string): Promise<readonly RememberedTool[] | undefined> {
    const row = this.#load.get(serverName);
    return row ? (JSON.parse(row.tools) as RememberedTool[]) : undefined;
  }

  async save(serverName: string, tools: readonly RememberedTool[]): Promise<void> {
    this.#save.run(serverName, JSON.stringify(tools.map(({ name, description }) => ({ name, description }))));
  }

  close(): void {
    this.#db.close();
  }
}
