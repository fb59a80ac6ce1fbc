/** Only the latest checkpoint of a thread is kept, a paused thread resumes after a reopen, and cached messages write and read as the stock serializer does. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";
import { Command, END, interrupt, MessagesAnnotation, Send, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CompactSqliteSaver } from "./compact-sqlite-saver.js";
import { withMessageCache } from "./message-checkpoint-serde.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "authbus-compact-saver-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A graph that answers, then asks a person (an interrupt, as a consent does) before answering again. */
function buildGraph(checkpointer: SqliteSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("answer", () => ({ messages: [new AIMessage("first answer")] }))
    .addNode("ask", () => {
      const answer = interrupt({ question: "may I?" }) as string;
      return { messages: [new AIMessage(`they said ${answer}`)] };
    })
    .addEdge(START, "answer")
    .addEdge("answer", "ask")
    .addEdge("ask", END)
    .compile({ checkpointer });
}

const rows = (saver: SqliteSaver, table: "checkpoints" | "writes") =>
  (saver.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("CompactSqliteSaver", () => {
  it("keeps one checkpoint per thread, and a thread paused on an interrupt resumes after a reopen", async () => {
    const path = join(dir, "checkpoints.db");
    const first = CompactSqliteSaver.fromConnString(path);
    const config = { configurable: { thread_id: "t1" } };
    await buildGraph(first).invoke({ messages: [new HumanMessage("hi")] }, config);
    await buildGraph(first).invoke(
      { messages: [new HumanMessage("hi")] },
      { configurable: { thread_id: "t2" } },
    );
    expect(rows(first, "checkpoints")).toBe(2);
    // The paused checkpoint keeps its writes: the interrupt is what a restart shows and resumes.
    expect(rows(first, "writes")).toBeGreaterThan(0);
    first.db.close();

    const second = CompactSqliteSaver.fromConnString(path);
    const graph = buildGraph(second);
    const paused = await graph.getState(config);
    expect(paused.tasks.flatMap((task) => task.interrupts.map((pending) => pending.value))).toEqual([
      { question: "may I?" },
    ]);
    const done = await graph.invoke(new Command({ resume: "yes" }), config);
    expect(done.messages.map((message: { content: unknown }) => message.content)).toEqual([
      "hi",
      "first answer",
      "they said yes",
    ]);
    expect((await graph.getState(config)).tasks).toEqual([]);
    // The other thread is untouched; each keeps only its latest checkpoint, and a finished one no writes.
    const byThread = second.db
      .prepare("SELECT thread_id, COUNT(*) AS n FROM checkpoints GROUP BY thread_id ORDER BY thread_id")
      .all();
    expect(byThread).toEqual([
      { thread_id: "t1", n: 1 },
      { thread_id: "t2", n: 1 },
    ]);
    expect(
      (second.db.prepare("SELECT COUNT(*) AS n FROM writes WHERE thread_id = 't1'").get() as { n: number }).n,
    ).toBe(0);
    second.db.close();
  });
});

describe("withMessageCache", () => {
  const stock = SqliteSaver.fromConnString(":memory:").serde;
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const dump = async (serde: typeof stock, value: unknown) => text((await serde.dumpsTyped(value))[1]);

  const conversation = () => [
    new SystemMessage("be brief"),
    new HumanMessage({ content: [{ type: "text", text: "what's on \u0000 x:0" }], id: "h1", name: "ann" }),
    new AIMessage({
      content: "",
      id: "a1",
      tool_calls: [{ id: "call_1", name: "list_events", args: { day: "mon" }, type: "tool_call" }],
      usage_metadata: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
      response_metadata: { model: "offline", seen: [1, undefined] },
      additional_kwargs: { note: undefined },
    }),
    new ToolMessage({
      content: '{"events":[]}',
      id: "t1",
      tool_call_id: "call_1",
      name: "list_events",
      status: "error",
      artifact: { raw: [1, 2] },
    }),
  ];
  const checkpointOf = (messages: BaseMessage[]) => ({
    v: 4,
    id: "1f0",
    channel_values: {
      messages,
      // A pending tool call carries the state, as createAgent's Send does.
      __pregel_tasks: [new Send("tools", { messages, lg_tool_call: { id: "call_1" } })],
      counter: 3,
      nothing: undefined,
    },
    channel_versions: { messages: 4 },
    versions_seen: {},
  });

  it("writes what the stock serializer writes, the first time and from what it remembers", async () => {
    const cached = withMessageCache(stock);
    const checkpoint = checkpointOf(conversation());
    const expected = await dump(stock, checkpoint);
    expect(await dump(cached, checkpoint)).toBe(expected);
    expect(await dump(cached, checkpoint)).toBe(expected);
    expect(await dump(cached, { writes: [["messages", checkpoint.channel_values.messages[3]]] })).toBe(
      await dump(stock, { writes: [["messages", checkpoint.channel_values.messages[3]]] }),
    );
  });

  it("reads back what the stock loader reads, and writes it again as the stock serializer would", async () => {
    const cached = withMessageCache(stock);
    const [type, bytes] = await stock.dumpsTyped(checkpointOf(conversation()));
    type Loaded = ReturnType<typeof checkpointOf>;
    const expected = (await stock.loadsTyped(type, bytes)) as Loaded;
    const actual = (await cached.loadsTyped(type, bytes)) as Loaded;
    expect(actual.channel_values.messages.map((message) => message.constructor.name)).toEqual(
      expected.channel_values.messages.map((message) => message.constructor.name),
    );
    expect((actual.channel_values.messages[2] as AIMessage).tool_calls?.[0]?.args).toEqual({ day: "mon" });
    expect((actual.channel_values.messages[3] as ToolMessage).tool_call_id).toBe("call_1");
    // Written from the text it was read from, or anew: either way it loads as the stock one does.
    const again = await dump(cached, actual);
    expect(await dump(stock, await stock.loadsTyped("json", again))).toBe(await dump(stock, expected));
    expect(await dump(stock, actual)).toBe(await dump(stock, expected));
  });

  it("writes a message anew once a field of it was set", async () => {
    const cached = withMessageCache(stock);
    const messages = conversation();
    await dump(cached, { messages });
    (messages[3] as ToolMessage).content = "changed";
    expect(await dump(cached, { messages })).toBe(await dump(stock, { messages }));
    expect(await dump(cached, { messages })).toContain("changed");
  });

  it("hands what it does not build itself (a Set, other LangChain objects) to the stock loader", async () => {
    const cached = withMessageCache(stock);
    const [type, bytes] = await stock.dumpsTyped({ seen: new Set(["a"]), messages: [new HumanMessage("x")] });
    const loaded = (await cached.loadsTyped(type, bytes)) as { seen: Set<string>; messages: HumanMessage[] };
    expect(loaded.seen).toEqual(new Set(["a"]));
    expect(loaded.messages[0]).toBeInstanceOf(HumanMessage);
    const other = JSON.stringify({
      lc: 1,
      type: "constructor",
      id: ["langchain_core", "documents", "Document"],
      kwargs: { page_content: "p" },
    });
    expect(await cached.loadsTyped("json", other)).toEqual(await stock.loadsTyped("json", other));
  });
});
