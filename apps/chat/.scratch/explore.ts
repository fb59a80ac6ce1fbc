import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { approveConsent, startDemoServers } from "@authbus/testkit";
import { HumanMessage } from "@langchain/core/messages";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { openSqliteStores } from "@authbus/oauth/sqlite";
import { createAuthbus } from "authbus";
import { createAgent } from "langchain";
import { OfflineChatModel } from "../src/server/offline-chat-model.js";

const demo = await startDemoServers();
const dir = mkdtempSync(join(tmpdir(), "explore-"));
const stores = openSqliteStores({ path: join(dir, "a.db"), development: true });
const authbus = createAuthbus({ servers: { calendar: { url: demo.calendar.url } }, stores, baseUrl: "http://127.0.0.1:9" });
const checkpointer = SqliteSaver.fromConnString(join(dir, "c.db"));
const agent = createAgent({ model: new OfflineChatModel(), tools: [], middleware: [authbus.middleware()], checkpointer });
const config = { configurable: { thread_id: "t1" }, context: { subject: "alice" } };
const mode = (process.argv[2] ?? "values") as "values";
async function run(input: unknown, cfg: any = config) {
  const stream = await agent.stream(input as never, { ...cfg, streamMode: [mode, "updates"] as never });
  for await (const chunk of stream as AsyncIterable<[string, any]>) {
    const [m, c] = chunk;
    console.log(m, Object.keys(c), m === "values" ? (c.messages?.length ?? JSON.stringify(c).slice(0, 300)) : JSON.stringify(c).slice(0, 200));
  }
}
await run({ messages: [new HumanMessage("what's on my calendar?")] });
const rows = checkpointer.db.prepare("select count(*) n from checkpoints").get();
console.log("rows", rows);
const state = await agent.getState(config as never);
console.log("tasks", JSON.stringify(state.tasks.map((t: any) => ({ name: t.name, path: t.path, interrupts: t.interrupts.length }))));
const { resumeConsent } = await import("@authbus/langgraph");
const pendingInt: any = state.tasks[0]!.interrupts[0]!.value;
const { launch } = { launch: pendingInt.authorizationUrl };
const r = await authbus.fetch(new Request(launch), { subject: "alice" } as never).catch((e: unknown) => { console.log("launch err", e); return undefined; });
console.log("launch", r?.status, r?.headers.get("location")?.slice(0, 80));
const cb = await approveConsent(r!.headers.get("location")!, { user: "alice" });
console.log("cb", cb.slice(0, 80));
const done = await authbus.consents.complete(cb).catch((e: unknown) => console.log("complete err", e));
console.log("done", (done as any)?.outcome);
const cmd = await resumeConsent(agent as never, config, pendingInt.consentId, "granted");
console.log("--- resume run");
await run(cmd);
console.log("rows", checkpointer.db.prepare("select count(*) n from checkpoints").get());
console.log("--- next message");
await run({ messages: [new HumanMessage("what's on my calendar?")] });
console.log("rows", checkpointer.db.prepare("select count(*) n, sum(length(checkpoint)) b from checkpoints").get());
process.exit(0);
