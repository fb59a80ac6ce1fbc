import { describe, expect, it } from "vitest";
import { digestSession, MemoryConsentWaitStore, type ToolCallStart } from "./consent-wait-store.js";

const wait = (consentId: string, threadId: string, createdAt = 1) => ({
  consentId,
  threadId,
  subject: "alice",
  createdAt,
});

const call = (callId: string, startedAt = 1): ToolCallStart => ({
  threadId: "t1",
  taskId: "task-1",
  callId,
  subject: "alice",
  toolName: "send_email",
  repeatable: false,
  startedAt,
});

describe("MemoryConsentWaitStore", () => {
  it("keeps one wait per (consent, thread), oldest first, until removed", async () => {
    const store = new MemoryConsentWaitStore();
    await store.addWait(wait("c1", "t2", 5));
    await store.addWait(wait("c1", "t1", 3));
    await store.addWait({ ...wait("c1", "t1", 9), subject: "changed" });
    await store.addWait(wait("c2", "t1", 4));
    expect((await store.findWaits("c1")).map((w) => [w.threadId, w.subject])).toEqual([
      ["t1", "alice"],
      ["t2", "alice"],
    ]);
    expect((await store.listWaits()).map((w) => w.consentId)).toEqual(["c1", "c2", "c1"]);
    await store.removeWait("c1", "t1");
    expect((await store.findWaits("c1")).map((w) => w.threadId)).toEqual(["t2"]);
  });

  it("refuses a malformed wait", async () => {
    const store = new MemoryConsentWaitStore();
    await expect(store.addWait({ ...wait("", "t1") })).rejects.toThrow();
  });

  it("records calls started, finished, dropped and pruned", async () => {
    const store = new MemoryConsentWaitStore();
    const key = { threadId: "t1", taskId: "task-1", callId: "a" };
    await store.startCall(call("a", 1));
    await store.startCall(call("b", 2));
    expect((await store.listOpenCalls()).map((c) => c.callId)).toEqual(["a", "b"]);
    await store.finishCall(key, { content: "sent", status: "success" }, 10);
    expect(await store.getCall(key)).toMatchObject({ status: "finished", result: { content: "sent" } });
    expect((await store.listOpenCalls()).map((c) => c.callId)).toEqual(["b"]);
    await store.startCall(call("a", 11));
    expect((await store.getCall(key))?.result).toBeUndefined();
    await store.finishCall(key, { content: [{ type: "text", text: "x" }], status: "error" }, 12);
    await store.dropCall({ ...key, callId: "b" });
    expect(await store.listOpenCalls()).toEqual([]);
    await store.finishCall({ ...key, callId: "never" }, { content: "", status: "success" }, 1);
    expect(await store.getCall({ ...key, callId: "never" })).toBeUndefined();
    expect(await store.pruneCalls(12)).toBe(0);
    expect(await store.pruneCalls(13)).toBe(1);
  });
});

describe("digestSession", () => {
  it("names a session without holding it", async () => {
    const digest = await digestSession("session-cookie-value");
    expect(digest).toMatch(/^sd_[A-Za-z0-9_-]{43}$/);
    expect(digest).not.toContain("session-cookie-value");
    expect(await digestSession("session-cookie-value")).toBe(digest);
    expect(await digestSession("other")).not.toBe(digest);
  });
});
