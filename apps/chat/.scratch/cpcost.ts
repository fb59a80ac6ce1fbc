import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { z } from "zod";
import { CompactSqliteSaver } from "../src/server/compact-sqlite-saver.js";
import { OfflineChatModel } from "../src/server/offline-chat-model.js";
const acc: Record<string, number> = {};
const add = (k: string, t: number) => { acc[k] = (acc[k] ?? 0) + t; };
const wrap = (name: string, key: string) => { const o = (SqliteSaver.prototype as any)[key]; (SqliteSaver.prototype as any)[key] = async function (...a: any[]) { const t = performance.now(); try { return await o.apply(this, a); } finally { add(name, performance.now() - t); } }; };
wrap("put", "put"); wrap("putWrites", "putWrites"); wrap("getTuple", "getTuple");
const events = JSON.stringify({ events: [{ id: "e1", title: "Team standup", start: "2026-01-05T09:00:00Z" }, { id: "e2", title: "Design review", start: "2026-01-06T14:00:00Z" }, { id: "e3", title: "1:1", start: "2026-01-07T10:00:00Z" }] });
const listEvents = tool(async () => [{ type: "text", text: events }], { name: "list_events", description: "events", schema: z.object({}) });
const dir = mkdtempSync(join(tmpdir(), "cp-"));
const saver = CompactSqliteSaver.fromConnString(join(dir, "c.db"));
if (process.argv[2] === "stock") (saver as any).serde = SqliteSaver.fromConnString(":memory:").serde;
const serde = (saver as any).serde; const od = serde.dumpsTyped.bind(serde); serde.dumpsTyped = async (x: any) => { const t = performance.now(); try { return await od(x); } finally { add("dumps", performance.now() - t); } };
const ol = serde.loadsTyped.bind(serde); serde.loadsTyped = async (a: any, b: any) => { const t = performance.now(); try { return await ol(a, b); } finally { add("loads", performance.now() - t); } };
const agent = createAgent({ model: new OfflineChatModel(), tools: [listEvents], checkpointer: saver });
const cfg = { configurable: { thread_id: "t" }, durability: "async" as const, streamMode: "values" as const };
for (let i = 1; i <= 200; i++) {
  if (i === 1 || i === 181) for (const k of Object.keys(acc)) delete acc[k];
  const t = performance.now();
  for await (const _ of await agent.graph.stream({ messages: [new HumanMessage("what's on my calendar?")] }, cfg)) { }
  add("total", performance.now() - t);
  if (i === 20 || i === 200) console.log(i, Object.entries(acc).map(([k, v]) => `${k} ${(v / 20).toFixed(1)}`).join("  "));
}
