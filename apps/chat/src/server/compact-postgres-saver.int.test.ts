/**
 * Against a real Postgres (AUTHBUS_TEST_DATABASE_URL; each run creates and drops its own
 * database): one checkpoint per thread and storage linear in the conversation, a thread paused
 * on an interrupt resumes after a reopen, and threads written at once keep to their own rows.
 */
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import {
  Command,
  END,
  emptyCheckpoint,
  interrupt,
  MessagesAnnotation,
  Send,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompactPostgresSaver, measureCheckpointStorage } from "./compact-postgres-saver.js";

const adminUrl = process.env.AUTHBUS_TEST_DATABASE_URL;
const ci = process.env.CI === "true" || process.env.CI === "1";

let admin: pg.Client | undefined;
let databaseName = "";
let databaseUrl = "";
const pools: pg.Pool[] = [];

/** A new pool on the test database (closed after the tests): one per "process". */
function openPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // The database is dropped at the end, with whatever connection is still open.
  pool.on("error", () => undefined);
  pools.push(pool);
  return pool;
}

async function openSaver(): Promise<{ saver: CompactPostgresSaver; pool: pg.Pool }> {
  const pool = openPool();
  const saver = new CompactPostgresSaver(pool);
  await saver.setup();
  return { saver, pool };
}

beforeAll(async () => {
  if (!adminUrl) return;
  databaseName = `authbus_chat_compact_${Date.now().toString(36)}`;
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  databaseUrl = url.href;
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  if (!admin) return;
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
});

/** Tool calls made, by name (a tool that ran again after a resume would count twice). */
const calls = new Map<string, number>();

/**
 * An agent turn as `createAgent` runs one: the model asks for two tools at once, each runs as
 * its own task (a `Send`), then the model answers: five messages with the question. When the
 * question says "consent", the second tool waits for a person (an interrupt, as a consent does).
 */
function buildGraph(checkpointer: PostgresSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("model", ({ messages }) => {
      const last = messages.at(-1);
      const turn = messages.filter((message) => message.getType() === "human").length;
      if (last?.getType() === "human") {
        return {
          messages: [
            new AIMessage({
              content: "",
              tool_calls: [
                { id: `t${turn}-a`, name: "list_events", args: { day: turn }, type: "tool_call" },
                { id: `t${turn}-b`, name: "read_mail", args: { day: turn }, type: "tool_call" },
              ],
            }),
          ],
        };
      }
      return { messages: [new AIMessage(`turn ${turn}: ${"an answer of some length. ".repeat(8)}`)] };
    })
    .addNode("tools", (call: { id: string; name: string; question: string }) => {
      calls.set(call.name, (calls.get(call.name) ?? 0) + 1);
      if (call.name === "read_mail" && call.question.includes("consent")) {
        const answer = interrupt({ consent: call.id }) as string;
        return { messages: [new ToolMessage({ content: `mail (${answer})`, tool_call_id: call.id })] };
      }
      return { messages: [new ToolMessage({ content: `${call.name} result`, tool_call_id: call.id })] };
    })
    .addEdge(START, "model")
    .addConditionalEdges("model", ({ messages }) => {
      const last = messages.at(-1) as AIMessage | undefined;
      const question = String(messages.findLast((message) => message.getType() === "human")?.content);
      if (!last?.tool_calls?.length) return END;
      return last.tool_calls.map(
        (call) => new Send("tools", { id: call.id, name: call.name, question, messages }),
      );
    })
    .addEdge("tools", "model")
    .compile({ checkpointer });
}

const contents = (messages: BaseMessage[]) => messages.map((message) => String(message.content));

async function countRows(pool: pg.Pool, table: string, threadId: string): Promise<number> {
  const { rows } = await pool.query(`SELECT COUNT(*)::int AS n FROM ${table} WHERE thread_id = $1`, [
    threadId,
  ]);
  return (rows[0] as { n: number }).n;
}

/**
 * The writes of a thread's remaining checkpoints. (Under `durability: "async"` a task's writes
 * are not ordered with the next checkpoint: one may land on a checkpoint just superseded, and
 * stays until the thread's next put.)
 */
async function countWritesOfKeptCheckpoints(pool: pg.Pool, threadId: string): Promise<number> {
  const { rows } = await pool.query(
    `SELECT COUNT(*)::int AS n FROM checkpoint_writes w
      JOIN checkpoints c USING (thread_id, checkpoint_ns, checkpoint_id) WHERE w.thread_id = $1`,
    [threadId],
  );
  return (rows[0] as { n: number }).n;
}

/** Every row of a thread, as text, to tell whether anything of it changed. */
async function snapshotThread(pool: pg.Pool, threadId: string): Promise<string> {
  const tables = ["checkpoints", "checkpoint_blobs", "checkpoint_writes"];
  const parts = await Promise.all(
    tables.map(async (table) => {
      const { rows } = await pool.query(
        `SELECT t::text AS row FROM ${table} t WHERE thread_id = $1 ORDER BY t::text`,
        [threadId],
      );
      return rows.map((row: { row: string }) => row.row);
    }),
  );
  return JSON.stringify(parts);
}

describe.skipIf(!adminUrl && !ci)("CompactPostgresSaver", () => {
  beforeAll(() => {
    if (!adminUrl) throw new Error("AUTHBUS_TEST_DATABASE_URL is not set (CI starts Postgres in .ci/run)");
  });

  it("keeps one checkpoint of a thread, and storage grows linearly with it", async () => {
    const { saver, pool } = await openSaver();
    const plain = new PostgresSaver(pool);
    const bytes: Record<string, Record<number, number>> = { compact: {}, plain: {} };
    for (const [kind, checkpointer] of [
      ["compact", saver],
      ["plain", plain],
    ] as const) {
      const graph = buildGraph(checkpointer);
      const config = { configurable: { thread_id: `long-${kind}` } };
      for (let turn = 1; turn <= 20; turn++) {
        const state = await graph.invoke({ messages: [new HumanMessage(`question ${turn}`)] }, config);
        // Five messages a turn: measured at 50 and 100.
        if (turn % 10 === 0) {
          expect(state.messages).toHaveLength(turn * 5);
          bytes[kind] = {
            ...bytes[kind],
            [turn * 5]: (await measureCheckpointStorage(pool, `long-${kind}`)).bytes,
          };
        }
      }
    }
    const ratio = (kind: string) => (bytes[kind]?.[100] ?? 0) / (bytes[kind]?.[50] ?? 1);
    expect(ratio("compact")).toBeLessThanOrEqual(2.2);
    // What PostgresSaver alone keeps grows with the square of the conversation.
    expect(ratio("plain")).toBeGreaterThan(3);
    expect(await countRows(pool, "checkpoints", "long-compact")).toBe(1);
    // A finished run leaves no writes to its checkpoint, and one blob per channel at most.
    expect(await countWritesOfKeptCheckpoints(pool, "long-compact")).toBe(0);
    const { rows } = await pool.query(
      "SELECT channel, COUNT(*)::int AS n FROM checkpoint_blobs WHERE thread_id = $1 GROUP BY channel",
      ["long-compact"],
    );
    expect(rows.every((row: { n: number }) => row.n === 1)).toBe(true);

    const graph = buildGraph(saver);
    const config = { configurable: { thread_id: "long-compact" } };
    const state = await graph.getState(config);
    expect(state.values.messages).toHaveLength(100);
    expect(state.next).toEqual([]);
    const history = [];
    for await (const snapshot of graph.getStateHistory(config)) history.push(snapshot);
    expect(history).toHaveLength(1);
    expect(history[0]?.config.configurable?.checkpoint_id).toBe(state.config.configurable?.checkpoint_id);
  });

  it("keeps a paused thread's pending writes, and resumes it after a reopen", async () => {
    const { saver: first, pool: firstPool } = await openSaver();
    const config = { configurable: { thread_id: "paused" } };
    calls.clear();
    await buildGraph(first).invoke({ messages: [new HumanMessage("first")] }, config);
    const paused = await buildGraph(first).invoke({ messages: [new HumanMessage("needs consent")] }, config);
    expect((paused as { __interrupt__?: unknown[] }).__interrupt__).toHaveLength(1);
    expect(await countRows(firstPool, "checkpoints", "paused")).toBe(1);
    // The interrupt, and the sibling tool's result (it is not called again on resume).
    const { rows } = await firstPool.query(
      `SELECT DISTINCT channel FROM checkpoint_writes
        JOIN checkpoints USING (thread_id, checkpoint_ns, checkpoint_id) WHERE thread_id = $1`,
      ["paused"],
    );
    expect(rows.map((row: { channel: string }) => row.channel)).toEqual(
      expect.arrayContaining(["__interrupt__", "messages"]),
    );

    // As after a restart: another pool, another saver, the same database.
    const { saver: second, pool: secondPool } = await openSaver();
    const graph = buildGraph(second);
    const state = await graph.getState(config);
    expect(state.tasks.flatMap((task) => task.interrupts.map((pending) => pending.value))).toEqual([
      { consent: "t2-b" },
    ]);
    // Seven in the checkpoint, and the sibling tool's result from its pending write.
    expect(contents(state.values.messages).slice(5)).toEqual(["needs consent", "", "list_events result"]);
    const done = await graph.invoke(new Command({ resume: "approved" }), config);
    expect(contents(done.messages).slice(5)).toEqual([
      "needs consent",
      "",
      "list_events result",
      "mail (approved)",
      expect.stringMatching(/^turn 2: /),
    ]);
    expect(calls.get("list_events")).toBe(2);
    expect((await graph.getState(config)).tasks).toEqual([]);
    expect(await countRows(secondPool, "checkpoints", "paused")).toBe(1);
    expect(await countWritesOfKeptCheckpoints(secondPool, "paused")).toBe(0);
  });

  it("writes threads at once without touching each other's rows", async () => {
    const { saver, pool } = await openSaver();
    const { saver: other } = await openSaver();
    // A paused thread: its rows must stay as they are while the others run.
    const pausedConfig = { configurable: { thread_id: "still" } };
    await buildGraph(saver).invoke({ messages: [new HumanMessage("needs consent")] }, pausedConfig);
    const before = await snapshotThread(pool, "still");
    const threads = ["busy-1", "busy-2", "busy-3", "busy-4"];
    await Promise.all(
      threads.map(async (threadId, index) => {
        // Two "workers", each with its own pool.
        const graph = buildGraph(index % 2 === 0 ? saver : other);
        for (let turn = 1; turn <= 5; turn++) {
          await graph.invoke(
            { messages: [new HumanMessage(`${threadId} ${turn}`)] },
            { configurable: { thread_id: threadId } },
          );
        }
      }),
    );
    expect(await snapshotThread(pool, "still")).toBe(before);
    for (const threadId of threads) {
      const state = await buildGraph(saver).getState({ configurable: { thread_id: threadId } });
      const questions = contents(state.values.messages).filter((text) => text.startsWith("busy"));
      expect(questions).toEqual([1, 2, 3, 4, 5].map((turn) => `${threadId} ${turn}`));
      expect(await countRows(pool, "checkpoints", threadId)).toBe(1);
    }
    const resumed = await buildGraph(other).invoke(new Command({ resume: "yes" }), pausedConfig);
    expect(contents(resumed.messages)).toContain("mail (yes)");
  });

  it("stores each message once, and reads a thread a plain PostgresSaver wrote", async () => {
    const { saver, pool } = await openSaver();
    const config = { configurable: { thread_id: "once" } };
    const graph = buildGraph(saver);
    await graph.invoke({ messages: [new HumanMessage("first")] }, config);
    await graph.invoke({ messages: [new HumanMessage("second")] }, config);
    const { rows: bodies } = await pool.query("SELECT body FROM checkpoint_messages WHERE thread_id = $1", [
      "once",
    ]);
    // Two turns of five messages, each stored once.
    expect(bodies).toHaveLength(10);
    expect(bodies.filter((row: { body: string }) => row.body.includes("turn 1: "))).toHaveLength(1);
    const { rows: blobs } = await pool.query(
      "SELECT convert_from(blob, 'UTF8') AS text FROM checkpoint_blobs WHERE thread_id = $1 AND channel = 'messages'",
      ["once"],
    );
    expect(blobs).toHaveLength(1);
    expect(blobs[0]?.text).not.toContain("turn 1: ");
    expect(blobs[0]?.text).toContain('"lc":3');
    const state = await graph.getState(config);
    expect(contents(state.values.messages)).toContain("second");
    expect(state.values.messages).toHaveLength(10);

    const plainConfig = { configurable: { thread_id: "was-plain" } };
    await buildGraph(new PostgresSaver(pool)).invoke(
      { messages: [new HumanMessage("needs consent")] },
      plainConfig,
    );
    const done = await buildGraph(saver).invoke(new Command({ resume: "ok" }), plainConfig);
    expect(contents(done.messages)).toContain("mail (ok)");
    expect(await countRows(pool, "checkpoints", "was-plain")).toBe(1);
  });

  it("never removes the latest checkpoint when a stale writer puts an older one", async () => {
    const { saver, pool } = await openSaver();
    const config = { configurable: { thread_id: "two-writers", checkpoint_ns: "" } };
    // uuid6 ids: the first made is the older.
    const older = { ...emptyCheckpoint(), channel_values: { step: "older" }, channel_versions: { step: 2 } };
    await new Promise((resolve) => setTimeout(resolve, 2));
    const newer = { ...emptyCheckpoint(), channel_values: { step: "newer" }, channel_versions: { step: 3 } };
    expect(older.id < newer.id).toBe(true);
    const metadata = { source: "loop" as const, step: 1, parents: {} };
    await saver.put(config, newer, metadata, { step: 3 });
    await saver.put(config, older, metadata, { step: 2 });
    const latest = await saver.getTuple(config);
    expect(latest?.checkpoint.id).toBe(newer.id);
    expect(latest?.checkpoint.channel_values).toEqual({ step: "newer" });
    const stale = await saver.getTuple({ configurable: { ...config.configurable, checkpoint_id: older.id } });
    expect(stale?.checkpoint.channel_values).toEqual({ step: "older" });
    // The next checkpoint supersedes both.
    const next = { ...emptyCheckpoint(), channel_values: { step: "next" }, channel_versions: { step: 4 } };
    await saver.put(config, next, metadata, { step: 4 });
    expect(await countRows(pool, "checkpoints", "two-writers")).toBe(1);
    expect(await countRows(pool, "checkpoint_blobs", "two-writers")).toBe(1);
    expect((await saver.getTuple(config))?.checkpoint.channel_values).toEqual({ step: "next" });
  });
});
