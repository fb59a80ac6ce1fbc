/** @module Scripts for {@link ScriptedChatModel}: what a sensible model would do with authbus tools. */
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { type ChatScript, toolCall } from "./scripted-chat-model.test-helpers.js";

interface Intent {
  words: RegExp;
  tool: string;
  server: string;
  count?: number;
  args?: (request: string, index: number) => Record<string, unknown>;
}

const intents: Intent[] = [
  {
    words: /three calendar/i,
    tool: "list_events",
    server: "calendar",
    count: 3,
    args: (_request, index) => ({ query: `week ${index + 1}` }),
  },
  { words: /calendar/i, tool: "list_events", server: "calendar" },
  {
    words: /delete/i,
    tool: "delete_file",
    server: "files",
    args: (request) => ({ name: /delete\s+(\S+)/i.exec(request)?.[1] ?? "" }),
  },
  { words: /files/i, tool: "list_files", server: "files" },
];

function text(content: unknown): string {
  return typeof content === "string" ? content : JSON.stringify(content);
}

/** What a model would say about a tool result: the titles or names in it, else the text. */
function summarize(content: unknown): string {
  const raw = text(content);
  const found = [...raw.matchAll(/\\*"(?:title|name)\\*":\s*\\*"([^"\\]+)/g)].map((match) => match[1]);
  return found.length > 0 ? [...new Set(found)].join(", ") : raw;
}

/**
 * Maps a request to a tool ("what's on my calendar" → `list_events`, "list my files" →
 * `list_files`, "delete …" → `delete_file`), calling `connect_<server>` first while only the
 * stand-in is offered, and answers with the tool's result once it arrives.
 */
export const assistantScript: ChatScript = ({ messages, tools }) => {
  const humanIndex = messages.findLastIndex((message) => HumanMessage.isInstance(message));
  const request = text(messages[humanIndex]?.content ?? "");
  const intent = intents.find((candidate) => candidate.words.test(request));
  if (!intent) return new AIMessage("I can read your calendar and your files.");
  const since = messages.slice(humanIndex + 1);
  const results = since.filter((message): message is ToolMessage => ToolMessage.isInstance(message));
  const failed = results.find((message) => message.status === "error");
  if (failed) return new AIMessage(`Sorry, I could not do that: ${text(failed.content)}`);
  const done = results.filter((message) => message.name === intent.tool);
  if (done.length > 0)
    return new AIMessage(`Here you go: ${done.map((m) => summarize(m.content)).join(" | ")}`);
  if (tools.includes(intent.tool)) {
    const calls = Array.from({ length: intent.count ?? 1 }, (_, index) =>
      toolCall(intent.tool, intent.args?.(request, index) ?? {}),
    );
    return new AIMessage({ content: "", tool_calls: calls });
  }
  const connect = `connect_${intent.server}`;
  if (tools.includes(connect) && !results.some((message) => message.name === connect)) {
    return new AIMessage({ content: "", tool_calls: [toolCall(connect)] });
  }
  return new AIMessage(`I have no tool for ${intent.server} right now.`);
};
