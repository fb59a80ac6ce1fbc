import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprintToken, type TokenSet } from "@authbus/core";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type TestWorker } from "../../testing/cluster.test-helpers.js";
import { openSqliteStores } from "./open-sqlite-stores.js";

const secret = "two-processes-test-secret-0123456789abcdef";
let demo: DemoServers;
let dir: string;

beforeAll(async () => {
  demo = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "authbus-two-processes-"));
});

afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("two processes sharing one SQLite file", () => {
  it("20 concurrent refreshes split between them spend one grant", async () => {
    const path = join(dir, "shared.db");
    const workers: TestWorker[] = await Promise.all(
      [0, 1].map((index) =>
        startWorker({
          name: `sqlite-${index}`,
          store: { kind: "sqlite", path },
          secret,
          redirectUri: "http://127.0.0.1:9/callback",
          leaseTtlMs: 15_000,
        }),
      ),
    );
    try {
      const [first] = workers as [TestWorker];
      const subject = "alice";
      const resource = demo.files.url;
      const begun = await first.request({ type: "begin", subject, serverName: "files", resource });
      const callback = await approveConsent(String(begun.authorizationUrl), { user: subject });
      expect(await first.request({ type: "complete", callbackUrl: callback })).toMatchObject({
        completed: true,
      });
      const stores = openSqliteStores({ path, secret });
      try {
        const stale = (await stores.tokens.get({ subject, resource })) as TokenSet;
        const before = { ...demo.authServer.stats };
        const replies = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            workers[index % 2]?.request({ type: "refresh", subject, resource, stale }),
          ),
        );
        expect(demo.authServer.stats.refreshRequests - before.refreshRequests).toBe(1);
        expect(demo.authServer.stats.refreshFailures - before.refreshFailures).toBe(0);
        const stored = (await stores.tokens.get({ subject, resource })) as TokenSet;
        expect(stored.refreshToken).not.toBe(stale.refreshToken);
        const fingerprint = await fingerprintToken(stored.accessToken);
        expect(replies.map((reply) => reply?.ok && reply.fingerprint)).toEqual(Array(20).fill(fingerprint));
      } finally {
        stores.close();
      }
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  });

  it("both processes racing one callback: the code is exchanged once, one completes, the tokens are stored once", async () => {
    const path = join(dir, "callbacks.db");
    const workers = await Promise.all(
      [0, 1].map((index) =>
        startWorker({
          name: `sqlite-callback-${index}`,
          store: { kind: "sqlite", path },
          secret,
          redirectUri: "http://127.0.0.1:9/callback",
          leaseTtlMs: 15_000,
        }),
      ),
    );
    try {
      const [first, second] = workers as [TestWorker, TestWorker];
      const resource = demo.files.url;
      const subjects = ["carol", "dave", "erin", "frank"];
      // Several consents at once, each callback sent to both processes together (two tabs, a reload).
      const callbacks = await Promise.all(
        subjects.map(async (subject, index) => {
          const begun = await workers[index % 2]?.request({
            type: "begin",
            subject,
            serverName: "files",
            resource,
          });
          return approveConsent(String(begun?.authorizationUrl), { user: subject });
        }),
      );
      const before = { ...demo.authServer.stats };
      const issuedBefore = demo.authServer.issuedAccessTokens.length;
      const replies = await Promise.all(
        callbacks.map((callbackUrl) =>
          Promise.all([
            first.request({ type: "complete", callbackUrl }),
            second.request({ type: "complete", callbackUrl }),
          ]),
        ),
      );
      for (const pair of replies) {
        expect(pair.filter((reply) => reply.completed)).toHaveLength(1);
        const loser = pair.find((reply) => !reply.completed);
        expect(loser).toMatchObject({ ok: true, code: "CONSENT_STATE" });
        expect(["in_progress", "settled"]).toContain(loser?.problem);
      }
      // The authorization server saw one code exchange per consent and issued one token each.
      expect(demo.authServer.stats.tokenRequests - before.tokenRequests).toBe(subjects.length);
      expect(demo.authServer.issuedAccessTokens.length - issuedBefore).toBe(subjects.length);
      // Each subject's tokens were written once (every write moves the version on).
      const db = new Database(path, { readonly: true });
      try {
        const versions = db
          .prepare<[string], { subject: string; version: number }>(
            "SELECT subject, version FROM authbus_token_leases WHERE resource = ? ORDER BY subject",
          )
          .all(resource)
          .filter((row) => subjects.includes(row.subject));
        expect(versions).toEqual(subjects.map((subject) => ({ subject, version: 1 })));
      } finally {
        db.close();
      }
      const stores = openSqliteStores({ path, secret });
      try {
        for (const subject of subjects) expect(await stores.tokens.get({ subject, resource })).toBeDefined();
      } finally {
        stores.close();
      }
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  });
});
