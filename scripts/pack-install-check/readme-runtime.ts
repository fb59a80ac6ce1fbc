/**
 * @module What the README's agent example leaves to the app, for the pack-install check: a chat
 * model (offline, deterministic) and the MCP servers behind its example URLs (the testkit's demo
 * servers, from the installed `@authbus/testkit` tarball). Copied into the temporary app.
 */
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

/** The authorization server and the `calendar` and `files` MCP servers, on 127.0.0.1. */
export const demo: DemoServers = await startDemoServers();

/** The app's base URL. Never dialled: the runner hands each request to the example's `handler`. */
export const baseUrl = "http://127.0.0.1:9/app";

/** The URL of the testkit server that stands in for `https://NAME.example.com/mcp`. */
export function serverUrl(name: string): string {
  if (name === "calendar") return demo.calendar.url;
  if (name === "files") return demo.files.url;
  throw new Error(`the README's example names a server "${name}" that the testkit does not run`);
}

/** The app session of a request: the runner sends it as a header, as a cookie would carry it. */
export const sessionOf = (request: Request): string => request.headers.get("x-readme-session") ?? "";

function text(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content);
}

let calls = 0;

/**
 * Calls the first real tool it is offered (else a `connect_<server>` stand-in, once), then
 * answers with what the tool returned: enough to drive a consent round end to end.
 */
function reply(messages: BaseMessage[], tools: readonly string[]): AIMessage {
  const humanIndex = messages.findLastIndex((message) => HumanMessage.isInstance(message));
  const since = messages.slice(humanIndex + 1).filter((m): m is ToolMessage => ToolMessage.isInstance(m));
  const failed = since.find((message) => message.status === "error");
  if (failed) return new AIMessage(`Sorry: ${text(failed.content)}`);
  const answered = since.find((message) => !message.name?.startsWith("connect_"));
  if (answered) return new AIMessage(`From ${answered.name}: ${text(answered.content)}`);
  const called = new Set(since.map((message) => message.name));
  const next =
    tools.find((name) => !name.startsWith("connect_")) ??
    tools.find((name) => name.startsWith("connect_") && !called.has(name));
  if (next === undefined) return new AIMessage("I have no tool for that.");
  calls += 1;
  return new AIMessage({
    content: "",
    tool_calls: [{ id: `call_${calls}`, name: next, args: {}, type: "tool_call" }],
  });
}

class OfflineChatModel extends BaseChatModel {
  readonly tools: readonly string[];

  constructor(tools: readonly string[] = []) {
    super({});
    this.tools = tools;
  }

  _llmType(): string {
    return "offline";
  }

  override bindTools(tools: unknown[]): OfflineChatModel {
    return new OfflineChatModel(tools.map((tool) => String((tool as { name?: unknown }).name ?? "")));
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message = reply(messages, this.tools);
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }
}

/** Any tool-calling chat model will do; this one needs no network. */
export const model = new OfflineChatModel();
