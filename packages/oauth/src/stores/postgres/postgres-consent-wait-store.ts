/** @module A ConsentWaitStore in Postgres: consent waits and tool calls under way, tool results sealed. */
import type {
  ConsentWait,
  ConsentWaitStore,
  ToolCallKey,
  ToolCallRecord,
  ToolCallResult,
  ToolCallStart,
} from "@authbus/core";
import type pg from "pg";
import {
  CALL_COLUMNS,
  CALLS_TABLE,
  type CallRow,
  checkCallKey,
  readCallRow,
  readWaitRow,
  sealCallResult,
  WAIT_COLUMNS,
  type WaitRow,
  writeStartedCall,
  writeWaitRow,
} from "../consent-wait-rows.js";
import type { SecretBox } from "../sqlite/secret-box.js";
import { runQuery } from "./postgres-query.js";

/**
 * A durable {@link ConsentWaitStore} shared by every worker: which threads wait on which consent
 * (so a callback on any worker finds them) and which tool calls were started and not finished.
 * A finished call's result is sealed like the tokens beside it. Obtain one from
 * {@link openPostgresStores}.
 */
export class PostgresConsentWaitStore implements ConsentWaitStore {
  readonly #pool: pg.Pool;
  readonly #box: SecretBox;

  constructor(pool: pg.Pool, box: SecretBox) {
    this.#pool = pool;
    this.#box = box;
  }

  async addWait(wait: ConsentWait): Promise<void> {
    const row = writeWaitRow(wait);
    await runQuery(
      this.#pool,
      "record a consent wait",
      `INSERT INTO authbus_consent_waits (${WAIT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [row.consent_id, row.thread_id, row.subject, row.session_digest, row.created_at],
    );
  }

  async findWaits(consentId: string): Promise<ConsentWait[]> {
    const { rows } = await runQuery<WaitRow<string>>(
      this.#pool,
      "find consent waits",
      `SELECT ${WAIT_COLUMNS} FROM authbus_consent_waits WHERE consent_id = $1 ORDER BY created_at, seq`,
      [consentId],
    );
    return rows.map(readWaitRow);
  }

  async listWaits(): Promise<ConsentWait[]> {
    const { rows } = await runQuery<WaitRow<string>>(
      this.#pool,
      "list consent waits",
      `SELECT ${WAIT_COLUMNS} FROM authbus_consent_waits ORDER BY created_at, seq`,
    );
    return rows.map(readWaitRow);
  }

  async removeWait(consentId: string, threadId: string): Promise<void> {
    await runQuery(
      this.#pool,
      "remove a consent wait",
      "DELETE FROM authbus_consent_waits WHERE consent_id = $1 AND thread_id = $2",
      [consentId, threadId],
    );
  }

  async startCall(call: ToolCallStart): Promise<void> {
    const { threadId, taskId, callId, startedAt, record } = writeStartedCall(call);
    await runQuery(
      this.#pool,
      "record a tool call",
      `INSERT INTO ${CALLS_TABLE} (${CALL_COLUMNS})
       VALUES ($1, $2, $3, 'started', $4, NULL, $5, NULL)
       ON CONFLICT (thread_id, task_id, call_id) DO UPDATE SET status = 'started',
         started_at = excluded.started_at, finished_at = NULL, record = excluded.record, sealed = NULL`,
      [threadId, taskId, callId, startedAt, record],
    );
  }

  async finishCall(key: ToolCallKey, result: ToolCallResult, finishedAt: number): Promise<void> {
    const { key: checked, sealed } = sealCallResult(this.#box, key, result);
    await runQuery(
      this.#pool,
      "finish a tool call",
      `UPDATE ${CALLS_TABLE} SET status = 'finished', finished_at = $1, sealed = $2
       WHERE thread_id = $3 AND task_id = $4 AND call_id = $5`,
      [finishedAt, sealed, checked.threadId, checked.taskId, checked.callId],
    );
  }

  async getCall(key: ToolCallKey): Promise<ToolCallRecord | undefined> {
    const checked = checkCallKey(key);
    const { rows } = await runQuery<CallRow<string>>(
      this.#pool,
      "read a tool call",
      `SELECT ${CALL_COLUMNS} FROM ${CALLS_TABLE} WHERE thread_id = $1 AND task_id = $2 AND call_id = $3`,
      [checked.threadId, checked.taskId, checked.callId],
    );
    return rows[0] ? readCallRow(this.#box, rows[0]) : undefined;
  }

  async dropCall(key: ToolCallKey): Promise<void> {
    const checked = checkCallKey(key);
    await runQuery(
      this.#pool,
      "drop a tool call",
      `DELETE FROM ${CALLS_TABLE} WHERE thread_id = $1 AND task_id = $2 AND call_id = $3`,
      [checked.threadId, checked.taskId, checked.callId],
    );
  }

  async listOpenCalls(): Promise<ToolCallRecord[]> {
    const { rows } = await runQuery<CallRow<string>>(
      this.#pool,
      "list open tool calls",
      `SELECT ${CALL_COLUMNS} FROM ${CALLS_TABLE} WHERE status = 'started' ORDER BY started_at, seq`,
    );
    return rows.map((row) => readCallRow(this.#box, row));
  }

  async pruneCalls(before: number): Promise<number> {
    const result = await runQuery(
      this.#pool,
      "prune tool calls",
      `DELETE FROM ${CALLS_TABLE} WHERE status = 'finished' AND finished_at < $1`,
      [before],
    );
    return result.rowCount ?? 0;
  }
}
