/**
 * @module Load benchmark (`pnpm bench` in packages/mcp, not a timed test): many simulated users on
 * 1 and 4 worker processes sharing one Postgres database, over two testkit MCP servers.
 *
 * Per run: every user calls both servers and is asked to consent (approved headlessly, the
 * callback sent to a random worker, usually not the one that paused); then tokens expire in
 * storms and every user makes parallel calls to both servers spread over all workers. Reports
 * consents/s, refreshes/s, p50/p99 from consent completion to tool result, grants per
 * (subject, resource) per storm (must be 1), tool executions (each exactly once) and peak RSS per
 * worker. Needs `AUTHBUS_TEST_DATABASE_URL` (an admin URL on 127.0.0.1; a database is made per run).
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { migratePostgres } from "@authbus/oauth/postgres";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import pg from "pg";

const USERS = Number(process.env.BENCH_USERS ?? 500);
// The one-worker baseline runs as many users as the others, so their rates compare.
const BASELINE_USERS = Number(process.env.BENCH_BASELINE_USERS ?? USERS);
const STORMS = Number(process.env.BENCH_STORMS ?? 2);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 2);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? "1,4").split(",").map(Number);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
// A guard against a hung run, not a time box (a full run takes about 2 minutes on 2 shared cores).
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? 300_000);
const adminUrl = process.env.AUTHBUS_BENCH_DATABASE_URL ?? process.env.AUTHBUS_TEST_DATABASE_URL;
const secret = "many-workers-bench-secret-0123456789abcdef";
const redirectUri = "http://127.0.0.1:9/callback";
const workerScript = fileURLToPath(new URL("./bench-worker.ts", import.meta.url));

type Reply = { id: number; ok: boolean; message?: string; [field: string]: unknown };

interface Worker {
  index: number;
  child: ChildProcess;
  request(command: Record<string, unknown>, onConsent?: (message: ConsentMessage) => void): Promise<Reply>;
}

interface ConsentMessage {
  consentId: string;
  authorizationUrl: string;
}

function checkLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") {
    throw new Error(`the benchmark runs on 127.0.0.1 only; ${host} is not loopback`);
  }
}

async function startWorker(index: number, databaseUrl: string, demo: DemoServers): Promise<Worker> {
  const child = fork(workerScript, [], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      AUTHBUS_BENCH_WORKER: JSON.stringify({
        name: `bench-${index}`,
        databaseUrl,
        secret,
        redirectUri,
        servers: {
          calendar: { url: demo.calendar.url, tool: "list_events" },
          files: { url: demo.files.url, tool: "list_files" },
        },
      }),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (reply: Reply) => void; onConsent?: (m: ConsentMessage) => void }
  >();
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  child.on("message", (message: Record<string, unknown>) => {
    if (message.type === "ready") return ready();
    if (message.type === "consent") {
      pending.get(Number(message.id))?.onConsent?.(message as unknown as ConsentMessage);
      return;
    }
    const reply = message as Reply;
    pending.get(reply.id)?.resolve(reply);
    pending.delete(reply.id);
  });
  child.once("exit", (code) => {
    if (pending.size > 0)
      console.error(`worker ${index} exited (${code}) with ${pending.size} requests pending`);
  });
  await Promise.race([
    started,
    new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`worker ${index} exited (${code}) before it was ready`))),
    ),
  ]);
  return {
    index,
    child,
    request(command, onConsent) {
      const id = nextId++;
      return new Promise<Reply>((resolve) => {
        pending.set(id, { resolve, ...(onConsent ? { onConsent } : {}) });
        child.send({ ...command, id });
      });
    },
  };
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  });
  await Promise.all(lanes);
  return results;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** Wall time per phase of a run, for finding where a run's time goes. */
type Phases = Record<string, number>;

/** Records how long `step` takes under `name` in `phases`. */
async function timed<T>(phases: Phases, name: string, step: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await step();
  } finally {
    phases[name] = (phases[name] ?? 0) + (performance.now() - start);
  }
}

/** Makes a database for one run and migrates it, so every worker starts at once (their own migrations find nothing to do). */
async function withDatabase<T>(phases: Phases, run: (url: string) => Promise<T>): Promise<T> {
  const name = `authbus_bench_${randomBytes(5).toString("hex")}`;
  const url = new URL(adminUrl as string);
  url.pathname = `/${name}`;
  await timed(phases, "create database", async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect().catch((error: unknown) => {
      const where = new URL(adminUrl as string);
      throw new Error(
        `many-workers bench: cannot reach Postgres at ${where.hostname}:${where.port || 5432} ` +
          `(${(error as { code?: string }).code ?? String(error)}); start it (scripts/start-test-postgres.sh) ` +
          "or unset AUTHBUS_TEST_DATABASE_URL to skip this bench",
      );
    });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const migrating = new pg.Pool({ connectionString: url.href, max: 1 });
    try {
      await migratePostgres(migrating);
    } finally {
      await migrating.end();
    }
  });
  try {
    return await run(url.href);
  } finally {
    await timed(phases, "drop database", async () => {
      const drop = new pg.Client({ connectionString: adminUrl });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
    });
  }
}

interface RunResult {
  phases: Phases;
  workers: number;
  users: number;
  consents: number;
  consentsPerSecond: number;
  crossWorkerCallbacks: number;
  latencyP50: number;
  latencyP99: number;
  refreshes: number;
  refreshesPerSecond: number;
  grantsPerStorm: { max: number; min: number; keys: number }[];
  refreshFailures: number;
  calls: number;
  executions: number;
  failedCalls: number;
  peakRssMb: number[];
}

async function runWith(workerCount: number, users: number): Promise<RunResult> {
  const phases: Phases = {};
  const runStart = performance.now();
  const result = await withDatabase(phases, async (databaseUrl) => {
    await using demo = await timed(phases, "start servers", () => startDemoServers());
    // The database is migrated: every worker starts at once.
    const workers = await timed(phases, "start workers", () =>
      Promise.all(Array.from({ length: workerCount }, (_, i) => startWorker(i, databaseUrl, demo))),
    );
    const servers = ["calendar", "files"] as const;
    const subjects = Array.from({ length: users }, (_, index) => `user-${index}`);
    const home = (userIndex: number) => workers[userIndex % workerCount] as Worker;
    const latencies: number[] = [];
    let crossWorker = 0;
    let failedCalls = 0;
    let calls = 0;

    // Phase 1: every user, both servers: a challenge, a consent approved headlessly, the callback on a random worker.
    const consentStart = performance.now();
    await pool(
      subjects.flatMap((subject, userIndex) =>
        servers.map((server) => async () => {
          const origin = home(userIndex);
          // When the callback's worker finished the consent (undefined: it failed).
          let completion: Promise<number | undefined> | undefined;
          calls += 1;
          const callStart = performance.now();
          const reply = await origin.request({ type: "call", subject, server, consent: true }, (consent) => {
            phases["Σ call→challenge"] = (phases["Σ call→challenge"] ?? 0) + (performance.now() - callStart);
            completion = (async () => {
              const approveStart = performance.now();
              const callback = await approveConsent(consent.authorizationUrl, { user: subject });
              phases["Σ approve"] = (phases["Σ approve"] ?? 0) + (performance.now() - approveStart);
              const completer = workers[Math.floor(Math.random() * workerCount)] as Worker;
              if (completer !== origin) crossWorker += 1;
              const completeStart = performance.now();
              const done = await completer.request({ type: "complete", callbackUrl: callback });
              phases["Σ complete"] = (phases["Σ complete"] ?? 0) + (performance.now() - completeStart);
              if (!done.ok) {
                console.error(`complete failed: ${done.message}`);
                return undefined;
              }
              return Number(done.completedAt);
            })().catch((error: unknown) => {
              console.error(`approving a consent failed: ${error instanceof Error ? error.message : error}`);
              return undefined;
            });
          });
          if (!reply.ok) {
            failedCalls += 1;
            console.error(`consent call failed: ${reply.message}`);
            return;
          }
          // The completing worker's reply may come after the paused worker's: wait for it.
          const completedAt = await completion;
          if (completedAt !== undefined) latencies.push(Number(reply.resultAt) - completedAt);
        }),
      ),
      IN_FLIGHT,
    );
    const consentSeconds = (performance.now() - consentStart) / 1000;
    phases.consents = consentSeconds * 1000;
    const consents = users * servers.length;

    // Phase 2: refresh storms: every access token expires at once; each user's parallel calls go to different workers.
    const grantsPerStorm: RunResult["grantsPerStorm"] = [];
    let refreshSeconds = 0;
    let refreshes = 0;
    const failuresBefore = demo.authServer.stats.refreshFailures;
    for (let storm = 0; storm < STORMS; storm += 1) {
      const issuedBefore = demo.authServer.issuedAccessTokens.length;
      demo.authServer.expireAllTokens();
      const start = performance.now();
      await pool(
        subjects.flatMap((subject, userIndex) =>
          servers.flatMap((server) =>
            Array.from({ length: PARALLEL }, (_, k) => async () => {
              calls += 1;
              const worker = workers[(userIndex + k) % workerCount] as Worker;
              const reply = await worker.request({ type: "call", subject, server, consent: false });
              if (!reply.ok) {
                failedCalls += 1;
                if (failedCalls < 5) console.error(`storm call failed: ${reply.message}`);
              }
            }),
          ),
        ),
        IN_FLIGHT * 4,
      );
      refreshSeconds += (performance.now() - start) / 1000;
      phases[`storm ${storm + 1}`] = performance.now() - start;
      const grants = new Map<string, number>();
      for (const token of demo.authServer.issuedAccessTokens.slice(issuedBefore)) {
        if (!token.grantType?.split(" ").includes("refresh_token")) continue;
        const key = `${token.subject}\u0000${token.audience.join(" ")}`;
        grants.set(key, (grants.get(key) ?? 0) + 1);
      }
      refreshes += [...grants.values()].reduce((sum, count) => sum + count, 0);
      grantsPerStorm.push({
        keys: grants.size,
        max: Math.max(0, ...grants.values()),
        min: grants.size === 0 ? 0 : Math.min(...grants.values()),
      });
    }

    const executions = demo.calendar.callCount("list_events") + demo.files.callCount("list_files");
    const closed = await timed(phases, "close workers", () =>
      Promise.all(workers.map((worker) => worker.request({ type: "close" }))),
    );
    for (const worker of workers) worker.child.disconnect();
    return {
      phases,
      workers: workerCount,
      users,
      consents,
      consentsPerSecond: consents / consentSeconds,
      crossWorkerCallbacks: crossWorker,
      latencyP50: percentile(latencies, 50),
      latencyP99: percentile(latencies, 99),
      refreshes,
      refreshesPerSecond: refreshes / refreshSeconds,
      grantsPerStorm,
      refreshFailures: demo.authServer.stats.refreshFailures - failuresBefore,
      calls,
      executions,
      failedCalls,
      peakRssMb: closed.map((reply) => Math.round(Number(reply.peakRss) / 1024 / 1024)),
    };
  });
  phases.total = performance.now() - runStart;
  return result;
}

/** The phases of a run in seconds (Σ: summed over concurrent steps, not wall time). */
const phaseLine = (r: RunResult): string =>
  Object.entries(r.phases)
    .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)}s`)
    .join(", ");

function row(r: RunResult): Record<string, unknown> {
  return {
    workers: r.workers,
    users: r.users,
    "consents/s": r.consentsPerSecond.toFixed(1),
    "callbacks on another worker": r.crossWorkerCallbacks,
    "consent→result p50 ms": r.latencyP50,
    "consent→result p99 ms": r.latencyP99,
    "refreshes/s": r.refreshesPerSecond.toFixed(1),
    "grants per storm (keys, min..max per key)": r.grantsPerStorm
      .map((g) => `${g.keys}:${g.min}..${g.max}`)
      .join(" "),
    "refresh failures": r.refreshFailures,
    "tool calls / executions": `${r.calls}/${r.executions}`,
    "failed calls": r.failedCalls,
    "peak RSS MB per worker": r.peakRssMb.join(","),
  };
}

if (!adminUrl) {
  console.log("many-workers bench skipped: set AUTHBUS_TEST_DATABASE_URL (Postgres on 127.0.0.1)");
} else {
  checkLoopback(adminUrl);
  const deadline = setTimeout(() => {
    console.error(`many-workers bench: over ${DEADLINE_MS} ms, stopping`);
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  console.log(
    `many-workers bench: ${USERS} users (${Math.min(BASELINE_USERS, USERS)} on one worker) × 2 servers, ` +
      `${STORMS} refresh storms × ${PARALLEL} parallel calls per user and server`,
  );
  const results: RunResult[] = [];
  for (const count of WORKER_COUNTS) {
    const result = await runWith(count, count === 1 ? Math.min(BASELINE_USERS, USERS) : USERS);
    results.push(result);
    // Printed as each run ends, so a run stopped by the deadline still shows the ones before it.
    console.table([row(result)]);
    console.log(`  ${result.workers} worker(s), where the time went: ${phaseLine(result)}`);
  }
  const broken = results.some(
    (r) =>
      r.failedCalls > 0 ||
      r.calls !== r.executions ||
      r.refreshFailures > 0 ||
      r.grantsPerStorm.some((g) => g.max !== 1 || g.keys !== r.consents),
  );
  if (broken) {
    console.error("many-workers bench: an invariant did not hold (see the table)");
    process.exitCode = 1;
  }
  clearTimeout(deadline);
}
