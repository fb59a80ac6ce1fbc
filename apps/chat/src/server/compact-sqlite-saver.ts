/**
 * @module SQLite checkpoints that keep, per thread, only the latest checkpoint and its writes:
 * storage grows with the conversation, not with the square of it.
 */
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { withMessageCache } from "./message-checkpoint-serde.js";

/** Bound to (thread id, namespace, id of the new checkpoint). */
type Statement = Database.Statement<[string, string, string]>;

/**
 * A {@link SqliteSaver} that removes the checkpoints a new one supersedes. Every checkpoint
 * holds the thread's whole state, so keeping each step's (five per message for a tool call)
 * made storage grow with the square of the conversation.
 *
 * What the app needs survives: a run starts from the latest checkpoint; a thread paused on a
 * consent keeps that checkpoint with its pending writes (the interrupts, and what sibling
 * tasks wrote), which is what `getState` shows and a resume replays; a run a killed process
 * left is finished from the latest checkpoint too, with the same task ids, so the tool-call
 * journal still recognises its calls. What goes is history: `getStateHistory` lists only the
 * latest checkpoint, and there is no time travel to an earlier step.
 *
 * Order that survives a kill: the new checkpoint is written first, then the old ones go; killed
 * in between, both stay until the thread's next checkpoint. A write that reaches an old
 * checkpoint after it went (writes are not ordered with the next checkpoint) goes with the next.
 * Checkpoint ids are time-ordered (uuid6), as `SqliteSaver` itself relies on to find the latest.
 */
export class CompactSqliteSaver extends SqliteSaver {
  #prune: { checkpoints: Statement; writes: Statement } | undefined;

  /** Writes and reads checkpoints with {@link withMessageCache}: each message is turned into JSON once, not per checkpoint. */
  constructor(...args: ConstructorParameters<typeof SqliteSaver>) {
    super(...args);
    this.serde = withMessageCache(this.serde);
  }

  static override fromConnString(path: string): CompactSqliteSaver {
    return new CompactSqliteSaver(new Database(path));
  }

  override async put(...args: Parameters<SqliteSaver["put"]>): ReturnType<SqliteSaver["put"]> {
    const saved = await super.put(...args);
    const {
      thread_id: threadId,
      checkpoint_ns: namespace = "",
      checkpoint_id: id,
    } = saved.configurable ?? {};
    if (typeof threadId !== "string" || typeof id !== "string") return saved;
    this.#prune ??= {
      checkpoints: this.db.prepare<[string, string, string]>(
        "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id < ?",
      ),
      writes: this.db.prepare<[string, string, string]>(
        "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id < ?",
      ),
    };
    const prune = this.#prune;
    this.db.transaction(() => {
      prune.checkpoints.run(threadId, namespace, id);
      prune.writes.run(threadId, namespace, id);
    })();
    return saved;
  }
}
