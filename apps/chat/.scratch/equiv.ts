import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDemoServers, approveConsent } from "@authbus/testkit";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { startChatApp } from "../src/server/start-chat-app.js";
import { withFastMessageLoads } from "../src/server/message-checkpoint-serde.js";
let reads = 0;
const orig = SqliteSaver.prototype.getTuple;
SqliteSaver.prototype.getTuple = function (...a: any[]) { reads++; return orig.apply(this, a as never); };
const demo = await startDemoServers();
const dataDir = mkdtempSync(join(tmpdir(), "equiv-"));
const app = await startChatApp({ servers: { calendar: { url: demo.calendar.url }, files: { url: demo.files.url } }, dataDir, webRoot: join(dataDir, "x") });
let cookie = "";
const send = async (path: string, init: RequestInit = {}) => { const r = await app.fetch(new Request(new URL(path, app.url), { ...init, headers: { ...(init.headers as any), ...(cookie ? { cookie } : {}) } })); const s = r.headers.get("set-cookie"); if (s) cookie = s.split(";")[0]!; return r; };
const say = (t: string) => send("api/threads/thread-equiv-1/messages", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: t }) });
async function consentIfAny() { const view = await (await send("api/threads/thread-equiv-1")).json() as any; if (!view.pending.length) return; const launch = await send(new URL(view.pending[0].authorizationUrl).pathname.slice(1)); const cb = new URL(await approveConsent(launch.headers.get("location")!, { user: "demo-user" })); await send(cb.pathname.slice(1) + cb.search); await app.idle(); }
for (const q of ["what's on my calendar?", "list my files", "delete notes.txt", "hello", "what's on my calendar?"]) { await say(q); await app.idle(); await consentIfAny(); }
reads = 0;
await say("what's on my calendar?"); await app.idle();
console.log("reads for one message", reads);
const stock = new SqliteSaver(new (await import("better-sqlite3")).default(":memory:")).serde;
const fast = withFastMessageLoads(stock);
const db = new (await import("better-sqlite3")).default(join(dataDir, "checkpoints.db"));
const rows = db.prepare("select type, checkpoint from checkpoints union all select type, value from writes").all() as any[];
let same = 0;
for (const row of rows) {
  const a = await stock.loadsTyped(row.type, row.checkpoint);
  const b = await fast.loadsTyped(row.type, row.checkpoint);
  const [, da] = await stock.dumpsTyped(a); const [, dbb] = await stock.dumpsTyped(b);
  const ta = new TextDecoder().decode(da), tb = new TextDecoder().decode(dbb);
  if (ta !== tb) { console.log("DIFF", ta.slice(0, 300), "\n", tb.slice(0, 300)); } else same++;
  const ma = (a as any)?.channel_values?.messages, mb = (b as any)?.channel_values?.messages;
  if (ma) console.log("classes", ma.map((m: any) => m.constructor.name).join(",") === mb.map((m: any) => m.constructor.name).join(","), ma.length);
}
console.log("rows", rows.length, "same", same);
const view = await (await send("api/threads/thread-equiv-1")).json() as any;
console.log(view.messages.map((m: any) => m.role + ":" + m.text.slice(0, 30)).join(" | "));
process.exit(0);
