import { MemoryConsentWaitStore, type ToolCallKey, type ToolCallRecord } from "@authbus/core";
import { describe, expect, it } from "vitest";
import { createCallJournal } from "./call-journal.js";

const key: ToolCallKey = { threadId: "t-1", taskId: "task-1", callId: "call-1" };
const poll = { min: 1, max: 5 };

async function startedCall(store: MemoryConsentWaitStore, runnerId = "runner-a"): Promise<void> {
  await store.startCall({
    ...key,
    subject: "alice",
    toolName: "send_mail",
    repeatable: false,
    runnerId,
    startedAt: 1_000,
  });
}

/** Settles `promise` into a value the test can poll for. */
function watch<T>(promise: Promise<T>): { value?: T; error?: unknown; done: boolean } {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
}

describe("createCallJournal", () => {
  it("one process (no liveness check): a started call not under way here is abandoned, as before", async () => {
    const store = new MemoryConsentWaitStore();
    const journal = createCallJournal(store);
    expect(await journal.prior(key)).toEqual({ kind: "new" });
    await startedCall(store);
    expect(await journal.prior(key)).toEqual({ kind: "abandoned", repeatable: false });
    await store.finishCall(key, { content: "sent", status: "success" }, 2_000);
    expect(await journal.prior(key)).toEqual({
      kind: "finished",
      result: { content: "sent", status: "success" },
    });
  });

  it("a call under way in this process is never waited for nor abandoned", async () => {
    const store = new MemoryConsentWaitStore();
    const asked: ToolCallRecord[] = [];
    const journal = createCallJournal(store, {
      isLiveElsewhere: async (call) => {
        asked.push(call);
        return true;
      },
      pollMs: poll,
    });
    await startedCall(store);
    journal.enter(key);
    expect(await journal.prior(key)).toEqual({ kind: "new" });
    expect(asked).toEqual([]);
    journal.leave(key);
  });

  it("a call live in another process: waits for its record to finish and answers with its result", async () => {
    const store = new MemoryConsentWaitStore();
    let checks = 0;
    const journal = createCallJournal(store, {
      isLiveElsewhere: async (call) => {
        checks += 1;
        return call.runnerId === "runner-a";
      },
      pollMs: poll,
    });
    await startedCall(store);
    const waiting = watch(journal.prior(key));
    await expect.poll(() => checks, { timeout: 10_000 }).toBeGreaterThan(2);
    expect(waiting.done).toBe(false);
    await store.finishCall(key, { content: "sent once", status: "success" }, 2_000);
    await expect.poll(() => waiting.done, { timeout: 10_000 }).toBe(true);
    expect(waiting.value).toEqual({ kind: "finished", result: { content: "sent once", status: "success" } });
  });

  it("a call live elsewhere that is forgotten there (it failed, to be made once more) is new", async () => {
    const store = new MemoryConsentWaitStore();
    const journal = createCallJournal(store, { isLiveElsewhere: async () => true, pollMs: poll });
    await startedCall(store);
    const waiting = watch(journal.prior(key));
    await store.dropCall(key);
    await expect.poll(() => waiting.done, { timeout: 10_000 }).toBe(true);
    expect(waiting.value).toEqual({ kind: "new" });
  });

  it("the other process dies while this one waits: abandoned", async () => {
    const store = new MemoryConsentWaitStore();
    let alive = true;
    let checks = 0;
    const journal = createCallJournal(store, {
      isLiveElsewhere: async () => {
        checks += 1;
        return alive;
      },
      pollMs: poll,
    });
    await startedCall(store);
    const waiting = watch(journal.prior(key));
    await expect.poll(() => checks, { timeout: 10_000 }).toBeGreaterThan(1);
    alive = false;
    await expect.poll(() => waiting.done, { timeout: 10_000 }).toBe(true);
    expect(waiting.value).toEqual({ kind: "abandoned", repeatable: false });
  });

  it("stops waiting when the run is aborted", async () => {
    const store = new MemoryConsentWaitStore();
    const journal = createCallJournal(store, { isLiveElsewhere: async () => true, pollMs: poll });
    await startedCall(store);
    const controller = new AbortController();
    const waiting = watch(journal.prior(key, { signal: controller.signal }));
    controller.abort(new Error("run cancelled"));
    await expect.poll(() => waiting.done, { timeout: 10_000 }).toBe(true);
    expect((waiting.error as Error).message).toBe("run cancelled");
  });

  it("hold: records the held call's answer when it ends, then the call is no longer live here", async () => {
    const store = new MemoryConsentWaitStore();
    const journal = createCallJournal(store);
    await startedCall(store);
    journal.enter(key);
    let end: (result: { content: string; status: "success" }) => void = () => undefined;
    journal.hold(key, new Promise((resolve) => (end = resolve)));
    expect(await journal.prior(key)).toEqual({ kind: "new" });
    end({ content: "done", status: "success" });
    await expect.poll(async () => (await store.getCall(key))?.status, { timeout: 10_000 }).toBe("finished");
    expect(await journal.prior(key)).toEqual({
      kind: "finished",
      result: { content: "done", status: "success" },
    });
  });

  it("hold: a failed held call is forgotten (made once more by whoever resumes)", async () => {
    const store = new MemoryConsentWaitStore();
    const journal = createCallJournal(store);
    await startedCall(store);
    journal.enter(key);
    journal.hold(key, Promise.resolve(undefined));
    await expect.poll(async () => store.getCall(key), { timeout: 10_000 }).toBeUndefined();
    expect(await journal.prior(key)).toEqual({ kind: "new" });
  });

  it("hold: a replay in this process that took the call over records it itself", async () => {
    const store = new MemoryConsentWaitStore();
    const journal = createCallJournal(store);
    await startedCall(store);
    journal.enter(key);
    let end: (result: undefined) => void = () => undefined;
    journal.hold(key, new Promise((resolve) => (end = resolve)));
    // The replay after the resume: live here, so it goes on with the held call.
    expect(await journal.prior(key)).toEqual({ kind: "new" });
    journal.enter(key);
    end(undefined);
    await journal.finish(key, { content: "replayed", status: "success" });
    journal.leave(key);
    await expect
      .poll(() => journal.prior(key), { timeout: 10_000 })
      .toEqual({
        kind: "finished",
        result: { content: "replayed", status: "success" },
      });
  });
});
