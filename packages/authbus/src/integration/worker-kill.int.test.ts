/**
 * Worker processes on one Postgres database, one SIGKILLed at the worst moments: in the middle of
 * a token exchange, or of a resume (the tool call on the server, or not yet recorded). Nothing is
 * restarted: the callback retried on another worker (a browser reload) or the others' periodic
 * sweep finishes the thread, each tool executed as its kind allows (the testkit's call counters),
 * and nobody is asked to consent again.
 */
import { randomBytes } from "node:crypto";
import type { PendingAuthInterrupt } from "@authbus/langgraph";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MailWorker, startMailWorker, until } from "../testing/mail-workers.test-helpers.js";
import { consentAs, type MailServers, startMailServers } from "../testing/mail-world.test-helpers.js";
import { openPostgresMailApp, type PostgresMailApp } from "../testing/postgres-mail-app.test-helpers.js";
import { lastText } from "../testing/scripted-model.test-helpers.js";

const adminUrl = process.env.AUTHBUS_TEST_DATABASE_URL;
const ci = process.env.CI === "true" || process.env.CI === "1";
if (!adminUrl && !ci) console.warn("skipping the worker-kill tests: AUTHBUS_TEST_DATABASE_URL is not set");

// Short leases and sweeps so a killed worker's work is taken over within seconds.
const LEASE_MS = 4_000;
const SWEEP_MS = 300;

// Forked workers start slowly on a busy machine; the conditions are polled, never timed.
const TEST_TIMEOUT_MS = 240_000;

describe.skipIf(!adminUrl && !ci)(
  "a worker SIGKILLed mid-exchange or mid-resume (Postgres, forked workers)",
  { timeout: TEST_TIMEOUT_MS },
  () => {
    let servers: MailServers;
    let admin: pg.Client;
    let databaseUrl: string;
    /** Reads shared state (checkpoints, waits, calls) and follows launch links; never attached, never sweeps. */
    let observer: PostgresMailApp;
    const name = `authbus_kill_${randomBytes(5).toString("hex")}`;
    let workers: MailWorker[] = [];

    const start = async (
      count: number,
      first: { holdCodeExchange?: boolean } = {},
    ): Promise<MailWorker[]> => {
      // One after the other: PostgresSaver.setup() is not safe to run twice at once.
      for (let index = 0; index < count; index += 1) {
        workers.push(
          await startMailWorker({
            name: `w${index}`,
            databaseUrl,
            mailUrl: servers.mail.url,
            leaseMs: LEASE_MS,
            sweepIntervalMs: SWEEP_MS,
            ...(index === 0 ? first : {}),
          }),
        );
      }
      return workers;
    };

    /** Pauses a thread on `worker` for consent and consents on the authorization server: the callback URL, not yet delivered. */
    const pauseAndConsent = async (worker: MailWorker, threadId: string, user: string, text: string) => {
      const session = `session-${user}`;
      const { pending } = (await worker.request({
        type: "ask",
        threadId,
        subject: user,
        session,
        text,
      })) as unknown as {
        pending: PendingAuthInterrupt[];
      };
      expect(pending).toHaveLength(1);
      const card = pending[0];
      const callback = await consentAs(observer.authbus, card?.value.authorizationUrl ?? "", user, {
        session,
      });
      return { session, consentId: card?.consentId ?? "", callback };
    };

    /** Nothing is left waiting or open, and no worker still running reported an error. */
    const expectSettled = async (threadId: string, alive: MailWorker[]) => {
      expect(await observer.pending(threadId)).toEqual([]);
      // The wait goes once the resumed run is saved, just after its last message: poll for it.
      await until("the thread's wait is forgotten", async () =>
        (await observer.stores.waits.listWaits()).every((wait) => wait.threadId !== threadId),
      );
      expect(
        (await observer.stores.waits.listOpenCalls()).filter((call) => call.threadId === threadId),
      ).toEqual([]);
      for (const worker of alive) expect((await worker.request({ type: "errors" })).errors).toEqual([]);
    };

    const lastOf = async (threadId: string) => lastText(await observer.messages(threadId));

    beforeAll(async () => {
      if (!adminUrl) throw new Error("AUTHBUS_TEST_DATABASE_URL is not set (CI starts Postgres in .ci/run)");
      servers = await startMailServers();
      admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      databaseUrl = url.href;
      observer = await openPostgresMailApp({
        databaseUrl,
        mailUrl: servers.mail.url,
        recovery: { sweepIntervalMs: false },
      });
    });

    afterEach(async () => {
      servers.hooks.sendEmail = undefined;
      servers.hooks.readInbox = undefined;
      await Promise.all(workers.map((worker) => worker.stop()));
      workers = [];
    });

    afterAll(async () => {
      await observer?.close();
      await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin?.end();
      await servers?.close();
    });

    /** Holds the next call of one tool on the server until released; `entered` resolves once it is there. */
    const holdOnServer = (tool: "sendEmail" | "readInbox") => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const entered = new Promise<void>((resolve) => {
        servers.hooks[tool] = async () => {
          servers.hooks[tool] = undefined;
          resolve();
          await held;
        };
      });
      return { entered, release };
    };

    it("mid token exchange: the callback retried on another worker completes the consent; the code is exchanged once, the tool runs once", async () => {
      const [a, b] = (await start(2, { holdCodeExchange: true })) as [MailWorker, MailWorker];
      const { session, callback } = await pauseAndConsent(a, "x-1", "alice", "use send_email");
      const before = { ...servers.authServer.stats };

      // A claims the callback and sends its token request, which never reaches the authorization server.
      void a.request({ type: "callback", url: callback, session }).catch(() => undefined);
      await a.next("holding-exchange");
      await a.kill();

      // The browser reloads the callback, now on B: refused while A's claim lasts, then completed.
      const statuses: number[] = [];
      await until("the retried callback completes", async () => {
        const { status } = (await b.request({ type: "callback", url: callback, session })) as unknown as {
          status: number;
        };
        statuses.push(status);
        return status === 200 || undefined;
      });
      expect(statuses.at(-1)).toBe(200);
      expect(statuses.slice(0, -1).every((status) => status === 400)).toBe(true);
      await until("the thread ends", async () => (await lastOf("x-1")) === "done: sent for alice");

      expect(servers.mail.callCount("send_email")).toBe(1);
      // One token request (B's exchange): A's was never sent on. No new authorization request.
      expect(servers.authServer.stats.tokenRequests - before.tokenRequests).toBe(1);
      expect(servers.authServer.stats.authorizationRequests).toBe(before.authorizationRequests);
      await expectSettled("x-1", [b]);
    });

    it("mid resume, 4 workers: a side-effecting call that reached the server is answered as interrupted, never made again", async () => {
      const [a, ...others] = await start(4);
      if (!a) throw new Error("no worker");
      const { session, callback } = await pauseAndConsent(a, "r-1", "bob", "use send_email");
      const before = { ...servers.authServer.stats };
      const sent = servers.mail.callCount("send_email");

      const hold = holdOnServer("sendEmail");
      expect((await a.request({ type: "callback", url: callback, session })).status).toBe(200);
      await hold.entered;
      await a.kill();
      hold.release();

      // No restart: the other workers' sweep takes the thread over once A's leases run out.
      await until("the thread ends", async () => (await lastOf("r-1")).startsWith("sorry:") || undefined);
      expect(await lastOf("r-1")).toContain("The call to send_email was interrupted");
      expect(servers.mail.callCount("send_email") - sent).toBe(1);
      expect(servers.authServer.stats.authorizationRequests).toBe(before.authorizationRequests);
      await expectSettled("r-1", others);
    });

    it("mid resume: a read-only call that reached the server is run again on another worker", async () => {
      const [a, b] = (await start(2)) as [MailWorker, MailWorker];
      const { session, callback } = await pauseAndConsent(a, "r-2", "carol", "use read_inbox");
      const before = { ...servers.authServer.stats };
      const read = servers.mail.callCount("read_inbox");

      const hold = holdOnServer("readInbox");
      expect((await a.request({ type: "callback", url: callback, session })).status).toBe(200);
      await hold.entered;
      await a.kill();
      hold.release();

      await until("the thread ends", async () => (await lastOf("r-2")) === "done: inbox of carol");
      // A's call, then B's.
      expect(servers.mail.callCount("read_inbox") - read).toBe(2);
      expect(servers.authServer.stats.authorizationRequests).toBe(before.authorizationRequests);
      await expectSettled("r-2", [b]);
    });

    it("mid resume: a side-effecting call killed before it was recorded (never sent) is made once, by another worker", async () => {
      const [a, b] = (await start(2)) as [MailWorker, MailWorker];
      const { session, callback } = await pauseAndConsent(a, "r-3", "dave", "use send_email");
      const before = { ...servers.authServer.stats };
      const sent = servers.mail.callCount("send_email");

      await a.request({ type: "hold-before-start", toolName: "send_email" });
      expect((await a.request({ type: "callback", url: callback, session })).status).toBe(200);
      await a.next("before-start");
      await a.kill();
      expect(servers.mail.callCount("send_email") - sent).toBe(0);

      await until("the thread ends", async () => (await lastOf("r-3")) === "done: sent for dave");
      expect(servers.mail.callCount("send_email") - sent).toBe(1);
      expect(servers.authServer.stats.authorizationRequests).toBe(before.authorizationRequests);
      await expectSettled("r-3", [b]);
    });
  },
);
