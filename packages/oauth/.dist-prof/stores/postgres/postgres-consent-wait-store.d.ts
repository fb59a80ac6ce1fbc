/** @module A ConsentWaitStore in Postgres: consent waits and tool calls under way, tool results sealed. */
import { type ConsentWait, type ConsentWaitStore, type ToolCallKey, type ToolCallRecord, type ToolCallResult, type ToolCallStart } from "@authbus/core";
import type pg from "pg";
import type { SecretBox } from "../sqlite/secret-box.js";
/**
 * A durable {@link ConsentWaitStore} shared by every worker: which threads wait on which consent
 * (so a callback on any worker finds them) and which tool calls were started and not finished.
 * A finished call's result is sealed like the tokens beside it. Obtain one from
 * {@link openPostgresStores}.
 */
export declare class PostgresConsentWaitStore implements ConsentWaitStore {
    #private;
    constructor(pool: pg.Pool, box: SecretBox);
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
