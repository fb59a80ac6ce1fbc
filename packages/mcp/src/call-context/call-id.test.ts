import { describe, expect, it } from "vitest";
import { currentCallId, runWithCallId, toolCallIdOf } from "./call-id.js";

describe("call id context", () => {
  it("carries the call id through async work and keeps parallel calls apart", async () => {
    expect(currentCallId()).toBeUndefined();
    const seen = await Promise.all(
      ["a", "b", "c"].map((id, i) =>
        runWithCallId(id, async () => {
          await new Promise((resolve) => setTimeout(resolve, 10 - i * 3));
          await Promise.resolve();
          return currentCallId();
        }),
      ),
    );
    expect(seen).toEqual(["a", "b", "c"]);
    expect(runWithCallId("outer", () => runWithCallId("inner", currentCallId))).toBe("inner");
    expect(currentCallId()).toBeUndefined();
  });

  it("reads the tool call id LangChain puts in the config", () => {
    expect(toolCallIdOf({ toolCall: { id: "call_1", name: "x", args: {} } })).toBe("call_1");
    expect(toolCallIdOf({ toolCall: { id: "" } })).toBeUndefined();
    expect(toolCallIdOf({})).toBeUndefined();
    expect(toolCallIdOf(undefined)).toBeUndefined();
  });
});
