/** The page's view after a patch: changed messages replaced where they are, new ones appended. */
import { describe, expect, it } from "vitest";
import { applyThreadPatch, type ThreadView } from "./thread-view.js";

const view: ThreadView = {
  threadId: "t1",
  running: false,
  messages: [
    { id: "h1", role: "user", text: "hi" },
    { id: "a1", role: "assistant", text: "" },
  ],
  pending: [],
  error: "the last run failed",
};

describe("applyThreadPatch", () => {
  it("replaces a message by id, appends new ones, and leaves what the patch does not name", () => {
    const next = applyThreadPatch(view, {
      messages: [
        { id: "a1", role: "assistant", text: "hello" },
        { id: "h2", role: "user", text: "more" },
      ],
    });
    expect(next.messages.map((message) => [message.id, message.text])).toEqual([
      ["h1", "hi"],
      ["a1", "hello"],
      ["h2", "more"],
    ]);
    expect(next.running).toBe(false);
    expect(next.error).toBe("the last run failed");
    expect(view.messages[1]?.text).toBe("");
  });

  it("clears the error with null, and sets running and the cards", () => {
    const next = applyThreadPatch(view, { running: true, error: null, pending: [] });
    expect(next).toEqual({ threadId: "t1", running: true, messages: view.messages, pending: [] });
  });
});
