import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
const serde = (SqliteSaver.fromConnString(":memory:") as any).serde;
const events = JSON.stringify({ type: "text", text: JSON.stringify({ events: [{ id: "e1", title: "Team standup", start: "2026-01-05T09:00:00Z" }, { id: "e2", title: "Design review", start: "2026-01-06T14:00:00Z" }] }) });
const msgs = [];
for (let i = 0; i < 200; i++) {
  msgs.push(new HumanMessage({ content: "What's on my calendar?", id: crypto.randomUUID() }));
  msgs.push(new AIMessage({ content: "", id: crypto.randomUUID(), tool_calls: [{ id: `call_${i}`, name: "list_events", args: {} }] }));
  msgs.push(new ToolMessage({ content: events, id: crypto.randomUUID(), tool_call_id: `call_${i}`, name: "list_events", status: "success" }));
  msgs.push(new AIMessage({ content: "Here is what's on your calendar:\n• Mon 5 Jan, 09:00 UTC: Team standup\n• Tue 6 Jan, 14:00 UTC: Design review", id: crypto.randomUUID() }));
}
const cp = { v: 4, id: "x", ts: "", channel_values: { messages: msgs }, channel_versions: {}, versions_seen: {} };
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  const [, bytes] = await serde.dumpsTyped(cp);
  const dump = performance.now() - t;
  t = performance.now();
  await serde.loadsTyped("json", bytes);
  const load = performance.now() - t;
  console.log(`800 msgs: ${(bytes as Uint8Array).byteLength} bytes dump ${dump.toFixed(1)} ms load ${load.toFixed(1)} ms`);
}
