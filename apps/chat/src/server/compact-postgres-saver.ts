/**
 * @module Postgres checkpoints whose storage grows with the conversation, not with its square:
 * each chat message is stored once, and a new checkpoint removes, in the transaction that
 * writes it, the ones of its thread it supersedes, their writes, and the channel blobs no
 * remaining checkpoint refers to.
 */
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { CheckpointMessages, type MessageBody, withFastLoads } from "./checkpoint-messages.js";

type Options = ConstructorParameters<typeof PostgresSaver>[2];
type Tuple = NonNullable<Awaited<ReturnType<PostgresSaver["getTuple"]>>>;

/** First key of the per-thread `pg_advisory_xact_lock(int4, int4)` (the second is a hash of the thread). */
const THREAD_LOCK_CLASS = 0x61627573; // "abus"

/** The statements of one schema, each keyed by the thread, its namespace and (where named) the new checkpoint. */
function compactStatements(schema: string) {
  const table = (name: string) => `"${schema}".${name}`;
  return {
    lockThread: "SELECT pg_advisory_xact_lock($1::int4, hashtext($2 || chr(1) || $3))",
    createBodies: `CREATE TABLE IF NOT EXISTS ${table("checkpoint_messages")} (
      thread_id TEXT NOT NULL,
      checkpoint_ns TEXT NOT NULL DEFAULT '',
      key TEXT NOT NULL,
      body TEXT NOT NULL,
      PRIMARY KEY (thread_id, checkpoint_ns, key)
    )`,
    // A key is a digest of the body: one already stored is the same message.
    insertBodies: `INSERT INTO ${table("checkpoint_messages")} (thread_id, checkpoint_ns, key, body)
      SELECT $1, $2, key, body FROM unnest($3::text[], $4::text[]) AS b(key, body)
      ON CONFLICT (thread_id, checkpoint_ns, key) DO NOTHING`,
    selectBodies: `SELECT key, body AS text FROM ${table("checkpoint_messages")}
      WHERE thread_id = $1 AND checkpoint_ns = $2 AND key = ANY($3::text[])`,
    deleteBodies: `DELETE FROM ${table("checkpoint_messages")} WHERE thread_id = $1`,
    // As PostgresSaver's own upserts (the blob of a version is written once; a checkpoint
    // written again with the same id is replaced).
    insertBlob: `INSERT INTO ${table("checkpoint_blobs")} (thread_id, checkpoint_ns, channel, version, type, blob)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING`,
    upsertCheckpoint: `INSERT INTO ${table("checkpoints")} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
      DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
    // Checkpoint ids are uuid6, ordered by time as text: PostgresSaver finds the latest by them.
    pruneWrites: `DELETE FROM ${table("checkpoint_writes")}
      WHERE thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id < $3`,
    pruneCheckpoints: `DELETE FROM ${table("checkpoints")}
      WHERE thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id < $3`,
    // A blob is read by a checkpoint whose channel_versions name its version (PostgresSaver's
    // SELECT joins them the same way).
    pruneBlobs: `DELETE FROM ${table("checkpoint_blobs")} bl
      WHERE bl.thread_id = $1 AND bl.checkpoint_ns = $2
        AND NOT EXISTS (
          SELECT 1 FROM ${table("checkpoints")} cp
          WHERE cp.thread_id = bl.thread_id AND cp.checkpoint_ns = bl.checkpoint_ns
            AND cp.checkpoint -> 'channel_versions' ->> bl.channel = bl.version
        )`,
  };
}

/**
 * A {@link PostgresSaver} that keeps only the latest checkpoint of each thread and namespace.
 * PostgresSaver keeps every checkpoint (five or more per chat message) and writes a channel's
 * value again for each of its versions, the conversation included, so a thread's storage grew
 * with the square of its length. Here `put` writes the new checkpoint and, in the same
 * transaction, removes those of its thread and namespace with an earlier id, their pending
 * writes, and every blob of the thread that no remaining checkpoint refers to: what stays is
 * one checkpoint and one version of each channel.
 *
 * Each chat message is stored once, as `CompactSqliteSaver` does (the same
 * {@link CheckpointMessages}): in `checkpoint_messages`, keyed by a digest of its text, with
 * refs in its place in the channel blobs and in the state a pending `Send` carries; reads put
 * the messages back (those of the thread's last run taken as they are while they live). So a
 * step writes what is new, not the conversation again. Bodies stay as long as their thread
 * (`deleteThread` removes them): storage stays linear in what was ever said. A worker
 * remembers which bodies it stored; another worker's `deleteThread` of a thread this one still
 * writes is not supported (the chat never deletes a thread).
 *
 * What the app needs survives: a thread paused on a consent keeps its latest checkpoint with
 * its pending writes (the interrupts, and what sibling tasks wrote), which is what `getState`
 * shows and a resume replays; a run a killed process left is finished from the latest
 * checkpoint, with the same task ids. What goes is history: `getStateHistory` lists the latest
 * checkpoint only, and there is no time travel to an earlier step.
 *
 * Surviving a kill, and two writers: the checkpoint and the removal of what it supersedes
 * commit together or not at all, so a kill at any point leaves the old state or the new, both
 * readable. Each `put` holds a transaction-scoped advisory lock on its thread and namespace, so
 * two writers of one thread (a resume and a recovery on different workers) prune one after
 * the other, and a writer never reuses a blob the other is removing; writers of different
 * threads do not wait for each other. Only checkpoints older than the one just written go, so
 * the latest is never removed, even when a stale writer puts one that is not the latest. A
 * write that reaches a checkpoint after it was superseded stays until the thread's next put.
 * Bodies go in before (or with) what refers to them, and are never removed by a put.
 */
export class CompactPostgresSaver extends PostgresSaver {
  readonly #pool: pg.Pool;
  readonly #sql: ReturnType<typeof compactStatements>;
  readonly #messages: CheckpointMessages;

  constructor(...args: ConstructorParameters<typeof PostgresSaver>) {
    super(...args);
    this.serde = withFastLoads(this.serde);
    const [pool, , options] = args;
    this.#pool = pool;
    this.#sql = compactStatements(options?.schema ?? "public");
    this.#messages = new CheckpointMessages(this.serde);
  }

  static override fromConnString(connString: string, options?: Options): CompactPostgresSaver {
    return new CompactPostgresSaver(new pg.Pool({ connectionString: connString }), undefined, options);
  }

  /** PostgresSaver's tables, and the one of message bodies (call it as PostgresSaver's, once, under a lock). */
  override async setup(): Promise<void> {
    await super.setup();
    await this.#pool.query(this.#sql.createBodies);
  }

  /**
   * Writes the checkpoint as PostgresSaver does, its new messages once, then removes what it
   * supersedes, in one transaction.
   */
  override async put(...args: Parameters<PostgresSaver["put"]>): ReturnType<PostgresSaver["put"]> {
    const [config, checkpoint, metadata, newVersions] = args;
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const {
      thread_id: threadId,
      checkpoint_ns: namespace = "",
      checkpoint_id: parentId,
    } = config.configurable;
    // The run's input (`__start__`) is written as it is: its messages get their ids after.
    const { __start__: input, ...channels } = checkpoint.channel_values;
    const out = await this.#messages.externalize(channels, threadId, namespace);
    const values = out.value as typeof channels;
    const channelValues = input === undefined ? values : { ...values, __start__: input };
    const [blobs, serializedMetadata] = await Promise.all([
      this._dumpBlobs(threadId, namespace, channelValues, newVersions),
      this._dumpMetadata(metadata),
    ]);
    const sql = this.#sql;
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(sql.lockThread, [THREAD_LOCK_CLASS, threadId, namespace]);
      await insertBodies(client, sql, threadId, namespace, out.bodies);
      for (const blob of blobs) await client.query(sql.insertBlob, blob);
      await client.query(sql.upsertCheckpoint, [
        threadId,
        namespace,
        checkpoint.id,
        parentId,
        this._dumpCheckpoint(checkpoint),
        serializedMetadata,
      ]);
      // The new checkpoint is written (in this transaction): only now do the ones it supersedes go.
      const key = [threadId, namespace, checkpoint.id];
      await client.query(sql.pruneWrites, key);
      await client.query(sql.pruneCheckpoints, key);
      await client.query(sql.pruneBlobs, [threadId, namespace]);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    out.stored();
    this.#messages.remember(threadId, namespace, out.conversation);
    return { configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: checkpoint.id } };
  }

  /**
   * Writes a task's writes as PostgresSaver does; the state a `Send` carries refers to the
   * stored messages (stored first). A task's own new messages are written as they are (once;
   * they get their ids only after).
   */
  override async putWrites(
    ...args: Parameters<PostgresSaver["putWrites"]>
  ): ReturnType<PostgresSaver["putWrites"]> {
    const [config, writes, ...rest] = args;
    const threadId = config.configurable?.thread_id;
    if (typeof threadId !== "string") return super.putWrites(...args);
    const namespace = String(config.configurable?.checkpoint_ns ?? "");
    const out = await this.#messages.externalize(writes, threadId, namespace, { onlyInSends: true });
    if (out.bodies.length > 0) {
      await insertBodies(this.#pool, this.#sql, threadId, namespace, out.bodies);
      out.stored();
    }
    return super.putWrites(config, out.value as typeof writes, ...rest);
  }

  /** The tuple with its refs replaced by the messages they name. */
  #internalize(tuple: Tuple): Promise<Tuple> {
    return this.#messages.internalize(tuple, async (threadId, namespace, keys) => {
      const { rows } = await this.#pool.query(this.#sql.selectBodies, [threadId, namespace, [...keys]]);
      return rows as MessageBody[];
    });
  }

  override async getTuple(
    ...args: Parameters<PostgresSaver["getTuple"]>
  ): ReturnType<PostgresSaver["getTuple"]> {
    const tuple = await super.getTuple(...args);
    return tuple ? this.#internalize(tuple) : tuple;
  }

  override async *list(...args: Parameters<PostgresSaver["list"]>): ReturnType<PostgresSaver["list"]> {
    for await (const tuple of super.list(...args)) yield await this.#internalize(tuple);
  }

  override async deleteThread(threadId: string): Promise<void> {
    await super.deleteThread(threadId);
    await this.#pool.query(this.#sql.deleteBodies, [threadId]);
    // What was stored for the thread is gone: no message counts as stored any more.
    this.#messages.forgetThread(threadId);
  }
}

/** Stores message bodies (those already stored are left as they are). */
async function insertBodies(
  db: Pick<pg.Pool | pg.PoolClient, "query">,
  sql: ReturnType<typeof compactStatements>,
  threadId: string,
  namespace: string,
  bodies: readonly MessageBody[],
): Promise<void> {
  if (bodies.length === 0) return;
  await db.query(sql.insertBodies, [
    threadId,
    namespace,
    bodies.map((body) => body.key),
    bodies.map((body) => body.text),
  ]);
}

/**
 * The bytes a thread's checkpoints take in `schema` of a {@link CompactPostgresSaver}'s database
 * (their JSON, the channel blobs, the pending writes and the message bodies, as stored before
 * compression), and its checkpoint rows: what the soak bench and the tests compare as the
 * conversation grows.
 */
export async function measureCheckpointStorage(
  pool: pg.Pool,
  threadId: string,
  schema = "public",
): Promise<{ bytes: number; rows: number }> {
  const table = (name: string) => `"${schema}".${name}`;
  const { rows } = await pool.query(
    `SELECT
      (SELECT COALESCE(SUM(octet_length(checkpoint::text) + octet_length(metadata::text)), 0)
        FROM ${table("checkpoints")} WHERE thread_id = $1)
      + (SELECT COALESCE(SUM(octet_length(blob)), 0) FROM ${table("checkpoint_blobs")} WHERE thread_id = $1)
      + (SELECT COALESCE(SUM(octet_length(blob)), 0) FROM ${table("checkpoint_writes")} WHERE thread_id = $1)
      + (SELECT COALESCE(SUM(octet_length(body)), 0) FROM ${table("checkpoint_messages")} WHERE thread_id = $1)
        AS bytes,
      (SELECT COUNT(*) FROM ${table("checkpoints")} WHERE thread_id = $1) AS rows`,
    [threadId],
  );
  const row = rows[0] as { bytes: string; rows: string };
  return { bytes: Number(row.bytes), rows: Number(row.rows) };
}
