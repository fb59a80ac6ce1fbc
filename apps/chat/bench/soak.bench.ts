/**
 * @module Soak benchmark of the chat's HTTP API, in process (the app's routes get each Request
 * as its server would hand it over), with the offline model and the testkit's servers:
 *
 * - one thread of 200 messages: answer time of the first 20 and the last 20 (and, against
 *   drift on a busy machine, the last 20 interleaved with a new thread's first 20), checkpoint
 *   storage at 100 and 200 messages, bytes the page gets and state reads per message;
 * - 1,000 messages over 20 threads: heap after GC before and after;
 * - with a Postgres server (`AUTHBUS_BENCH_DATABASE_URL`, else `AUTHBUS_TEST_DATABASE_URL`: a
 *   database is created there and dropped after), the long thread again on the Postgres
 *   deployment: answer times and checkpoint storage at 100 and 200 messages.
 *
 * A message is answered when the page's event stream says the run ended. Run with `pnpm bench`
 * (node --expose-gc). Not a test: it prints figures and asserts nothing.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import pg from "pg";
import { userThreadId } from "../src/server/chat-sessions.js";
import { measureCheckpointStorage } from "../src/server/compact-postgres-saver.js";
import { type ChatApp, startChatApp } from "../src/server/start-chat-app.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const QUESTION = "What's on my calendar?";
const USER = "soak";
/** Rounds of one message on each of the 20 threads before the heap is measured. */
const WARM_UP_ROUNDS = 5;
const MB = 1024 * 1024;

/** State reads (checkpoint loads) of every thread, counted at the saver. */
let reads = 0;
const getTuple = SqliteSaver.prototype.getTuple;
SqliteSaver.prototype.getTuple = function (this: SqliteSaver, ...args: Parameters<typeof getTuple>) {
  reads += 1;
  return getTuple.apply(this, args);
};
const getPostgresTuple = PostgresSaver.prototype.getTuple;
PostgresSaver.prototype.getTuple = function (
  this: PostgresSaver,
  ...args: Parameters<typeof getPostgresTuple>
) {
  reads += 1;
  return getPostgresTuple.apply(this, args);
};

/** One open event stream of a thread: the bytes it got, and who waits for the run to end. */
interface Stream {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  bytes: number;
  /** Called with each `running` the stream says, until they return true. */
  waiters: ((running: boolean) => boolean)[];
}

/** A browser: its session cookie, and one open event stream per thread, as the page has. */
class Browser {
  cookie = "";
  readonly #app: ChatApp;
  readonly #streams = new Map<string, Stream>();

  constructor(app: ChatApp) {
    this.#app = app;
  }

  async send(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await this.#app.fetch(
      new Request(new URL(path, this.#app.url), {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          ...(this.cookie ? { cookie: this.cookie } : {}),
        },
      }),
    );
    // The last cookie set wins (signing in replaces the session the first request was given).
    const set = response.headers.getSetCookie().at(-1);
    if (set) this.cookie = set.split(";")[0] ?? "";
    return response;
  }

  bytes(thread: string): number {
    return this.#streams.get(thread)?.bytes ?? 0;
  }

  /** Sends a message and resolves when the page is told the run ended. */
  async say(thread: string, text: string): Promise<void> {
    const stream = this.#streams.get(thread);
    if (!stream) throw new Error(`no event stream for ${thread}`);
    // The run's first event says it is running, its last that it no longer is.
    let started = false;
    const ended = new Promise<void>((resolve) => {
      stream.waiters.push((running) => {
        started ||= running;
        if (started && !running) resolve();
        return started && !running;
      });
    });
    const response = await this.send(`api/threads/${thread}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    if (response.status !== 202) {
      throw new Error(`message refused: ${response.status} ${await response.text()}`);
    }
    await ended;
  }

  async view(thread: string): Promise<{ pending: { authorizationUrl: string }[] }> {
    return (await (await this.send(`api/threads/${thread}`)).json()) as never;
  }

  /** Opens the page's event stream of a thread, counts its bytes and follows `running`. */
  async listen(thread: string): Promise<void> {
    const response = await this.send(`api/threads/${thread}/stream`);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no event stream");
    const stream: Stream = { reader, bytes: 0, waiters: [] };
    this.#streams.set(thread, stream);
    const decoder = new TextDecoder();
    let buffered = "";
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          stream.bytes += value.byteLength;
          buffered += decoder.decode(value, { stream: true });
          let end = buffered.indexOf("\n\n");
          while (end >= 0) {
            const event = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            end = buffered.indexOf("\n\n");
            const data = /^data: (.*)$/m.exec(event)?.[1];
            // Each change of `running` (a "patch"), or the whole view.
            if (!data || !/^event: (patch|thread)$/m.test(event)) continue;
            const running = (JSON.parse(data) as { running?: boolean }).running;
            if (running === undefined) continue;
            stream.waiters = stream.waiters.filter((waiter) => !waiter(running));
          }
        }
      } catch {
        // closed
      }
    })();
  }

  close(): void {
    for (const { reader } of this.#streams.values()) void reader.cancel().catch(() => undefined);
  }
}

/** Answers the thread's consent card headlessly, as the popup would. */
async function consent(browser: Browser, app: ChatApp, thread: string): Promise<void> {
  const [card] = (await browser.view(thread)).pending;
  if (!card) throw new Error("no consent card");
  const launch = await browser.send(new URL(card.authorizationUrl).pathname.slice(1));
  const callback = new URL(await approveConsent(launch.headers.get("location") ?? "", { user: USER }));
  await browser.send(`${callback.pathname.slice(1)}${callback.search}`);
  await app.idle();
}

async function startApp(demo: DemoServers, label: string, databaseUrl?: string) {
  const dataDir = mkdtempSync(join(tmpdir(), `authbus-soak-${label}-`));
  const app = await startChatApp({
    servers: { calendar: { url: demo.calendar.url } },
    dataDir,
    webRoot: join(dataDir, "no-web"),
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  const browser = new Browser(app);
  await browser.send("api/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: USER }),
  });
  return { app, browser, dataDir };
}

/** The first message of a browser's first thread asks for consent: answered here. */
async function connect(browser: Browser, app: ChatApp, thread: string): Promise<void> {
  await browser.send(`api/threads/${thread}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: QUESTION }),
  });
  await app.idle();
  await consent(browser, app, thread);
}

function heapMB(): number {
  for (let i = 0; i < 4; i++) gc?.();
  return process.memoryUsage().heapUsed / MB;
}

/** Checkpoint storage of one thread, in MB (with the SQLite files, where there are). */
interface Storage {
  liveMB: number;
  rows: number;
  fileMB?: number;
  walMB?: number;
}

/**
 * Checkpoint storage of one thread: the bytes of its rows (checkpoints, writes, message
 * bodies); and the database file with its write-ahead log (`SqliteSaver` uses WAL; the log is
 * reused, not truncated, so it stays near SQLite's 1,000-page checkpoint threshold).
 */
function checkpointStorage(dataDir: string, thread: string): Storage {
  const path = join(dataDir, "checkpoints.db");
  const size = (file: string) => {
    try {
      return statSync(file).size / MB;
    } catch {
      return 0;
    }
  };
  const db = new Database(path, { readonly: true });
  const sum = (sql: string) =>
    (db.prepare(sql).get(userThreadId(USER, thread)) as { b: number | null }).b ?? 0;
  const hasBodies = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoint_messages'")
    .get();
  const live =
    sum("SELECT SUM(LENGTH(checkpoint) + LENGTH(metadata)) AS b FROM checkpoints WHERE thread_id = ?") +
    sum("SELECT SUM(LENGTH(value)) AS b FROM writes WHERE thread_id = ?") +
    (hasBodies
      ? sum("SELECT SUM(LENGTH(CAST(body AS BLOB))) AS b FROM checkpoint_messages WHERE thread_id = ?")
      : 0);
  const rows = (
    db
      .prepare("SELECT COUNT(*) AS n FROM checkpoints WHERE thread_id = ?")
      .get(userThreadId(USER, thread)) as {
      n: number;
    }
  ).n;
  db.close();
  return { liveMB: live / MB, fileMB: size(path), walMB: size(`${path}-wal`), rows };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const fmt = (value: number, digits = 1) => value.toFixed(digits);

/** Times one message, with what the page got and how many state reads it made. */
async function timed(browser: Browser, thread: string) {
  const bytesBefore = browser.bytes(thread);
  const readsBefore = reads;
  const started = performance.now();
  await browser.say(thread, QUESTION);
  return {
    ms: performance.now() - started,
    bytes: browser.bytes(thread) - bytesBefore,
    reads: reads - readsBefore,
  };
}

/**
 * One thread of `count` messages, one after the other; its last 20 are also interleaved with
 * the first 20 of a new thread, so both are timed under the same load.
 */
async function longThread(demo: DemoServers, count: number, postgres?: { url: string; pool: pg.Pool }) {
  const { app, browser, dataDir } = await startApp(demo, "long", postgres?.url);
  const thread = "soak-long-thread";
  const fresh = "soak-new-thread";
  await browser.listen(thread);
  await browser.listen(fresh);
  await connect(browser, app, thread);
  const runs: Awaited<ReturnType<typeof timed>>[] = [];
  const freshRuns: Awaited<ReturnType<typeof timed>>[] = [];
  const storage: Record<number, Storage> = {};
  const measure = async (): Promise<Storage> => {
    if (!postgres) return checkpointStorage(dataDir, thread);
    const { bytes, rows } = await measureCheckpointStorage(postgres.pool, userThreadId(USER, thread));
    return { liveMB: bytes / MB, rows };
  };
  for (let i = 1; i <= count; i++) {
    if (i > count - 20) freshRuns.push(await timed(browser, fresh));
    runs.push(await timed(browser, thread));
    if (i === count / 2 || i === count) storage[i] = await measure();
    if (i % 50 === 0) console.error(`  long thread: ${i} messages`);
  }
  browser.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { runs, freshRuns, storage };
}

/** `rounds` rounds of one message on each of `threads` threads (in parallel), heap after GC before and after. */
async function manyThreads(demo: DemoServers, threads: number, rounds: number) {
  const { app, browser, dataDir } = await startApp(demo, "many");
  const ids = Array.from({ length: threads }, (_, i) => `soak-thread-${String(i).padStart(4, "0")}`);
  for (const id of ids) await browser.listen(id);
  await connect(browser, app, ids[0] ?? "");
  const round = () => Promise.all(ids.map((id) => browser.say(id, QUESTION)));
  // Warm-up: every thread exists, connections, caches and most compiled code are made (code
  // is on the heap too: compiling as the run goes on alone adds about 2 MB over the first
  // thousand messages, and nothing over the next).
  for (let r = 0; r < WARM_UP_ROUNDS; r++) await round();
  const before = heapMB();
  const samples: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    await round();
    if (r % 10 === 0) samples.push(heapMB());
  }
  const after = heapMB();
  browser.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { before, after, samples, messages: threads * rounds };
}

/**
 * The long thread on the Postgres deployment, in a database made for it on the server of
 * `AUTHBUS_BENCH_DATABASE_URL` (else `AUTHBUS_TEST_DATABASE_URL`) and dropped after; nothing
 * without either.
 */
async function postgresLongThread(demo: DemoServers) {
  const adminUrl = process.env.AUTHBUS_BENCH_DATABASE_URL ?? process.env.AUTHBUS_TEST_DATABASE_URL;
  if (!adminUrl) return undefined;
  const name = `authbus_soak_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.href, max: 2 });
  pool.on("error", () => undefined);
  try {
    return { long: await longThread(demo, 200, { url: url.href, pool }) };
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const demo = await startDemoServers();
try {
  const long = await longThread(demo, 200);
  const ms = long.runs.map((run) => run.ms);
  const [first, last] = [median(ms.slice(0, 20)), median(ms.slice(-20))];
  const freshFirst = median(long.freshRuns.map((run) => run.ms));
  const half = long.storage[100];
  const full = long.storage[200];
  if (!half || !full) throw new Error("no storage figures");
  console.log(
    `soak: one thread of 200 messages, answer time (medians) first 20 ${fmt(first)} ms, last 20 ${fmt(last)} ms, ratio ${fmt(last / first, 2)}×; interleaved with a new thread's first 20 (${fmt(freshFirst)} ms): ${fmt(last / freshFirst, 2)}×`,
  );
  console.log(
    `soak: checkpoint storage of the thread at 100 messages ${fmt(half.liveMB, 2)} MB (${half.rows} checkpoint row), at 200 ${fmt(full.liveMB, 2)} MB (${full.rows}), 200/100 ${fmt(full.liveMB / half.liveMB, 2)}×; database file ${fmt(half.fileMB ?? 0, 2)} → ${fmt(full.fileMB ?? 0, 2)} MB, write-ahead log ${fmt(half.walMB ?? 0, 2)} → ${fmt(full.walMB ?? 0, 2)} MB`,
  );
  const bytes = long.runs.map((run) => run.bytes / 1024);
  const readCounts = long.runs.map((run) => run.reads);
  console.log(
    `soak: per message, sent to the page ${fmt(median(bytes.slice(0, 20)))} KB (first 20) and ${fmt(median(bytes.slice(-20)))} KB (last 20); state reads ${median(readCounts.slice(0, 20))} and ${median(readCounts.slice(-20))}`,
  );
  const many = await manyThreads(demo, 20, 50);
  const postgresFigures = await postgresLongThread(demo);
  console.log(
    `soak: ${many.messages} messages over 20 threads (after ${WARM_UP_ROUNDS * 20} to warm up), heap after GC ${fmt(many.before)} → ${fmt(many.after)} MB (+${fmt(many.after - many.before, 2)} MB; every 200 messages: ${many.samples.map((sample) => fmt(sample)).join(", ")})`,
  );
  if (postgresFigures) {
    const { long: pgLong } = postgresFigures;
    const pgMs = pgLong.runs.map((run) => run.ms);
    const [pgFirst, pgLast] = [median(pgMs.slice(0, 20)), median(pgMs.slice(-20))];
    const pgFresh = median(pgLong.freshRuns.map((run) => run.ms));
    const [pgHalf, pgFull] = [pgLong.storage[100], pgLong.storage[200]];
    if (!pgHalf || !pgFull) throw new Error("no Postgres storage figures");
    console.log(
      `soak (postgres): one thread of 200 messages, answer time (medians) first 20 ${fmt(pgFirst)} ms, last 20 ${fmt(pgLast)} ms, ratio ${fmt(pgLast / pgFirst, 2)}×; interleaved with a new thread's first 20 (${fmt(pgFresh)} ms): ${fmt(pgLast / pgFresh, 2)}×`,
    );
    console.log(
      `soak (postgres): checkpoint storage of the thread at 100 messages ${fmt(pgHalf.liveMB, 2)} MB (${pgHalf.rows} checkpoint row), at 200 ${fmt(pgFull.liveMB, 2)} MB (${pgFull.rows}), 200/100 ${fmt(pgFull.liveMB / pgHalf.liveMB, 2)}×`,
    );
  }
} finally {
  await demo.close();
}
