/** @module A deterministic tool-calling chat model for tests: "use TOOL" (or "use TOOL twice") calls it, connecting first. */
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

let nextId = 0;

function text(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content);
}

/**
 * Reads the last user message ("use whoami", "use read_inbox twice"): calls the tool when it is
 * offered, else the server's `connect_<server>` stand-in once, and answers with the tool
 * results ("done: …") or the error ("sorry: …").
 */
function reply(messages: BaseMessage[], tools: string[], servers: Record<string, string>): AIMessage {
  const humanIndex = messages.findLastIndex((message) => HumanMessage.isInstance(message));
  const request = text(messages[humanIndex]?.content ?? "");
  const match = /use (\w+)( twice)?/.exec(request);
  if (!match?.[1]) return new AIMessage("I can use your mail.");
  const tool = match[1];
  const since = messages.slice(humanIndex + 1).filter((m): m is ToolMessage => ToolMessage.isInstance(m));
  const failed = since.find((message) => message.status === "error");
  if (failed) return new AIMessage(`sorry: ${text(failed.content)}`);
  const done = since.filter((message) => message.name === tool);
  if (done.length > 0) return new AIMessage(`done: ${done.map((m) => text(m.content)).join(" | ")}`);
  if (tools.includes(tool)) {
    const calls = Array.from({ length: match[2] ? 2 : 1 }, () => {
      nextId += 1;
      return {
        id: `call_${nextId}_${Math.random().toString(36).slice(2, 8)}`,
        name: tool,
        args: {},
        type: "tool_call" as const,
      };
    });
    return new AIMessage({ content: "", tool_calls: calls });
  }
  const connect = `connect_${servers[tool] ?? "?"}`;
  if (tools.includes(connect) && !since.some((message) => message.name === connect)) {
    nextId += 1;
    return new AIMessage({
      content: "",
      tool_calls: [{ id: `call_${nextId}_c`, name: connect, args: {}, type: "tool_call" as const }],
    });
  }
  return new AIMessage(`I have no tool ${tool} right now.`);
}

/** The model: one instance serves every user; `turns` records what each call was offered. */
export class ScriptedModel extends BaseChatModel {
  readonly servers: Record<string, string>;
  readonly bound: string[];
  readonly turns: string[][];

  constructor(servers: Record<string, string>, bound: string[] = [], turns: string[][] = []) {
    super({});
    this.servers = servers;
    this.bound = bound;
    this.turns = turns;
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(tools: unknown[]): ScriptedModel {
    const names = tools.map((tool) => String((tool as { name?: unknown }).name ?? "?"));
    return new ScriptedModel(this.servers, names, this.turns);
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.turns.push([...this.bound]);
    const message = reply(messages, this.bound, this.servers);
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }
}

/** The text of the last message. */
export function lastText(messages: readonly { content: unknown }[]): string {
  return text(messages.at(-1)?.content ?? "");
}
