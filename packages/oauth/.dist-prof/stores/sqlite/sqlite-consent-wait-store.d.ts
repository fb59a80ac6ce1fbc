/** @module A ConsentWaitStore in SQLite: consent waits and tool calls under way, tool results sealed. */
import { type ConsentWait, type ConsentWaitStore, type ToolCallKey, type ToolCallRecord, type ToolCallResult, type ToolCallStart } from "@authbus/core";
import type Database from "better-sqlite3";
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
export declare class SqliteConsentWaitStore implements ConsentWaitStore {
    #private;
    constructor(db: Database.Database, box: SecretBox);
    addWait(wait: ConsentWait): Promise<void>;
    findWaits(consentId: string): Promise<ConsentWait[]>;
    listWaits(): Promise<ConsentWait[]>;
    removeWait(consentId: string, threadId: string): Promise<void>;
    startCall(call: ToolCallStart): Promise<void>;
    finishCall(key: ToolCallKey, result: ToolCallResult, finishedAt: number): Promise<void>;
    getCall(key: ToolCallKey): Promise<ToolCallRecord | undefined>;
    dropCall(key: ToolCallKey): Promise<void>;
    listOpenCalls(): Promise<ToolCallRecord[]>;
    pruneCalls(before: number): Promise<number>;
}
