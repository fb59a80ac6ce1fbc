/** @module Which threads wait on which consent, and which tool calls were under way: what a restart picks up. */
import { z } from "zod";

/**
 * One thread paused on one consent. The checkpoints say what each thread waits on; this
 * record answers the reverse question a callback asks ("who waits on consent X?") and
 * survives a restart. The app session is kept only as a digest.
 */
export const consentWaitSchema = z.strictObject({
  consentId: z.string().min(1),
  threadId: z.string().min(1),
  /** The user the paused run belongs to (the consent's subject). */
  subject: z.string().min(1),
  /** {@link digestSession} of the app session the run named; absent when it named none. */
  sessionDigest: z.string().min(1).optional(),
  /** Epoch milliseconds. */
  createdAt: z.number().int(),
});
export type ConsentWait = z.infer<typeof consentWaitSchema>;

export const toolCallStatusSchema = z.enum(["started", "finished"]);
export type ToolCallStatus = z.infer<typeof toolCallStatusSchema>;

/** What a finished call answered: replayed to a re-run of its task instead of calling again. */
export const toolCallResultSchema = z.strictObject({
  /** The tool message's content (a string or content blocks). */
  content: z.json(),
  status: z.enum(["success", "error"]),
});
export type ToolCallResult = z.infer<typeof toolCallResultSchema>;

/** Which call: the thread, the graph task it runs in (stable across replays), and its tool call id. */
export const toolCallKeySchema = z.strictObject({
  threadId: z.string().min(1),
  taskId: z.string(),
  callId: z.string().min(1),
});
export type ToolCallKey = z.infer<typeof toolCallKeySchema>;

/**
 * A tool call recorded before it is made and after it ends, so a restart can tell a call a
 * dead process left open (`started`) from one that is done (`finished`).
 */
export const toolCallRecordSchema = z.strictObject({
  ...toolCallKeySchema.shape,
  subject: z.string().min(1),
  sessionDigest: z.string().min(1).optional(),
  toolName: z.string().min(1),
  /** The server marked the tool safe to repeat (MCP tool annotations `readOnlyHint` or `idempotentHint`). */
  repeatable: z.boolean(),
  /**
   * The process that made the call (its runner id, alive while its lease `authbus:runner:<id>`
   * is renewed): with several workers, only a call whose runner is gone is taken for abandoned.
   * Absent on calls recorded without one (then "started before this process" decides).
   */
  runnerId: z.string().min(1).optional(),
  status: toolCallStatusSchema,
  result: toolCallResultSchema.optional(),
  /** Epoch milliseconds. */
  startedAt: z.number().int(),
  finishedAt: z.number().int().optional(),
});
export type ToolCallRecord = z.infer<typeof toolCallRecordSchema>;

/** What {@link ConsentWaitStore.startCall} records. */
export type ToolCallStart = Omit<ToolCallRecord, "status" | "result" | "finishedAt">;

/**
 * Async storage of consent waits and of tool calls under way, kept with the token and consent
 * stores. Every write must be durable when its promise resolves: callers write the new state
 * before forgetting the old (a wait is removed only once the resumed run is saved past the
 * interrupt; a call is marked started before it is made).
 */
export interface ConsentWaitStore {
  /** Records that a thread waits on a consent; recording it again changes nothing. */
  addWait(wait: ConsentWait): Promise<void>;
  /** The threads waiting on a consent, oldest first. */
  findWaits(consentId: string): Promise<ConsentWait[]>;
  /** Every wait, oldest first (what a restart resumes). */
  listWaits(): Promise<ConsentWait[]>;
  /** Forgets one thread's wait on a consent. */
  removeWait(consentId: string, threadId: string): Promise<void>;
  /** Records that a call is about to be made (again): `started`, any earlier result cleared. */
  startCall(call: ToolCallStart): Promise<void>;
  /** Records how a call ended. Does nothing for a call that was not started. */
  finishCall(key: ToolCallKey, result: ToolCallResult, finishedAt: number): Promise<void>;
  /** The record of a call, if any. */
  getCall(key: ToolCallKey): Promise<ToolCallRecord | undefined>;
  /** Forgets a call that never reached the tool (the server refused it before running it). */
  dropCall(key: ToolCallKey): Promise<void>;
  /** Calls started and not finished, oldest first (what a dead process left open). */
  listOpenCalls(): Promise<ToolCallRecord[]>;
  /** Forgets calls that finished before `before` (epoch ms); returns how many. */
  pruneCalls(before: number): Promise<number>;
}

/**
 * The digest a {@link ConsentWait} keeps of an app session: `sd_` and the base64url SHA-256 of
 * the session string, so a store never holds a session id that could be replayed as a cookie.
 *
 * @example
 * await digestSession(sessionIdFromCookie); // "sd_…"
 */
export async function digestSession(session: string): Promise<string> {
  const input = new TextEncoder().encode(`authbus session\u0000${session}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return `sd_${btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

const callKeyOf = (key: ToolCallKey): string => {
  const { threadId, taskId, callId } = toolCallKeySchema.parse({
    threadId: key.threadId,
    taskId: key.taskId,
    callId: key.callId,
  });
  return JSON.stringify([threadId, taskId, callId]);
};

/** A {@link ConsentWaitStore} in process memory: for tests and single-process apps that may lose waits on restart. */
export class MemoryConsentWaitStore implements ConsentWaitStore {
  readonly #waits = new Map<string, ConsentWait>();
  readonly #calls = new Map<string, ToolCallRecord>();

  async addWait(wait: ConsentWait): Promise<void> {
    const stored = consentWaitSchema.parse(wait);
    const key = JSON.stringify([stored.consentId, stored.threadId]);
    if (!this.#waits.has(key)) this.#waits.set(key, stored);
  }

  async findWaits(consentId: string): Promise<ConsentWait[]> {
    return (await this.listWaits()).filter((wait) => wait.consentId === consentId);
  }

  async listWaits(): Promise<ConsentWait[]> {
    return [...this.#waits.values()]
      .map((wait) => structuredClone(wait))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async removeWait(consentId: string, threadId: string): Promise<void> {
    this.#waits.delete(JSON.stringify([consentId, threadId]));
  }

  async startCall(call: ToolCallStart): Promise<void> {
    const stored = toolCallRecordSchema.parse({ ...call, status: "started" });
    this.#calls.set(callKeyOf(stored), stored);
  }

  async finishCall(key: ToolCallKey, result: ToolCallResult, finishedAt: number): Promise<void> {
    const found = this.#calls.get(callKeyOf(key));
    if (!found) return;
    this.#calls.set(
      callKeyOf(key),
      toolCallRecordSchema.parse({ ...found, status: "finished", result, finishedAt }),
    );
  }

  async getCall(key: ToolCallKey): Promise<ToolCallRecord | undefined> {
    const found = this.#calls.get(callKeyOf(key));
    return found ? structuredClone(found) : undefined;
  }

  async dropCall(key: ToolCallKey): Promise<void> {
    this.#calls.delete(callKeyOf(key));
  }

  async listOpenCalls(): Promise<ToolCallRecord[]> {
    return [...this.#calls.values()]
      .filter((call) => call.status === "started")
      .map((call) => structuredClone(call))
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  async pruneCalls(before: number): Promise<number> {
    let pruned = 0;
    for (const [key, call] of this.#calls) {
      if (call.status === "finished" && (call.finishedAt ?? 0) < before) {
        this.#calls.delete(key);
        pruned += 1;
      }
    }
    return pruned;
  }
}
