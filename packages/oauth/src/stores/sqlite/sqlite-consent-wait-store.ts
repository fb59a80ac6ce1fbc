/** @module A ConsentWaitStore in SQLite: consent waits and tool calls under way, tool results sealed. */
import type {
  ConsentWait,
  ConsentWaitStore,
  ToolCallKey,
  ToolCallRecord,
  ToolCallResult,
  ToolCallStart,
} from "@authbus/core";
import type Database from "better-sqlite3";
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
import type { SecretBox } from "./secret-box.js";

/**
 * A durable {@link ConsentWaitStore}: which threads wait on which consent, and which tool calls
 * were started and not finished, so a restart resumes and closes them. A finished call's result
 * is sealed like the tokens beside it. Obtain one from {@link openSqliteStores}.
 *
 * @example
 * const { waits } = openSqliteStores({ path: "authbus.db" });
 * await waits.findWaits(consentId); // [{ threadId, subject, … }]
 */
export class SqliteConsentWaitStore implements ConsentWaitStore {
  readonly #box: SecretBox;
  readonly #addWait: Database.Statement<WaitRow<number>>;
  readonly #findWaits: Database.Statement<[string], WaitRow<number>>;
  readonly #listWaits: Database.Statement<[], WaitRow<number>>;
  readonly #removeWait: Database.Statement<[string, string]>;
  readonly #startCall: Database.Statement<[string, string, string, number, string]>;
  readonly #finishCall: Database.Statement<[number, Buffer, string, string, string]>;
  readonly #getCall: Database.Statement<[string, string, string], CallRow<number>>;
  readonly #dropCall: Database.Statement<[string, string, string]>;
  readonly #openCalls: Database.Statement<[], CallRow<number>>;
  readonly #pruneCalls: Database.Statement<[number]>;

  constructor(db: Database.Database, box: SecretBox) {
    this.#box = box;
    this.#addWait = db.prepare(
      `INSERT OR IGNORE INTO authbus_consent_waits (${WAIT_COLUMNS})
       VALUES (@consent_id, @thread_id, @subject, @session_digest, @created_at)`,
    );
    this.#findWaits = db.prepare(
      `SELECT ${WAIT_COLUMNS} FROM authbus_consent_waits WHERE consent_id = ? ORDER BY created_at, rowid`,
    );
    this.#listWaits = db.prepare(
      `SELECT ${WAIT_COLUMNS} FROM authbus_consent_waits ORDER BY created_at, rowid`,
    );
    this.#removeWait = db.prepare("DELETE FROM authbus_consent_waits WHERE consent_id = ? AND thread_id = ?");
    this.#startCall = db.prepare(
      `INSERT INTO ${CALLS_TABLE} (${CALL_COLUMNS})
       VALUES (?, ?, ?, 'started', ?, NULL, ?, NULL)
       ON CONFLICT (thread_id, task_id, call_id) DO UPDATE SET status = 'started',
         started_at = excluded.started_at, finished_at = NULL, record = excluded.record, sealed = NULL`,
    );
    this.#finishCall = db.prepare(
      `UPDATE ${CALLS_TABLE} SET status = 'finished', finished_at = ?, sealed = ?
       WHERE thread_id = ? AND task_id = ? AND call_id = ?`,
    );
    this.#getCall = db.prepare(
      `SELECT ${CALL_COLUMNS} FROM ${CALLS_TABLE} WHERE thread_id = ? AND task_id = ? AND call_id = ?`,
    );
    this.#dropCall = db.prepare(
      `DELETE FROM ${CALLS_TABLE} WHERE thread_id = ? AND task_id = ? AND call_id = ?`,
    );
    this.#openCalls = db.prepare(
      `SELECT ${CALL_COLUMNS} FROM ${CALLS_TABLE} WHERE status = 'started' ORDER BY started_at, rowid`,
    );
    this.#pruneCalls = db.prepare(`DELETE FROM ${CALLS_TABLE} WHERE status = 'finished' AND finished_at < ?`);
  }

  async addWait(wait: ConsentWait): Promise<void> {
    this.#addWait.run(writeWaitRow(wait));
  }

  async findWaits(consentId: string): Promise<ConsentWait[]> {
    return this.#findWaits.all(consentId).map(readWaitRow);
  }

  async listWaits(): Promise<ConsentWait[]> {
    return this.#listWaits.all().map(readWaitRow);
  }

  async removeWait(consentId: string, threadId: string): Promise<void> {
    this.#removeWait.run(consentId, threadId);
  }

  async startCall(call: ToolCallStart): Promise<void> {
    const { threadId, taskId, callId, startedAt, record } = writeStartedCall(call);
    this.#startCall.run(threadId, taskId, callId, startedAt, record);
  }

  async finishCall(key: ToolCallKey, result: ToolCallResult, finishedAt: number): Promise<void> {
    const { key: checked, sealed } = sealCallResult(this.#box, key, result);
    this.#finishCall.run(finishedAt, sealed, checked.threadId, checked.taskId, checked.callId);
  }

  async getCall(key: ToolCallKey): Promise<ToolCallRecord | undefined> {
    const checked = checkCallKey(key);
    const row = this.#getCall.get(checked.threadId, checked.taskId, checked.callId);
    return row ? readCallRow(this.#box, row) : undefined;
  }

  async dropCall(key: ToolCallKey): Promise<void> {
    const checked = checkCallKey(key);
    this.#dropCall.run(checked.threadId, checked.taskId, checked.callId);
  }

  async listOpenCalls(): Promise<ToolCallRecord[]> {
    return this.#openCalls.all().map((row) => readCallRow(this.#box, row));
  }

  async pruneCalls(before: number): Promise<number> {
    return this.#pruneCalls.run(before).changes;
  }
}
