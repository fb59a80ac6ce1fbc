/** @module A deterministic tool-calling chat model for tests and examples: a script picks each reply. */

import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { AIMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

/** What the script sees: the conversation and the names of the tools offered on this call. */
export interface ScriptTurn {
  messages: BaseMessage[];
  tools: string[];
}

/** Returns the model's next message. */
export type ChatScript = (turn: ScriptTurn) => AIMessage;

let nextCallId = 0;

/** A tool call with a fresh id, for scripts. */
export function toolCall(name: string, args: Record<string, unknown> = {}) {
  nextCallId += 1;
  return { id: `call_${nextCallId}`, name, args, type: "tool_call" as const };
}

/**
 * A chat model whose replies come from a script, with `bindTools` support so `createAgent` and
 * hand-built graphs can offer it tools. Every call is recorded in `turns`.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly script: ChatScript;
  readonly turns: ScriptTurn[];
  readonly boundToolNames: string[];

  constructor(
    script: ChatScript,
    boundToolNames: string[] = [],
    turns: ScriptTurn[] = [],
    fields: BaseChatModelParams = {},
  ) {
    super(fields);
    this.script = script;
    this.boundToolNames = boundToolNames;
    this.turns = turns;
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(tools: unknown[]): ScriptedChatModel {
    const names = tools.map((tool) => {
      const candidate = tool as { name?: unknown; function?: { name?: unknown } };
      return String(candidate.name ?? candidate.function?.name ?? "?");
    });
    return new ScriptedChatModel(this.script, names, this.turns);
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const turn = { messages, tools: [...this.boundToolNames] };
    this.turns.push(turn);
    const message = this.script(turn);
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }
}

/** The text of the last message of a list. */
export function lastText(messages: BaseMessage[]): string {
  const last = messages.at(-1);
  return typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
}

export { AIMessage };
