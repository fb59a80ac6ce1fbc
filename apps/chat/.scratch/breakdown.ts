import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDemoServers, approveConsent } from "@authbus/testkit";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { startChatApp } from "../src/server/start-chat-app.js";
const acc: Record<string, number> = {};
const add = (k: string, t: number) => { acc[k] = (acc[k] ?? 0) + t; };
const wrap = (name: string, key: keyof SqliteSaver) => { const o = (SqliteSaver.prototype as any)[key]; (SqliteSaver.prototype as any)[key] = async function (...a: any[]) { const t = performance.now(); try { return await o.apply(this, a); } finally { add(name, performance.now() - t); } }; };
wrap("put", "put"); wrap("putWrites", "putWrites"); wrap("getTuple", "getTuple");
const demo = await startDemoServers();
const dataDir = mkdtempSync(join(tmpdir(), "bd-"));
const app = await startChatApp({ servers: { calendar: { url: demo.calendar.url } }, dataDir, webRoot: join(dataDir, "x") });
const saver: any = (app as any);
let cookie = "";
const send = async (path: string, init: RequestInit = {}) => { const r = await app.fetch(new Request(new URL(path, app.url), { ...init, headers: { ...(init.headers as any), ...(cookie ? { cookie } : {}) } })); const s = r.headers.get("set-cookie"); if (s) cookie = s.split(";")[0]!; return r; };
const say = (t: string) => send("api/threads/thread-bd-1/messages", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: t }) });
await say("what's on my calendar?"); await app.idle();
const view = await (await send("api/threads/thread-bd-1")).json() as any;
const launch = await send(new URL(view.pending[0].authorizationUrl).pathname.slice(1)); const cb = new URL(await approveConsent(launch.headers.get("location")!, { user: "demo-user" })); await send(cb.pathname.slice(1) + cb.search); await app.idle();
const N = Number(process.argv[2] ?? 200);
for (let i = 1; i <= N; i++) {
  if (i === 1 || i === N - 19) for (const k of Object.keys(acc)) delete acc[k];
  const t = performance.now();
  await say("what's on my calendar?"); await app.idle();
  add("total", performance.now() - t);
  if (i === 20 || i === N) console.log(i, Object.entries(acc).map(([k, v]) => `${k} ${(v / 20).toFixed(1)}`).join("  "));
}
process.exit(0);
