/** @module A ConsentWaitStore in SQLite: consent waits and tool calls under way, tool results sealed. */
import { consentWaitSchema, toolCallKeySchema, toolCallRecordSchema, toolCallResultSchema, } from "@authbus/core";
import { asObject, readStored } from "./stored-value.js";
const CALLS = "authbus_tool_calls";
const aadOf = (key) => `${CALLS}\u0000${JSON.stringify([key.threadId, key.taskId, key.callId])}`;
const checkKey = (key) => toolCallKeySchema.parse({ threadId: key.threadId, taskId: key.taskId, callId: key.callId });
const toWait = (row) => consentWaitSchema.parse({
    consentId: row.consent_id,
    threadId: row.thread_id,
    subject: row.subject,
    ...(row.session_digest === null ? {} : { sessionDigest: row.session_digest }),
    createdAt: row.created_at,
});
/**
 * A durable {@link ConsentWaitStore}: which threads wait on which consent, and which tool calls
 * were started and not finished, so a restart resumes and closes them. A finished call's result
 * is sealed like the tokens beside it. Obtain one from {@link openSqliteStores}.
 *
 * @example
 * const { waits } = openSqliteStores({ path: "authbus.db" });
 * await waits.findWaits(consentId); // [{ threadId, subject, … }]
 */
export class SqliteConsentWaitStore {
    #box;
    #addWait;
    #findWaits;
    #listWaits;
    #removeWait;
    #startCall;
    #finishCall;
    #getCall;
    #dropCall;
    #openCalls;
    #pruneCalls;
    constructor(db, box) {
        this.#box = box;
        this.#addWait = db.prepare(`INSERT OR IGNORE INTO authbus_consent_waits (consent_id, thread_id, subject, session_digest, created_at)
       VALUES (?, ?, ?, ?, ?)`);
        const waitColumns = "consent_id, thread_id, subject, session_digest, created_at";
        this.#findWaits = db.prepare(`SELECT ${waitColumns} FROM authbus_consent_waits WHERE consent_id = ? ORDER BY created_at, rowid`);
        this.#listWaits = db.prepare(`SELECT ${waitColumns} FROM authbus_consent_waits ORDER BY created_at, rowid`);
        this.#removeWait = db.prepare("DELETE FROM authbus_consent_waits WHERE consent_id = ? AND thread_id = ?");
        this.#startCall = db.prepare(`INSERT INTO ${CALLS} (thread_id, task_id, call_id, status, started_at, finished_at, record, sealed)
       VALUES (?, ?, ?, 'started', ?, NULL, ?, NULL)
       ON CONFLICT (thread_id, task_id, call_id) DO UPDATE SET status = 'started',
         started_at = excluded.started_at, finished_at = NULL, record = excluded.record, sealed = NULL`);
        this.#finishCall = db.prepare(`UPDATE ${CALLS} SET status = 'finished', finished_at = ?, sealed = ?
       WHERE thread_id = ? AND task_id = ? AND call_id = ?`);
        const callColumns = "thread_id, task_id, call_id, status, started_at, finished_at, record, sealed";
        this.#getCall = db.prepare(`SELECT ${callColumns} FROM ${CALLS} WHERE thread_id = ? AND task_id = ? AND call_id = ?`);
        this.#dropCall = db.prepare(`DELETE FROM ${CALLS} WHERE thread_id = ? AND task_id = ? AND call_id = ?`);
        this.#openCalls = db.prepare(`SELECT ${callColumns} FROM ${CALLS} WHERE status = 'started' ORDER BY started_at, rowid`);
        this.#pruneCalls = db.prepare(`DELETE FROM ${CALLS} WHERE status = 'finished' AND finished_at < ?`);
    }
    async addWait(wait) {
        const stored = consentWaitSchema.parse(wait);
        this.#addWait.run(stored.consentId, stored.threadId, stored.subject, stored.sessionDigest ?? null, stored.createdAt);
    }
    async findWaits(consentId) {
        return this.#findWaits.all(consentId).map(toWait);
    }
    async listWaits() {
        return this.#listWaits.all().map(toWait);
    }
    async removeWait(consentId, threadId) {
        this.#removeWait.run(consentId, threadId);
    }
    async startCall(call) {
        const { threadId, taskId, callId, startedAt, ...rest } = toolCallRecordSchema.parse({
            ...call,
            status: "started",
        });
        const { status: _status, result: _result, finishedAt: _finishedAt, ...meta } = rest;
        this.#startCall.run(threadId, taskId, callId, startedAt, JSON.stringify(meta));
    }
    async finishCall(key, result, finishedAt) {
        const checked = checkKey(key);
        const sealed = this.#box.seal(JSON.stringify(toolCallResultSchema.parse(result)), aadOf(checked));
        this.#finishCall.run(finishedAt, sealed, checked.threadId, checked.taskId, checked.callId);
    }
    async getCall(key) {
        const checked = checkKey(key);
        const row = this.#getCall.get(checked.threadId, checked.taskId, checked.callId);
        return row ? this.#read(row) : undefined;
    }
    async dropCall(key) {
        const checked = checkKey(key);
        this.#dropCall.run(checked.threadId, checked.taskId, checked.callId);
    }
    async listOpenCalls() {
        return this.#openCalls.all().map((row) => this.#read(row));
    }
    async pruneCalls(before) {
        return this.#pruneCalls.run(before).changes;
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
            startedAt: row.started_at,
            ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
            ...(result === undefined ? {} : { result }),
        }));
    }
}
