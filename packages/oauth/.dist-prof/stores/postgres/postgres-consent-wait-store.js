/** @module A ConsentWaitStore in Postgres: consent waits and tool calls under way, tool results sealed. */
import { consentWaitSchema, toolCallKeySchema, toolCallRecordSchema, toolCallResultSchema, } from "@authbus/core";
import { asObject, readStored } from "../sqlite/stored-value.js";
import { runQuery } from "./postgres-query.js";
const CALLS = "authbus_tool_calls";
const WAIT_COLUMNS = "consent_id, thread_id, subject, session_digest, created_at";
const CALL_COLUMNS = "thread_id, task_id, call_id, status, started_at, finished_at, record, sealed";
const aadOf = (key) => `${CALLS}\u0000${JSON.stringify([key.threadId, key.taskId, key.callId])}`;
const checkKey = (key) => toolCallKeySchema.parse({ threadId: key.threadId, taskId: key.taskId, callId: key.callId });
const toWait = (row) => consentWaitSchema.parse({
    consentId: row.consent_id,
    threadId: row.thread_id,
    subject: row.subject,
    ...(row.session_digest === null ? {} : { sessionDigest: row.session_digest }),
    createdAt: Number(row.created_at),
});
/**
 * A durable {@link ConsentWaitStore} shared by every worker: which threads wait on which consent
 * (so a callback on any worker finds them) and which tool calls were started and not finished.
 * A finished call's result is sealed like the tokens beside it. Obtain one from
 * {@link openPostgresStores}.
 */
export class PostgresConsentWaitStore {
    #pool;
    #box;
    constructor(pool, box) {
        this.#pool = pool;
        this.#box = box;
    }
    async addWait(wait) {
        const stored = consentWaitSchema.parse(wait);
        await runQuery(this.#pool, "record a consent wait", `INSERT INTO authbus_consent_waits (consent_id, thread_id, subject, session_digest, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [stored.consentId, stored.threadId, stored.subject, stored.sessionDigest ?? null, stored.createdAt]);
    }
    async findWaits(consentId) {
        const { rows } = await runQuery(this.#pool, "find consent waits", `SELECT ${WAIT_COLUMNS} FROM authbus_consent_waits WHERE consent_id = $1 ORDER BY created_at, seq`, [consentId]);
        return rows.map(toWait);
    }
    async listWaits() {
        const { rows } = await runQuery(this.#pool, "list consent waits", `SELECT ${WAIT_COLUMNS} FROM authbus_consent_waits ORDER BY created_at, seq`);
        return rows.map(toWait);
    }
    async removeWait(consentId, threadId) {
        await runQuery(this.#pool, "remove a consent wait", "DELETE FROM authbus_consent_waits WHERE consent_id = $1 AND thread_id = $2", [consentId, threadId]);
    }
    async startCall(call) {
        const { threadId, taskId, callId, startedAt, ...rest } = toolCallRecordSchema.parse({
            ...call,
            status: "started",
        });
        const { status: _status, result: _result, finishedAt: _finishedAt, ...meta } = rest;
        await runQuery(this.#pool, "record a tool call", `INSERT INTO ${CALLS} (thread_id, task_id, call_id, status, started_at, finished_at, record, sealed)
       VALUES ($1, $2, $3, 'started', $4, NULL, $5, NULL)
       ON CONFLICT (thread_id, task_id, call_id) DO UPDATE SET status = 'started',
         started_at = excluded.started_at, finished_at = NULL, record = excluded.record, sealed = NULL`, [threadId, taskId, callId, startedAt, JSON.stringify(meta)]);
    }
    async finishCall(key, result, finishedAt) {
        const checked = checkKey(key);
        const sealed = this.#box.seal(JSON.stringify(toolCallResultSchema.parse(result)), aadOf(checked));
        await runQuery(this.#pool, "finish a tool call", `UPDATE ${CALLS} SET status = 'finished', finished_at = $1, sealed = $2
       WHERE thread_id = $3 AND task_id = $4 AND call_id = $5`, [finishedAt, sealed, checked.threadId, checked.taskId, checked.callId]);
    }
    async getCall(key) {
        const checked = checkKey(key);
        const { rows } = await runQuery(this.#pool, "read a tool call", `SELECT ${CALL_COLUMNS} FROM ${CALLS} WHERE thread_id = $1 AND task_id = $2 AND call_id = $3`, [checked.threadId, checked.taskId, checked.callId]);
        return rows[0] ? this.#read(rows[0]) : undefined;
    }
    async dropCall(key) {
        const checked = checkKey(key);
        await runQuery(this.#pool, "drop a tool call", `DELETE FROM ${CALLS} WHERE thread_id = $1 AND task_id = $2 AND call_id = $3`, [checked.threadId, checked.taskId, checked.callId]);
    }
    async listOpenCalls() {
        const { rows } = await runQuery(this.#pool, "list open tool calls", `SELECT ${CALL_COLUMNS} FROM ${CALLS} WHERE status = 'started' ORDER BY started_at, seq`);
        return rows.map((row) => this.#read(row));
    }
    async pruneCalls(before) {
        const result = await runQuery(this.#pool, "prune tool calls", `DELETE FROM ${CALLS} WHERE status = 'finished' AND finished_at < $1`, [before]);
        return result.rowCount ?? 0;
    }
    #read(row) {
        const key = { threadId: row.thread_id, taskId: row.task_id, callId: row.call_id };
        const rowName = JSON.stringify([key.threadId, key.taskId, key.callId]);
        const result = row.sealed === null
            ? undefined
            : readStored(CALLS, rowName, this.#box.open(row.sealed, aadOf(key)), (value) => toolCallResultSchema.parse(value));
        return readStored(CALLS, rowName, row.record, (value) => toolCallRecordSchema.parse({
            ...asObject(value),
            ...key,
            status: row.status,
            startedAt: Number(row.started_at),
            ...(row.finished_at === null ? {} : { finishedAt: Number(row.finished_at) }),
            ...(result === undefined ? {} : { result }),
        }));
    }
}
