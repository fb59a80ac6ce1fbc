import { describe, expect, it } from "vitest";
import { chooseModel } from "./choose-model.js";
import { OfflineChatModel } from "./offline-chat-model.js";

describe("chooseModel", () => {
  it("uses the offline model when no provider key is set", async () => {
    const chosen = await chooseModel({});
    expect(chosen.model).toBeInstanceOf(OfflineChatModel);
  });

  it("picks Anthropic, then OpenAI, by key, with AUTHBUS_MODEL naming the model", async () => {
    const anthropic = await chooseModel({
      ANTHROPIC_API_KEY: "test-key",
      OPENAI_API_KEY: "x",
      AUTHBUS_MODEL: "claude-x",
    });
    expect(anthropic.model._llmType()).toBe("anthropic");
    expect(anthropic.label).toBe("Anthropic claude-x");
    const openai = await chooseModel({ OPENAI_API_KEY: "test-key" });
    expect(openai.model._llmType()).toBe("openai");
    expect(openai.label).toContain("OpenAI");
  });
});
