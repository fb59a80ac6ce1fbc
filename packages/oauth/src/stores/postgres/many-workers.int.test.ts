import { fingerprintToken, type TokenSet } from "@authbus/core";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startWorker, type TestWorker } from "../../testing/cluster.test-helpers.js";
import { callTool } from "../../testing/mcp-http.test-helpers.js";
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from "../../testing/postgres.test-helpers.js";
import { openPostgresStores, type PostgresStores } from "./open-postgres-stores.js";

const secret = "many-workers-test-secret-0123456789abcdef";
const redirectUri = "http://127.0.0.1:9/callback";

describePostgres("many workers on one Postgres database", (adminUrl) => {
  let demo: DemoServers;
  let db: TestDatabase;
  let stores: PostgresStores;
  let workers: TestWorker[] = [];

  beforeAll(async () => {
    demo = await startDemoServers();
    db = await createTestDatabase(adminUrl);
    stores = await openPostgresStores({ connectionString: db.url, secret });
  });

  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    workers = [];
  });

  afterAll(async () => {
    await stores?.close();
    await db?.drop();
    await demo?.close();
  }, 60_000);

  const start = async (count: number, options: { leaseTtlMs?: number; hold?: number[] } = {}) => {
    workers = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        startWorker({
          name: `w${index}`,
          store: { kind: "postgres", url: db.url },
          secret,
          redirectUri,
          leaseTtlMs: options.leaseTtlMs ?? 15_000,
          holdRefreshRequests: options.hold?.includes(index) ?? false,
        }),
      ),
    );
    return workers;
  };

  /** A real consent on worker 0 for `subject`: tokens with a rotating refresh token in the store. */
  const consentFor = async (subject: string, resource: string, serverName: string): Promise<TokenSet> => {
    const [first] = workers;
    if (!first) throw new Error("no worker");
    const begun = await first.request({ type: "begin", subject, serverName, resource });
    const callback = await approveConsent(String(begun.authorizationUrl), { user: subject });
    expect(await first.request({ type: "complete", callbackUrl: callback })).toMatchObject({
      completed: true,
    });
    const tokens = await stores.tokens.get({ subject, resource });
    if (!tokens?.refreshToken) throw new Error("the consent stored no refresh token");
    return tokens;
  };

  it.each([2, 4])(
    "20 concurrent refreshes over %i workers spend one grant; every caller gets the new token",
    async (count) => {
      await start(count);
      const subject = `refresh-${count}`;
      const resource = demo.files.url;
      const stale = await consentFor(subject, resource, "files");
      const before = { ...demo.authServer.stats };
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          workers[index % count]?.request({ type: "refresh", subject, resource, stale }),
        ),
      );
      expect(demo.authServer.stats.refreshRequests - before.refreshRequests).toBe(1);
      expect(demo.authServer.stats.refreshFailures - before.refreshFailures).toBe(0);
      const stored = await stores.tokens.get({ subject, resource });
      expect(stored?.refreshToken).not.toBe(stale.refreshToken);
      const fingerprint = await fingerprintToken(stored?.accessToken ?? "");
      expect(replies.map((reply) => reply?.ok && reply.fingerprint)).toEqual(Array(20).fill(fingerprint));
      // The new token works at the resource.
      const response = await callTool(resource, "list_files", stored?.accessToken ?? "");
      expect(response.status).toBe(200);
      await response.text();
    },
  );

  it("a callback landing on other workers than the one that paused resumes the thread exactly once", async () => {
    await start(4);
    const [w0, w1, w2, w3] = workers as [TestWorker, TestWorker, TestWorker, TestWorker];
    const subject = "carol";
    const resource = demo.calendar.url;
    const begun = await w1.request({ type: "begin", subject, serverName: "calendar", resource });
    const consentId = String(begun.consentId);
    const calls = demo.calendar.callCount("list_events");
    // The thread is paused on w1, and w3 also tracks it (a second page or resumer): both wait.
    const pause = {
      type: "pause" as const,
      consentId,
      threadId: "carol-thread",
      subject,
      resource,
      tool: "list_events",
    };
    const pausedOn1 = w1.next("paused");
    const onW1 = w1.request(pause);
    await pausedOn1;
    const pausedOn3 = w3.next("paused");
    const onW3 = w3.request(pause);
    await pausedOn3;

    const callback = await approveConsent(String(begun.authorizationUrl), { user: subject });
    const tokenRequests = demo.authServer.stats.tokenRequests;
    // Both w0 and w2 receive the callback (a retried request, two tabs): one settles the consent.
    const completions = await Promise.all([
      w0.request({ type: "complete", callbackUrl: callback }),
      w2.request({ type: "complete", callbackUrl: callback }),
    ]);
    expect(completions.filter((reply) => reply.completed)).toHaveLength(1);
    // The other is refused before it sends the code (a second exchange would revoke the first's tokens).
    expect(completions.find((reply) => !reply.completed)).toMatchObject({ code: "CONSENT_STATE" });
    expect(demo.authServer.stats.tokenRequests - tokenRequests).toBe(1);

    const resumed = await Promise.all([onW1, onW3]);
    expect(resumed.map((reply) => reply.outcome)).toEqual(["granted", "granted"]);
    // One ran the tool; the other found it done (or busy while it ran).
    expect(resumed.map((reply) => reply.resumed)).toContain("ran");
    expect(resumed.filter((reply) => reply.resumed === "ran")).toHaveLength(1);
    expect(demo.calendar.callCount("list_events") - calls).toBe(1);
    expect(await stores.waits.findWaits(consentId)).toEqual([]);
    expect((await stores.consents.get(consentId))?.status).toBe("granted");
  });

  it("a worker killed mid-refresh: its lease expires, another completes with one grant; no consent is lost", async () => {
    await start(4, { leaseTtlMs: 1_500, hold: [0] });
    const [w0, w1, w2, w3] = workers as [TestWorker, TestWorker, TestWorker, TestWorker];
    const subject = "dave";
    const resource = demo.files.url;
    // w0 cannot finish refreshes, but consents work on it: the tokens come from a consent on w1.
    const begunFirst = await w1.request({ type: "begin", subject, serverName: "files", resource });
    await w1.request({
      type: "complete",
      callbackUrl: await approveConsent(String(begunFirst.authorizationUrl), { user: subject }),
    });
    const stale = (await stores.tokens.get({ subject, resource })) as TokenSet;
    // A consent for another user is pending on w0 when it dies.
    const pendingConsent = await w0.request({
      type: "begin",
      subject: "erin",
      serverName: "calendar",
      resource: demo.calendar.url,
    });
    const before = { ...demo.authServer.stats };

    const holding = w0.next("holding");
    void w0.request({ type: "refresh", subject, resource, stale });
    await holding; // w0 holds the lease, its refresh request unsent
    const waiting = [w1, w2, w3, w1, w2, w3].map((worker) =>
      worker.request({ type: "refresh", subject, resource, stale }),
    );
    await w0.kill();
    const replies = await Promise.all(waiting);

    expect(demo.authServer.stats.refreshRequests - before.refreshRequests).toBe(1);
    expect(demo.authServer.stats.refreshFailures - before.refreshFailures).toBe(0);
    const stored = (await stores.tokens.get({ subject, resource })) as TokenSet;
    const fingerprint = await fingerprintToken(stored.accessToken);
    expect(replies.map((reply) => reply.fingerprint)).toEqual(Array(6).fill(fingerprint));
    // No re-consent: no new authorization request was needed for dave.
    expect(demo.authServer.stats.authorizationRequests - before.authorizationRequests).toBe(0);

    // The consent w0 began survives it: completed on w2.
    const callback = await approveConsent(String(pendingConsent.authorizationUrl), { user: "erin" });
    expect(await w2.request({ type: "complete", callbackUrl: callback })).toMatchObject({ completed: true });
    expect(await stores.tokens.get({ subject: "erin", resource: demo.calendar.url })).toBeDefined();
    workers = [w1, w2, w3];
  });
});
