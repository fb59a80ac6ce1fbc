import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { explainFailure, formatToolResult, OfflineChatModel, readIntent } from "./offline-chat-model.js";

const tool = (name: string) => ({ name, description: name, schema: {} }) as never;

describe("readIntent", () => {
  it("maps plain requests to tools", () => {
    expect(readIntent("What's on my calendar?")?.tool).toBe("list_events");
    expect(readIntent("list my files")?.tool).toBe("list_files");
    expect(readIntent("Delete notes.txt please")).toMatchObject({
      tool: "delete_file",
      args: { name: "notes.txt" },
    });
    expect(readIntent("hello")).toBeUndefined();
  });
});

describe("OfflineChatModel", () => {
  it("calls the connect stand-in first, then the real tool once it is offered, then answers", () => {
    const ask = new HumanMessage("what's on my calendar");
    const first = new OfflineChatModel(["connect_calendar", "list_files"]).respond([ask]);
    expect(first.tool_calls?.[0]?.name).toBe("connect_calendar");

    const connected = new ToolMessage({
      content: "connected",
      tool_call_id: first.tool_calls?.[0]?.id ?? "",
    });
    const second = new OfflineChatModel(["list_events"]).respond([ask, first, connected]);
    expect(second.tool_calls?.[0]?.name).toBe("list_events");

    const result = new ToolMessage({
      content: JSON.stringify({ events: [{ title: "Standup", start: "2026-01-05T09:00:00Z" }] }),
      tool_call_id: second.tool_calls?.[0]?.id ?? "",
    });
    const answer = new OfflineChatModel(["list_events"]).respond([ask, first, connected, second, result]);
    expect(answer.tool_calls ?? []).toHaveLength(0);
    expect(answer.content).toContain("Standup");
  });

  it("explains a refused consent instead of calling again", () => {
    const ask = new HumanMessage("list my files");
    const call = new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "connect_files", args: {} }] });
    const refused = new ToolMessage({
      content: "Access to files was declined, so connect_files was not run. Tell the user; do not retry.",
      tool_call_id: "c1",
      status: "error",
    });
    const answer = new OfflineChatModel(["connect_files"]).respond([ask, call, refused]);
    expect(answer.tool_calls ?? []).toHaveLength(0);
    expect(answer.content).toBe(explainFailure("files", String(refused.content)));
  });

  it("binds tools by name", async () => {
    const bound = new OfflineChatModel().bindTools([tool("list_files")]);
    const reply = await bound.invoke([new HumanMessage("list my files")]);
    expect(reply.tool_calls?.[0]?.name).toBe("list_files");
  });
});

describe("formatToolResult", () => {
  it("reads JSON, content blocks and structured content", () => {
    const files = { files: [{ name: "a.txt", size: 1200 }] };
    expect(formatToolResult(JSON.stringify(files))).toBe("• a.txt (1,200 bytes)");
    expect(formatToolResult(JSON.stringify({ type: "text", text: JSON.stringify(files) }))).toBe(
      "• a.txt (1,200 bytes)",
    );
    expect(formatToolResult(JSON.stringify([{ type: "text", text: "Deleted a.txt." }]))).toBe(
      "Deleted a.txt.",
    );
    expect(formatToolResult("plain words")).toBe("plain words");
  });
});
