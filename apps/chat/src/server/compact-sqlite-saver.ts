/**
 * @module SQLite checkpoints whose storage, and whose cost per step, grow with what is new in a
 * conversation rather than with all of it: only each thread's latest checkpoint is kept, and
 * each chat message is stored once, referred to by key.
 */
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { CheckpointMessages, type MessageBody, withFastLoads } from "./checkpoint-messages.js";

type Tuple = NonNullable<Awaited<ReturnType<SqliteSaver["getTuple"]>>>;

interface Statements {
  insertBody: Database.Statement<[string, string, string, string]>;
  selectBodies: Database.Statement<[string, string], MessageBody>;
  deleteBodies: Database.Statement<[string]>;
  pruneCheckpoints: Database.Statement<[string, string, string]>;
  pruneWrites: Database.Statement<[string, string, string]>;
}

/**
 * A {@link SqliteSaver} for long conversations. Every LangGraph checkpoint holds the thread's
 * whole state, five or more per message (twice the conversation when a tool call is pending:
 * its `Send` carries the state), so storage grew with the square of the conversation and each
 * step wrote all of it again. Here:
 *
 * - Each chat message of the channel values (and of the state a `Send` carries) is stored
 *   once, in `checkpoint_messages`, keyed by a digest of its text; checkpoints and writes hold
 *   refs in their place (`{ lc: 3, type: "messages", refs: "key,…" }` for the conversation), and reads put the
 *   messages back. A message is serialized once per object ({@link MessageCodec}), so a step
 *   writes what is new. A task's own new messages stay in its writes (written once; they get
 *   their ids only after).
 * - A read takes the messages the thread's latest checkpoint was written from while those
 *   objects still live (held weakly; each checked unchanged since), so a run that follows
 *   another does not parse the whole conversation again.
 * - A new checkpoint removes the ones it supersedes, with their writes.
 *
 * What the app needs survives: a run starts from the latest checkpoint; a thread paused on a
 * consent keeps that checkpoint with its pending writes (the interrupts, and what sibling tasks
 * wrote), which is what `getState` shows and a resume replays; a run a killed process left is
 * finished from the latest checkpoint too, with the same task ids, so the tool-call journal
 * still recognises its calls. What goes is history: `getStateHistory` lists only the latest
 * checkpoint, and there is no time travel to an earlier step. Message bodies stay as long as
 * their thread (`deleteThread` removes them); one a thread no longer refers to (replaced,
 * removed) is not collected before, so storage stays linear in what was ever said.
 *
 * Order that survives a kill: bodies first, then the checkpoint or writes that refer to them,
 * then the superseded checkpoints go; killed in between, the old stays until the thread's next
 * checkpoint. A write that reaches an old checkpoint after it went (writes are not ordered with
 * the next checkpoint) goes with the next. Checkpoint ids are time-ordered (uuid6), as
 * `SqliteSaver` itself relies on to find the latest. Rows written by a plain `SqliteSaver` are
 * read as they are.
 */
export class CompactSqliteSaver extends SqliteSaver {
  readonly #messages: CheckpointMessages;
  #statements: Statements | undefined;

  constructor(...args: ConstructorParameters<typeof SqliteSaver>) {
    super(...args);
    this.serde = withFastLoads(this.serde);
    this.#messages = new CheckpointMessages(this.serde);
  }

  static override fromConnString(path: string): CompactSqliteSaver {
    return new CompactSqliteSaver(new Database(path));
  }

  #prepare(): Statements {
    if (this.#statements) return this.#statements;
    this.setup();
    this.db.exec(`
CREATE TABLE IF NOT EXISTS checkpoint_messages (
  thread_id TEXT NOT NULL,
  checkpoint_ns TEXT NOT NULL DEFAULT '',
  key TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (thread_id, checkpoint_ns, key)
);`);
    this.#statements = {
      insertBody: this.db.prepare(
        "INSERT OR IGNORE INTO checkpoint_messages (thread_id, checkpoint_ns, key, body) VALUES (?, ?, ?, ?)",
      ),
      // All of the thread's: one range of the primary key, cheaper than looking each key up;
      // bodies it no longer refers to (rare) are skipped before they are parsed.
      selectBodies: this.db.prepare(
        "SELECT key, body AS text FROM checkpoint_messages WHERE thread_id = ? AND checkpoint_ns = ?",
      ),
      deleteBodies: this.db.prepare("DELETE FROM checkpoint_messages WHERE thread_id = ?"),
      pruneCheckpoints: this.db.prepare(
        "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id < ?",
      ),
      pruneWrites: this.db.prepare(
        "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id < ?",
      ),
    };
    return this.#statements;
  }

  /** `value` with its messages replaced by refs, their bodies stored first. */
  async #externalize(
    value: unknown,
    threadId: string,
    namespace: string,
    options?: { onlyInSends?: boolean },
  ): ReturnType<CheckpointMessages["externalize"]> {
    const statements = this.#prepare();
    const out = await this.#messages.externalize(value, threadId, namespace, options);
    if (out.bodies.length > 0) {
      this.db.transaction((bodies: MessageBody[]) => {
        for (const body of bodies) statements.insertBody.run(threadId, namespace, body.key, body.text);
      })(out.bodies);
    }
    out.stored();
    return out;
  }

  /** The tuple with its refs replaced by the messages they name. */
  #internalize<T extends Tuple>(tuple: T): Promise<T> {
    return this.#messages.internalize(tuple, (threadId, namespace) =>
      this.#prepare().selectBodies.all(threadId, namespace),
    );
  }

  override async getTuple(...args: Parameters<SqliteSaver["getTuple"]>): ReturnType<SqliteSaver["getTuple"]> {
    const tuple = await super.getTuple(...args);
    return tuple ? this.#internalize(tuple) : tuple;
  }

  override async *list(...args: Parameters<SqliteSaver["list"]>): ReturnType<SqliteSaver["list"]> {
    for await (const tuple of super.list(...args)) yield await this.#internalize(tuple);
  }

  override async put(...args: Parameters<SqliteSaver["put"]>): ReturnType<SqliteSaver["put"]> {
    const [config, checkpoint, ...rest] = args;
    const threadId = config.configurable?.thread_id;
    if (typeof threadId !== "string") return super.put(...args);
    const namespace = String(config.configurable?.checkpoint_ns ?? "");
    // The run's input (`__start__`) is written once, as it is: its messages get their ids after.
    const { __start__: input, ...channels } = checkpoint.channel_values;
    const out = await this.#externalize(channels, threadId, namespace);
    const values = out.value as typeof channels;
    const saved = await super.put(
      config,
      { ...checkpoint, channel_values: input === undefined ? values : { ...values, __start__: input } },
      ...rest,
    );
    this.#messages.remember(threadId, namespace, out.conversation);
    const id = saved.configurable?.checkpoint_id;
    if (typeof id !== "string") return saved;
    // The new checkpoint is saved: only now do the ones it supersedes go.
    const statements = this.#prepare();
    this.db.transaction(() => {
      statements.pruneCheckpoints.run(threadId, namespace, id);
      statements.pruneWrites.run(threadId, namespace, id);
    })();
    return saved;
  }

  override async putWrites(
    ...args: Parameters<SqliteSaver["putWrites"]>
  ): ReturnType<SqliteSaver["putWrites"]> {
    const [config, writes, ...rest] = args;
    const threadId = config.configurable?.thread_id;
    if (typeof threadId !== "string") return super.putWrites(...args);
    const namespace = String(config.configurable?.checkpoint_ns ?? "");
    // A task's new messages are written as they are (once); the state a Send carries, by ref.
    const out = await this.#externalize(writes, threadId, namespace, { onlyInSends: true });
    return super.putWrites(config, out.value as typeof writes, ...rest);
  }

  override async deleteThread(threadId: string): Promise<void> {
    await super.deleteThread(threadId);
    this.#prepare().deleteBodies.run(threadId);
    // What was stored for the thread is gone: no message counts as stored any more.
    this.#messages.forgetThread(threadId);
  }
}
