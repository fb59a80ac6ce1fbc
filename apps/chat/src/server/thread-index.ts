/** @module Which threads wait on which consent, so a callback resumes the right conversations. */
import type { RememberedTool, ToolCatalog } from "@authbus/mcp";
import Database from "better-sqlite3";

/**
 * A small SQLite table beside the checkpoints. The checkpoints say what each thread waits on;
 * this index answers the reverse question a callback asks ("who waits on consent X?")
 * without scanning every thread, and survives a restart between consent and callback.
 */
export class ThreadIndex implements ToolCatalog {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[string, string, number]>;
  readonly #select: Database.Statement<[string], { thread_id: string }>;
  readonly #remove: Database.Statement<[string]>;
  readonly #loadTools: Database.Statement<[string], { tools: string }>;
  readonly #saveTools: Database.Statement<[string, string]>;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma("journal_mode = WAL");
    this.#db.exec(`CREATE TABLE IF NOT EXISTS consent_waits (
      consent_id TEXT NOT NULL,
      thread_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (consent_id, thread_id)
    )`);
    this.#insert = this.#db.prepare("INSERT OR IGNORE INTO consent_waits VALUES (?, ?, ?)");
    this.#select = this.#db.prepare(
      "SELECT thread_id FROM consent_waits WHERE consent_id = ? ORDER BY created_at",
    );
    this.#remove = this.#db.prepare("DELETE FROM consent_waits WHERE consent_id = ?");
    // Each server's last tool list (names and descriptions), so connect_<server> stand-ins
    // shown after a restart still say what the server offers.
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS tool_catalog (server_name TEXT PRIMARY KEY, tools TEXT NOT NULL)",
    );
    this.#loadTools = this.#db.prepare("SELECT tools FROM tool_catalog WHERE server_name = ?");
    this.#saveTools = this.#db.prepare(
      "INSERT INTO tool_catalog VALUES (?, ?) ON CONFLICT (server_name) DO UPDATE SET tools = excluded.tools",
    );
  }

  wait(consentId: string, threadId: string): void {
    this.#insert.run(consentId, threadId, Date.now());
  }

  threadsWaitingOn(consentId: string): string[] {
    return this.#select.all(consentId).map((row) => row.thread_id);
  }

  /** Removes and returns the threads waiting on a consent: each is resumed once. */
  take(consentId: string): string[] {
    return this.#db.transaction(() => {
      const threads = this.threadsWaitingOn(consentId);
      this.#remove.run(consentId);
      return threads;
    })();
  }

  async load(serverName: string): Promise<readonly RememberedTool[] | undefined> {
    const row = this.#loadTools.get(serverName);
    return row ? (JSON.parse(row.tools) as RememberedTool[]) : undefined;
  }

  async save(serverName: string, tools: readonly RememberedTool[]): Promise<void> {
    this.#saveTools.run(
      serverName,
      JSON.stringify(tools.map(({ name, description }) => ({ name, description }))),
    );
  }

  close(): void {
    this.#db.close();
  }
}
