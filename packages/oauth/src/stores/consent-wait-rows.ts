/** @module How the SQL consent-wait stores keep waits and tool calls: row shapes and row → record. */
import {
  type ConsentWait,
  consentWaitSchema,
  type ToolCallKey,
  type ToolCallRecord,
  type ToolCallResult,
  type ToolCallStart,
  toolCallKeySchema,
  toolCallRecordSchema,
  toolCallResultSchema,
} from "@authbus/core";
import type { SecretBox } from "./sqlite/secret-box.js";
import { asObject, readStored } from "./sqlite/stored-value.js";

/**
 * A time column as read back: a number from SQLite, a string from Postgres (`pg` returns
 * `bigint` as a string so no precision is lost).
 */
export type StoredTime = number | string;

/** A consent-wait row as SQLite and Postgres both keep it. */
export interface WaitRow<T extends StoredTime = StoredTime> {
  consent_id: string;
  thread_id: string;
  subject: string;
  session_digest: string | null;
  created_at: T;
}

/** A tool-call row as SQLite and Postgres both keep it; `sealed` holds the finished result. */
export interface CallRow<T extends StoredTime = StoredTime> {
  thread_id: string;
  task_id: string;
  call_id: string;
  status: string;
  started_at: T;
  finished_at: T | null;
  record: string;
  sealed: Buffer | null;
}

export const CALLS_TABLE = "authbus_tool_calls";
export const WAIT_COLUMNS = "consent_id, thread_id, subject, session_digest, created_at";
export const CALL_COLUMNS = "thread_id, task_id, call_id, status, started_at, finished_at, record, sealed";

// Bound to the call's key, so a sealed result moved to another row does not open.
const aadOf = (key: ToolCallKey): string =>
  `${CALLS_TABLE}\u0000${JSON.stringify([key.threadId, key.taskId, key.callId])}`;

/** The key of a tool call, checked, without any other field the caller passed along. */
export const checkCallKey = (key: ToolCallKey): ToolCallKey =>
  toolCallKeySchema.parse({ threadId: key.threadId, taskId: key.taskId, callId: key.callId });

/** The consent wait of a row. */
export const readWaitRow = (row: WaitRow): ConsentWait =>
  consentWaitSchema.parse({
    consentId: row.consent_id,
    threadId: row.thread_id,
    subject: row.subject,
    ...(row.session_digest === null ? {} : { sessionDigest: row.session_digest }),
    createdAt: Number(row.created_at),
  });

/** The columns of a wait to insert, checked. */
export function writeWaitRow(wait: ConsentWait): WaitRow<number> {
  const stored = consentWaitSchema.parse(wait);
  return {
    consent_id: stored.consentId,
    thread_id: stored.threadId,
    subject: stored.subject,
    session_digest: stored.sessionDigest ?? null,
    created_at: stored.createdAt,
  };
}

/** What to write for a started call: its checked key, start time and the rest of it as JSON. */
export interface StartedCall extends ToolCallKey {
  startedAt: number;
  record: string;
}

/** Checks a started call and splits it into its key columns and the JSON `record` column. */
export function writeStartedCall(call: ToolCallStart): StartedCall {
  const { threadId, taskId, callId, startedAt, ...rest } = toolCallRecordSchema.parse({
    ...call,
    status: "started",
  });
  const { status: _status, result: _result, finishedAt: _finishedAt, ...meta } = rest;
  return { threadId, taskId, callId, startedAt, record: JSON.stringify(meta) };
}

/** Checks a call's key and result and seals the result, bound to that key. */
export function sealCallResult(
  box: SecretBox,
  key: ToolCallKey,
  result: ToolCallResult,
): { key: ToolCallKey; sealed: Buffer } {
  const checked = checkCallKey(key);
  return {
    key: checked,
    sealed: box.seal(JSON.stringify(toolCallResultSchema.parse(result)), aadOf(checked)),
  };
}

/**
 * The tool-call record of a row, its result opened. A tampered or corrupt row is a
 * StoreCorruptError, never a crypto error or a SyntaxError.
 */
export function readCallRow(box: SecretBox, row: CallRow): ToolCallRecord {
  const key = { threadId: row.thread_id, taskId: row.task_id, callId: row.call_id };
  const rowName = JSON.stringify([key.threadId, key.taskId, key.callId]);
  const result =
    row.sealed === null
      ? undefined
      : readStored(CALLS_TABLE, rowName, box.open(row.sealed, aadOf(key)), (value) =>
          toolCallResultSchema.parse(value),
        );
  return readStored(CALLS_TABLE, rowName, row.record, (value) =>
    toolCallRecordSchema.parse({
      ...asObject(value),
      ...key,
      status: row.status,
      startedAt: Number(row.started_at),
      ...(row.finished_at === null ? {} : { finishedAt: Number(row.finished_at) }),
      ...(result === undefined ? {} : { result }),
    }),
  );
}
