/**
 * @module A deterministic, offline tool-calling chat model, so the demo runs with no network
 * and no API key. It maps plain requests to tools; it is not a language model.
 */
import { BaseChatModel, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { textOf } from "./message-text.js";

interface Intent {
  server: "calendar" | "files" | "repos";
  tool: string;
  args: Record<string, unknown>;
  /** How to introduce the tool's result. */
  lead: string;
}

const fileName = /([\w.-]+\.[A-Za-z0-9]{1,8})/;

/** Reads what the person asked for. Exported for tests. */
export function readIntent(text: string): Intent | undefined {
  const lower = text.toLowerCase();
  if (/\b(delete|remove|erase)\b/.test(lower)) {
    const name = fileName.exec(text)?.[1];
    if (name) return { server: "files", tool: "delete_file", args: { name }, lead: "Done:" };
  }
  if (/\b(calendar|events?|meetings?|schedule|agenda)\b/.test(lower)) {
    return { server: "calendar", tool: "list_events", args: {}, lead: "Here is what's on your calendar:" };
  }
  if (/\b(files?|documents?|docs)\b/.test(lower)) {
    return { server: "files", tool: "list_files", args: {}, lead: "Here are your files:" };
  }
  if (/\b(repos?|repositor(y|ies)|octo)\b/.test(lower)) {
    return { server: "repos", tool: "list_repositories", args: {}, lead: "Here are your repositories:" };
  }
  return undefined;
}

function toolName(tool: BindToolsInput): string | undefined {
  if (typeof tool !== "object" || tool === null) return undefined;
  if ("name" in tool && typeof tool.name === "string") return tool.name;
  if ("function" in tool && typeof tool.function === "object" && tool.function && "name" in tool.function) {
    return String(tool.function.name);
  }
  return undefined;
}

function formatTime(iso: unknown): string {
  const date = new Date(String(iso));
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
  });
}

// MCP tool results reach the model as text, as content blocks, or as their JSON serialisation.
function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) {
    const parts = value.map(unwrap);
    return parts.length === 1
      ? parts[0]
      : parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join("\n");
  }
  if (value !== null && typeof value === "object") {
    const block = value as { structuredContent?: unknown; type?: unknown; text?: unknown };
    if (block.structuredContent !== undefined) return block.structuredContent;
    if (block.type === "text" && typeof block.text === "string") return parseJson(block.text);
  }
  return value;
}

function parseJson(text: string): unknown {
  try {
    return unwrap(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Puts a tool's answer into sentences a person reads. */
export function formatToolResult(text: string): string {
  const value = parseJson(text);
  if (typeof value === "string") return value;
  const record = (value ?? {}) as { events?: unknown; files?: unknown; repositories?: unknown };
  if (Array.isArray(record.events)) {
    if (record.events.length === 0) return "Nothing is scheduled.";
    return record.events
      .map(
        (event: { title?: unknown; start?: unknown }) =>
          `• ${formatTime(event.start)} UTC: ${String(event.title)}`,
      )
      .join("\n");
  }
  if (Array.isArray(record.files)) {
    if (record.files.length === 0) return "You have no files.";
    return record.files
      .map(
        (file: { name?: unknown; size?: unknown }) =>
          `• ${String(file.name)} (${Number(file.size).toLocaleString("en")} bytes)`,
      )
      .join("\n");
  }
  if (Array.isArray(record.repositories)) {
    if (record.repositories.length === 0) return "You have no repositories.";
    return record.repositories
      .map(
        (repo: { name?: unknown; stars?: unknown }) => `• ${String(repo.name)} (${Number(repo.stars)} stars)`,
      )
      .join("\n");
  }
  return JSON.stringify(value);
}

/** What a person is told when a tool could not run; the tool's note to the model is not repeated. */
export function explainFailure(server: string, detail: string): string {
  if (/declined|denied/i.test(detail)) {
    return `You declined access to ${server}, so I didn't do that. Ask again if you change your mind.`;
  }
  if (/expired/i.test(detail)) {
    return `The access request for ${server} expired before it was answered, so I didn't do that. Ask again to get a new one.`;
  }
  // The tool's note to the model ("Tell the user …; do not retry …") is not for the person.
  return `I couldn't do that: ${detail.replace(/\s*Tell the user\b.*$/s, "")}`;
}

let nextCallId = 0;

/**
 * The demo's model. Given the conversation since the last person's message, it calls the tool
 * that answers it; when that server is not connected yet it calls its `connect_<server>`
 * stand-in first; once the tool answered, it reports the answer (or the error) in words.
 */
export class OfflineChatModel extends BaseChatModel {
  readonly #tools: readonly string[];

  constructor(tools: readonly string[] = []) {
    super({});
    this.#tools = tools;
  }

  _llmType(): string {
    return "authbus-offline";
  }

  override bindTools(tools: BindToolsInput[]): OfflineChatModel {
    return new OfflineChatModel(tools.map(toolName).filter((name): name is string => name !== undefined));
  }

  #find(name: string): string | undefined {
    return this.#tools.find(
      (tool) => tool === name || tool.endsWith(`__${name}`) || tool.endsWith(`.${name}`),
    );
  }

  /** Decides the next message. Exported behaviour is tested through the agent. */
  respond(messages: BaseMessage[]): AIMessage {
    const lastHuman = messages.findLastIndex((message) => HumanMessage.isInstance(message));
    const request = lastHuman >= 0 ? messages[lastHuman] : undefined;
    if (!request) return new AIMessage("Hello! Ask me about your calendar or your files.");
    const intent = readIntent(textOf(request));
    if (!intent) {
      return new AIMessage(
        'I can show your calendar ("what\'s on my calendar?"), list your files, or delete a file ("delete notes.txt").',
      );
    }
    const since = messages.slice(lastHuman + 1);
    const calls = new Map<string, string>();
    for (const message of since) {
      if (AIMessage.isInstance(message))
        for (const call of message.tool_calls ?? []) calls.set(call.id ?? "", call.name);
    }
    const results = since.filter((message): message is ToolMessage => ToolMessage.isInstance(message));
    const resultOf = (name: string) => results.findLast((result) => calls.get(result.tool_call_id) === name);

    const tool = this.#find(intent.tool);
    const connect = this.#find(`connect_${intent.server}`);
    const answered = tool ? resultOf(tool) : undefined;
    if (answered) {
      return answered.status === "error"
        ? new AIMessage(explainFailure(intent.server, textOf(answered)))
        : new AIMessage(`${intent.lead}\n${formatToolResult(textOf(answered))}`);
    }
    const connectResult = connect ? resultOf(connect) : undefined;
    if (connectResult?.status === "error")
      return new AIMessage(explainFailure(intent.server, textOf(connectResult)));
    if (tool) return this.#call(tool, intent.args);
    if (connect && !connectResult) return this.#call(connect, {});
    return new AIMessage(`The ${intent.server} server isn't available right now, so I can't do that.`);
  }

  #call(name: string, args: Record<string, unknown>): AIMessage {
    nextCallId += 1;
    return new AIMessage({
      content: "",
      tool_calls: [{ id: `call_${nextCallId}_${Date.now().toString(36)}`, name, args }],
    });
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message = this.respond(messages);
    return { generations: [{ message, text: textOf(message) }] };
  }
}
