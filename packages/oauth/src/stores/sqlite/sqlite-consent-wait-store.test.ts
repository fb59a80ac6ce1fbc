import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolCallStart } from "@authbus/core";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStores } from "./open-sqlite-stores.js";

const dir = mkdtempSync(join(tmpdir(), "authbus-waits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = "a-test-secret-that-is-long-enough-0123456789";

const call = (callId: string, startedAt = 1): ToolCallStart => ({
  threadId: "t1",
  taskId: "task-1",
  callId,
  subject: "alice",
  sessionDigest: "sd_abc",
  toolName: "send_email",
  repeatable: false,
  startedAt,
});

describe("SqliteConsentWaitStore", () => {
  it("keeps waits and calls across reopening the file, tool results sealed", async () => {
    const path = join(dir, "waits.db");
    const first = openSqliteStores({ path, secret });
    await first.waits.addWait({ consentId: "c1", threadId: "t2", subject: "alice", createdAt: 5 });
    await first.waits.addWait({
      consentId: "c1",
      threadId: "t1",
      subject: "alice",
      sessionDigest: "sd_abc",
      createdAt: 3,
    });
    await first.waits.addWait({ consentId: "c1", threadId: "t1", subject: "mallory", createdAt: 9 });
    await first.waits.startCall(call("a", 1));
    await first.waits.startCall(call("b", 2));
    await first.waits.finishCall(
      { threadId: "t1", taskId: "task-1", callId: "a" },
      { content: "RESULT-private-mail-body", status: "success" },
      10,
    );
    first.close();
    expect(readFileSync(path).toString("latin1")).not.toContain("RESULT-private-mail-body");

    const again = openSqliteStores({ path, secret });
    try {
      expect(await again.waits.findWaits("c1")).toEqual([
        { consentId: "c1", threadId: "t1", subject: "alice", sessionDigest: "sd_abc", createdAt: 3 },
        { consentId: "c1", threadId: "t2", subject: "alice", createdAt: 5 },
      ]);
      expect(await again.waits.getCall({ threadId: "t1", taskId: "task-1", callId: "a" })).toEqual({
        ...call("a", 1),
        status: "finished",
        result: { content: "RESULT-private-mail-body", status: "success" },
        finishedAt: 10,
      });
      expect((await again.waits.listOpenCalls()).map((c) => c.callId)).toEqual(["b"]);
      await again.waits.startCall(call("a", 20));
      expect(await again.waits.getCall({ threadId: "t1", taskId: "task-1", callId: "a" })).toEqual({
        ...call("a", 20),
        status: "started",
      });
      await again.waits.dropCall({ threadId: "t1", taskId: "task-1", callId: "b" });
      await again.waits.removeWait("c1", "t1");
      expect((await again.waits.listWaits()).map((w) => w.threadId)).toEqual(["t2"]);
      await again.waits.finishCall(
        { threadId: "t1", taskId: "task-1", callId: "a" },
        { content: [{ type: "text", text: "x" }], status: "error" },
        30,
      );
      expect(await again.waits.pruneCalls(30)).toBe(0);
      expect(await again.waits.pruneCalls(31)).toBe(1);
      expect(await again.waits.listOpenCalls()).toEqual([]);
    } finally {
      again.close();
    }
  });
});
