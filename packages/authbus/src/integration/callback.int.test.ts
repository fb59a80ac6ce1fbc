/** The fetch handler against the testkit: launch link, callback, two threads, duplicate and cross-session callbacks. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAuthbusError } from "@authbus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  consentAs,
  type MailApp,
  type MailServers,
  openMailApp,
  startMailServers,
} from "../testing/mail-world.test-helpers.js";
import { lastText } from "../testing/scripted-model.test-helpers.js";

let servers: MailServers;
let app: MailApp;
let dir: string;

beforeAll(async () => {
  servers = await startMailServers();
  dir = mkdtempSync(join(tmpdir(), "authbus-callback-"));
  app = openMailApp({
    mailUrl: servers.mail.url,
    storePath: join(dir, "authbus.db"),
    checkpointPath: join(dir, "checkpoints.db"),
  });
  await app.authbus.attach(app.agent);
});

afterAll(async () => {
  await app?.close();
  await servers?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("authbus.fetch", () => {
  it("completes a consent and resumes both threads waiting on it exactly once, even when the callback comes twice", async () => {
    const session = "session-alice-1";
    await app.ask("a-1", "alice", "use whoami", session);
    await app.ask("a-2", "alice", "use read_inbox", session);
    const [first] = await app.pending("a-1");
    const [second] = await app.pending("a-2");
    expect(first?.consentId).toBeDefined();
    expect(second?.consentId).toBe(first?.consentId);
    expect(first?.value.authorizationUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/app\/consents\/[^/]+\/authorize$/,
    );
    expect((await app.stores.waits.findWaits(first?.consentId ?? "")).map((w) => w.threadId)).toEqual([
      "a-1",
      "a-2",
    ]);

    const callback = await consentAs(app.authbus, first?.value.authorizationUrl ?? "", "alice", { session });
    const [once, twice] = await Promise.all([
      app.authbus.fetch(new Request(callback), { session }),
      app.authbus.fetch(new Request(callback), { session }),
    ]);
    expect([once.status, twice.status].sort()).toEqual([200, 400]);
    const again = await app.authbus.fetch(new Request(callback), { session });
    expect(again.status).toBe(400);
    await app.authbus.idle();

    expect(lastText(await app.messages("a-1"))).toBe("done: you are alice");
    expect(lastText(await app.messages("a-2"))).toBe("done: inbox of alice");
    expect(servers.mail.callCount("whoami")).toBe(1);
    expect(servers.mail.callCount("read_inbox")).toBe(1);
    expect(await app.pending("a-1")).toEqual([]);
    expect(await app.stores.waits.findWaits(first?.consentId ?? "")).toEqual([]);
    // A late resume of the same consent finds nobody waiting and runs nothing.
    expect((await app.authbus.resume(first?.consentId ?? "")).threads).toEqual([]);
    expect(servers.mail.callCount("whoami")).toBe(1);
  });

  it("refuses a launch link or a callback from another session, and changes nothing", async () => {
    const session = "session-bob-1";
    await app.ask("b-1", "bob", "use whoami", session);
    const [card] = await app.pending("b-1");
    const launchUrl = card?.value.authorizationUrl ?? "";

    const stolen = await app.authbus.fetch(new Request(launchUrl), { session: "session-mallory" });
    expect(stolen.status).toBe(403);
    expect(await stolen.text()).toContain("not yours");
    expect((await app.authbus.fetch(new Request(launchUrl))).status).toBe(403);

    // The attacker's browser runs the flow; the victim's browser delivers the callback (login CSRF).
    const callback = await consentAs(app.authbus, launchUrl, "mallory", { session });
    const exchanges = servers.authServer.stats.tokenRequests;
    const planted = await app.authbus.fetch(new Request(callback), { session: "session-mallory" });
    expect(planted.status).toBe(403);
    expect(servers.authServer.stats.tokenRequests).toBe(exchanges);
    expect((await app.authbus.consents.get(card?.consentId ?? ""))?.status).toBe("pending");
    expect(await app.stores.tokens.get({ subject: "bob", resource: servers.mail.url })).toBeUndefined();
    expect(await app.pending("b-1")).toHaveLength(1);
    const denied = await app.authbus
      .deny(card?.consentId ?? "", { session: "session-mallory" })
      .catch((e: unknown) => e);
    expect(isAuthbusError(denied, "CONSENT_SESSION_MISMATCH")).toBe(true);
    expect((await app.authbus.consents.get(card?.consentId ?? ""))?.status).toBe("pending");

    // Bob's own session completes it.
    const own = await consentAs(app.authbus, launchUrl, "bob", { session });
    expect((await app.authbus.fetch(new Request(own), { session })).status).toBe(200);
    await app.authbus.idle();
    expect(lastText(await app.messages("b-1"))).toBe("done: you are bob");
  });

  it("denied on the card: the thread resumes with an explanation", async () => {
    const session = "session-carol-1";
    await app.ask("c-1", "carol", "use whoami", session);
    const [card] = await app.pending("c-1");
    const report = await app.authbus.deny(card?.consentId ?? "", { session, subject: "carol" });
    expect(report).toMatchObject({ outcome: "denied", threads: ["c-1"] });
    await app.authbus.idle();
    expect(lastText(await app.messages("c-1"))).toContain("declined");
  });

  it("answers 404 elsewhere, and 410 for an unknown consent", async () => {
    expect((await app.authbus.fetch(new Request("http://127.0.0.1:9/app/other"))).status).toBe(404);
    expect(
      (await app.authbus.fetch(new Request("http://127.0.0.1:9/app/consents/nope/authorize"))).status,
    ).toBe(410);
    const forged = await app.authbus.fetch(
      new Request("http://127.0.0.1:9/app/oauth/callback?code=x&state=forged"),
    );
    expect(forged.status).toBe(400);
  });
});
