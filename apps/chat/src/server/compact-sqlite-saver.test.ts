/** Only the latest checkpoint of a thread is kept, each message is stored once, a paused thread resumes after a reopen, and fast loads read what the stock loader reads. */
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
import { MessageCodec, withFastLoads } from "./checkpoint-messages.js";
import { CompactSqliteSaver } from "./compact-sqlite-saver.js";

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

  it("stores each message once, and checkpoints refer to it", async () => {
    const saver = CompactSqliteSaver.fromConnString(join(dir, "checkpoints.db"));
    const graph = buildGraph(saver);
    const config = { configurable: { thread_id: "t1" } };
    await graph.invoke({ messages: [new HumanMessage("hi")] }, config);
    await graph.invoke(new Command({ resume: "yes" }), config);
    await graph.invoke({ messages: [new HumanMessage("again")] }, config);
    const bodies = saver.db.prepare("SELECT body FROM checkpoint_messages").all() as { body: string }[];
    expect(bodies.filter((row) => row.body.includes("first answer"))).toHaveLength(2);
    // hi, first answer, they said yes, again, first answer (another message, another id).
    expect(bodies).toHaveLength(5);
    const stored = saver.db.prepare("SELECT CAST(checkpoint AS TEXT) AS text FROM checkpoints").all() as {
      text: string;
    }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]?.text).not.toContain("first answer");
    expect(stored[0]?.text).toContain('"lc":3');
    const state = await graph.getState(config);
    expect(state.values.messages.map((message: BaseMessage) => message.content)).toEqual([
      "hi",
      "first answer",
      "they said yes",
      "again",
      "first answer",
    ]);
    await saver.deleteThread("t1");
    expect(saver.db.prepare("SELECT COUNT(*) AS n FROM checkpoint_messages").get()).toEqual({ n: 0 });
    saver.db.close();
  });

  it("reads the messages it just wrote back as the same objects, unless one was changed since", async () => {
    const saver = CompactSqliteSaver.fromConnString(join(dir, "checkpoints.db"));
    const graph = buildGraph(saver);
    const config = { configurable: { thread_id: "t1" } };
    const done = await graph.invoke({ messages: [new HumanMessage("hi")] }, config);
    const first = (await graph.getState(config)).values.messages as BaseMessage[];
    expect(first[1]).toBe(done.messages[1]);
    (first[1] as AIMessage).content = "edited in place";
    const second = (await graph.getState(config)).values.messages as BaseMessage[];
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]?.content).toBe("first answer");
    saver.db.close();
  });

  it("reads a thread a plain SqliteSaver wrote", async () => {
    const path = join(dir, "checkpoints.db");
    const plain = SqliteSaver.fromConnString(path);
    const config = { configurable: { thread_id: "t1" } };
    await buildGraph(plain).invoke({ messages: [new HumanMessage("hi")] }, config);
    plain.db.close();
    const compact = CompactSqliteSaver.fromConnString(path);
    const graph = buildGraph(compact);
    const done = await graph.invoke(new Command({ resume: "yes" }), config);
    expect(done.messages.map((message: BaseMessage) => message.content)).toEqual([
      "hi",
      "first answer",
      "they said yes",
    ]);
    compact.db.close();
  });
});

describe("MessageCodec", () => {
  const serde = withFastLoads(SqliteSaver.fromConnString(":memory:").serde);

  it("writes a message once, and anew once a field of it was set", async () => {
    const codec = new MessageCodec(serde);
    const message = new ToolMessage({ content: "old", id: "t1", tool_call_id: "call_1" });
    const first = await codec.externalize({ messages: [message], last: message, other: [1, message] }, "t");
    const ref = { lc: 3, type: "message", ref: first.bodies[0]?.key };
    expect(first.value).toEqual({
      messages: { lc: 3, type: "messages", refs: ref.ref },
      last: ref,
      other: [1, ref],
    });
    expect(first.bodies).toHaveLength(1);
    first.stored();
    expect((await codec.externalize([message], "t")).bodies).toEqual([]);
    message.content = "changed";
    const changed = await codec.externalize([message], "t");
    expect(changed.bodies).toHaveLength(1);
    expect(changed.bodies[0]?.key).not.toBe(first.bodies[0]?.key);
    expect(changed.bodies[0]?.text).toContain("changed");
  });

  it("reads bodies back as the stock loader reads them", async () => {
    const stock = SqliteSaver.fromConnString(":memory:").serde;
    const codec = new MessageCodec(serde);
    const messages = [
      new HumanMessage({ content: [{ type: "text", text: 'say "lc": 1' }], id: "h1" }),
      new AIMessage({
        content: "",
        id: "a1",
        tool_calls: [{ id: "call_1", name: "list_events", args: { lc: 1 }, type: "tool_call" }],
        response_metadata: { seen: [1, undefined] },
        additional_kwargs: { note: undefined },
      }),
      new ToolMessage({ content: "{}", id: "t1", tool_call_id: "call_1", artifact: { raw: [1] } }),
    ];
    const out = await codec.externalize(messages, "t");
    const back = codec.internalize(out.value, await codec.decode(out.bodies, "t")) as BaseMessage[];
    const text = async (value: unknown) => new TextDecoder().decode((await stock.dumpsTyped(value))[1]);
    const [type, bytes] = await stock.dumpsTyped(messages);
    expect(await text(back)).toBe(await text(await stock.loadsTyped(type, bytes)));
    expect(back.map((message) => message.constructor.name)).toEqual([
      "HumanMessage",
      "AIMessage",
      "ToolMessage",
    ]);
  });

  it("refers to the messages a Send carries, and puts them back", async () => {
    const codec = new MessageCodec(serde);
    const messages = [new HumanMessage({ content: "hi", id: "h1" })];
    const out = await codec.externalize([new Send("tools", { messages, lg_tool_call: { id: "c" } })], "t");
    expect(out.value).toEqual([
      {
        node: "tools",
        args: { messages: { lc: 3, type: "messages", refs: out.bodies[0]?.key }, lg_tool_call: { id: "c" } },
      },
    ]);
    const back = codec.internalize(out.value, await codec.decode(out.bodies, "t"));
    expect((back as { args: { messages: BaseMessage[] } }[])[0]?.args.messages[0]).toBeInstanceOf(
      HumanMessage,
    );
  });
});

describe("withFastLoads", () => {
  const stock = SqliteSaver.fromConnString(":memory:").serde;
  const fast = withFastLoads(stock);
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it("reads back what the stock loader reads: the same classes, and the same bytes written again", async () => {
    const checkpoint = {
      v: 4,
      channel_values: {
        messages: [
          new SystemMessage("be brief"),
          new HumanMessage({ content: [{ type: "text", text: "what's on" }], id: "h1", name: "ann" }),
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
        ],
        nothing: undefined,
      },
    };
    const [type, bytes] = await stock.dumpsTyped(checkpoint);
    const expected = (await stock.loadsTyped(type, bytes)) as typeof checkpoint;
    const actual = (await fast.loadsTyped(type, bytes)) as typeof checkpoint;
    expect(actual.channel_values.messages.map((message) => message.constructor.name)).toEqual(
      expected.channel_values.messages.map((message) => message.constructor.name),
    );
    expect(text((await stock.dumpsTyped(actual))[1])).toBe(text((await stock.dumpsTyped(expected))[1]));
    expect((actual.channel_values.messages[2] as AIMessage).tool_calls?.[0]?.args).toEqual({ day: "mon" });
    expect((actual.channel_values.messages[3] as ToolMessage).tool_call_id).toBe("call_1");
  });

  it("hands what it does not build itself (a Set, other LangChain objects) to the stock loader", async () => {
    const [type, bytes] = await stock.dumpsTyped({ seen: new Set(["a"]), messages: [new HumanMessage("x")] });
    const loaded = (await fast.loadsTyped(type, bytes)) as { seen: Set<string>; messages: HumanMessage[] };
    expect(loaded.seen).toEqual(new Set(["a"]));
    expect(loaded.messages[0]).toBeInstanceOf(HumanMessage);
    const other = JSON.stringify({
      lc: 1,
      type: "constructor",
      id: ["langchain_core", "documents", "Document"],
      kwargs: { page_content: "p" },
    });
    expect(await fast.loadsTyped("json", other)).toEqual(await stock.loadsTyped("json", other));
  });
});
