import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { createAgent } from "langchain";
import { z } from "zod";
import { OfflineChatModel } from "../src/server/offline-chat-model.js";
const listEvents = tool(async () => "[]", { name: "list_events", description: "events", schema: z.object({}) });
const dir = mkdtempSync(join(tmpdir(), "cp-"));
const saver = SqliteSaver.fromConnString(join(dir, "c.db"));
const agent = createAgent({ model: new OfflineChatModel(), tools: [listEvents], checkpointer: saver });
const cfg = { configurable: { thread_id: "t" } };
for (let i = 0; i < 5; i++) await agent.graph.invoke({ messages: [new HumanMessage("what's on my calendar?")] }, cfg);
const rows = saver.db.prepare("select checkpoint_id, length(checkpoint) l, checkpoint from checkpoints order by checkpoint_id desc limit 5").all() as any[];
for (const r of rows) { const cp = JSON.parse(Buffer.from(r.checkpoint).toString()); console.log(r.l, Object.entries(cp.channel_values).map(([k, v]) => `${k}:${JSON.stringify(v).length}`).join(" ")); }
const w = saver.db.prepare("select channel, length(value) l from writes order by rowid desc limit 12").all();
console.log(w);
