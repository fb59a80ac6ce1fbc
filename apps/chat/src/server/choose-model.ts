/** @module Picks the chat model: a real provider when its API key is set, else the offline model. */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { OfflineChatModel } from "./offline-chat-model.js";

export interface ChosenModel {
  model: BaseChatModel;
  /** What to tell the person starting the app. */
  label: string;
}

/**
 * `ANTHROPIC_API_KEY` → Anthropic, else `OPENAI_API_KEY` → OpenAI, else the offline model.
 * `AUTHBUS_MODEL` names the provider's model. Providers load only when chosen.
 */
export async function chooseModel(env: NodeJS.ProcessEnv = process.env): Promise<ChosenModel> {
  if (env.ANTHROPIC_API_KEY) {
    const { ChatAnthropic } = await import("@langchain/anthropic");
    const name = env.AUTHBUS_MODEL ?? "claude-sonnet-4-5";
    return {
      model: new ChatAnthropic({ model: name, apiKey: env.ANTHROPIC_API_KEY }),
      label: `Anthropic ${name}`,
    };
  }
  if (env.OPENAI_API_KEY) {
    const { ChatOpenAI } = await import("@langchain/openai");
    const name = env.AUTHBUS_MODEL ?? "gpt-4.1-mini";
    return { model: new ChatOpenAI({ model: name, apiKey: env.OPENAI_API_KEY }), label: `OpenAI ${name}` };
  }
  return {
    model: new OfflineChatModel(),
    label: "the offline demo model (set ANTHROPIC_API_KEY or OPENAI_API_KEY for a real one)",
  };
}
