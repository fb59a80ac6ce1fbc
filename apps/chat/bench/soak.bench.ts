/**
 * @module Soak benchmark of the chat's HTTP API, in process, with the offline model and the
 * testkit's servers: heap after GC over 1,000 messages on 20 threads, and one thread of 200
 * messages (answer time, checkpoint storage, bytes sent to the page, state reads per message).
 *
 * Run with `pnpm bench` (node --expose-gc). Not a test: it prints figures and asserts nothing.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { type ChatApp, startChatApp } from "../src/server/start-chat-app.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const QUESTION = "What's on my calendar?";
const MB = 1024 * 1024;

/** State reads (checkpoint loads) of every thread, counted at the saver. */
let reads = 0;
const getTuple = SqliteSaver.prototype.getTuple;
SqliteSaver.prototype.getTuple = function (this: SqliteSaver, ...args: Parameters<typeof getTuple>) {
  reads += 1;
  return getTuple.apply(this, args);
};

/** A browser: its session cookie, and one open event stream per thread counting the bytes it gets. */
class Browser {
  cookie = "";
  sseBytes = 0;
  readonly #app: ChatApp;
  readonly #streams: ReadableStreamDefaultReader<Uint8Array>[] = [];

  constructor(app: ChatApp) {
    this.#app = app;
  }

  async send(path: string, init: RequestInit = {}): Promise<Response> {
    // In process: the app's routes get the Request as its server would hand it over.
    const response = await this.#app.fetch(
      new Request(new URL(path, this.#app.url), {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          ...(this.cookie ? { cookie: this.cookie } : {}),
        },
      }),
    );
    const set = response.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0] ?? "";
    return response;
  }

  async say(thread: string, text: string): Promise<void> {
    const response = await this.send(`api/threads/${thread}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    if (response.status !== 202)
      throw new Error(`message refused: ${response.status} ${await response.text()}`);
  }

  async view(thread: string): Promise<{ messages: unknown[]; pending: { authorizationUrl: string }[] }> {
    return (await (await this.send(`api/threads/${thread}`)).json()) as never;
  }

  /** Opens the page's event stream of a thread and counts what arrives. */
  async listen(thread: string): Promise<void> {
    const response = await this.send(`api/threads/${thread}/stream`);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no event stream");
    this.#streams.push(reader);
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          this.sseBytes += value.byteLength;
        }
      } catch {
        // closed
      }
    })();
  }

  close(): void {
    for (const reader of this.#streams) void reader.cancel().catch(() => undefined);
  }
}

/** Answers the thread's consent card headlessly, as the popup would. */
async function consent(browser: Browser, app: ChatApp, thread: string): Promise<void> {
  const [card] = (await browser.view(thread)).pending;
  if (!card) throw new Error("no consent card");
  const launch = await browser.send(new URL(card.authorizationUrl).pathname.slice(1));
  const callback = new URL(await approveConsent(launch.headers.get("location") ?? "", { user: "soak" }));
  await browser.send(`${callback.pathname.slice(1)}${callback.search}`);
  await app.idle();
}

async function startApp(demo: DemoServers, label: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `authbus-soak-${label}-`));
  const app = await startChatApp({
    servers: { calendar: { url: demo.calendar.url } },
    dataDir,
    webRoot: join(dataDir, "no-web"),
  });
  const browser = new Browser(app);
  await browser.send("api/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "soak" }),
  });
  return { app, browser, dataDir };
}

function heapMB(): number {
  for (let i = 0; i < 4; i++) gc?.();
  return process.memoryUsage().heapUsed / MB;
}

/** Checkpoint storage of the app: the database file, and the bytes of its live rows. */
function checkpointStorage(dataDir: string): { fileMB: number; liveMB: number; rows: number } {
  const path = join(dataDir, "checkpoints.db");
  let fileBytes = statSync(path).size;
  for (const suffix of ["-wal", "-journal"]) {
    try {
      fileBytes += statSync(path + suffix).size;
    } catch {
      // absent
    }
  }
  const db = new Database(path, { readonly: true });
  const sum = (sql: string) => (db.prepare(sql).get() as { b: number | null }).b ?? 0;
  const rows = (db.prepare("SELECT COUNT(*) AS n FROM checkpoints").get() as { n: number }).n;
  const hasBodies = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoint_messages'")
    .get();
  const live =
    sum("SELECT SUM(LENGTH(checkpoint) + LENGTH(metadata)) AS b FROM checkpoints") +
    sum("SELECT SUM(LENGTH(value)) AS b FROM writes") +
    (hasBodies ? sum("SELECT SUM(LENGTH(CAST(body AS BLOB))) AS b FROM checkpoint_messages") : 0);
  db.close();
  return { fileMB: fileBytes / MB, liveMB: live / MB, rows };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const fmt = (value: number, digits = 1) => value.toFixed(digits);

/** One thread of `count` messages, one after the other. */
async function longThread(demo: DemoServers, count: number) {
  const { app, browser, dataDir } = await startApp(demo, "long");
  const thread = "soak-long-thread";
  await browser.listen(thread);
  await browser.say(thread, QUESTION);
  await app.idle();
  await consent(browser, app, thread);
  const times: number[] = [];
  const bytes: number[] = [];
  const readsPer: number[] = [];
  const storage: Record<number, ReturnType<typeof checkpointStorage>> = {};
  for (let i = 1; i <= count; i++) {
    const bytesBefore = browser.sseBytes;
    const readsBefore = reads;
    const started = performance.now();
    await browser.say(thread, QUESTION);
    await app.idle();
    times.push(performance.now() - started);
    bytes.push(browser.sseBytes - bytesBefore);
    readsPer.push(reads - readsBefore);
    if (i === count / 2 || i === count) storage[i] = checkpointStorage(dataDir);
    if (i % 20 === 0) console.error(`  long thread: ${i} messages, last ${fmt(times.at(-1) ?? 0)} ms`);
  }
  browser.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { times, bytes, readsPer, storage };
}

/** `rounds` rounds of one message on each of `threads` threads (in parallel), heap after GC before and after. */
async function manyThreads(demo: DemoServers, threads: number, rounds: number) {
  const { app, browser, dataDir } = await startApp(demo, "many");
  const ids = Array.from({ length: threads }, (_, i) => `soak-thread-${String(i).padStart(4, "0")}`);
  for (const id of ids) await browser.listen(id);
  await browser.say(ids[0] ?? "", QUESTION);
  await app.idle();
  await consent(browser, app, ids[0] ?? "");
  const round = async () => {
    await Promise.all(ids.map((id) => browser.say(id, QUESTION)));
    await app.idle();
  };
  // Warm-up round: every thread exists, connections and caches are made.
  await round();
  const before = heapMB();
  const samples: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    await round();
    if (r % 10 === 0) {
      samples.push(heapMB());
      console.error(`  20 threads: round ${r}, heap ${fmt(samples.at(-1) ?? 0)} MB`);
    }
  }
  const after = heapMB();
  browser.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { before, after, samples, messages: threads * rounds };
}

const demo = await startDemoServers();
try {
  const long = await longThread(demo, 200);
  const first = long.times.slice(0, 20);
  const last = long.times.slice(-20);
  const half = long.storage[100];
  const full = long.storage[200];
  if (!half || !full) throw new Error("no storage figures");
  console.log(
    `soak: one thread of 200 messages — first 20 ${fmt(median(first))} ms, last 20 ${fmt(median(last))} ms (medians), ratio ${fmt(median(last) / median(first), 2)}×`,
  );
  console.log(
    `soak: checkpoints at 100 messages ${fmt(half.fileMB, 2)} MB on disk (${fmt(half.liveMB, 2)} MB live, ${half.rows} rows), at 200 ${fmt(full.fileMB, 2)} MB (${fmt(full.liveMB, 2)} MB live, ${full.rows} rows), 200/100 ${fmt(full.fileMB / half.fileMB, 2)}×`,
  );
  console.log(
    `soak: per message to the page first 20 ${fmt(median(long.bytes.slice(0, 20)) / 1024)} KB, last 20 ${fmt(median(long.bytes.slice(-20)) / 1024)} KB; state reads per message ${median(long.readsPer.slice(0, 20))} → ${median(long.readsPer.slice(-20))}`,
  );
  const many = await manyThreads(demo, 20, 50);
  console.log(
    `soak: ${many.messages} messages over 20 threads — heap after GC ${fmt(many.before)} → ${fmt(many.after)} MB (+${fmt(many.after - many.before, 2)} MB; every 200: ${many.samples.map((s) => fmt(s)).join(", ")})`,
  );
} finally {
  await demo.close();
}
