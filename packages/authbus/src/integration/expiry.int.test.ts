/**
 * A consent nobody answers: its expiry (a timer armed inside the paused run) resumes the
 * waiting thread in the same process, as a fresh run, with the expiry.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
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
  dir = mkdtempSync(join(tmpdir(), "authbus-expiry-"));
  app = openMailApp({
    mailUrl: servers.mail.url,
    storePath: join(dir, "authbus.db"),
    checkpointPath: join(dir, "checkpoints.db"),
    consent: { ttlSeconds: 1 },
  });
  await app.authbus.attach(app.agent);
});

afterAll(async () => {
  await app?.close();
  await servers?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("consent expiry", () => {
  it("resumes the waiting thread with the expiry, once", async () => {
    await app.ask("x-1", "xena", "use whoami", "session-xena");
    const [card] = await app.pending("x-1");
    expect(card?.consentId).toBeDefined();
    await expect
      .poll(async () => lastText(await app.messages("x-1")), { timeout: 30_000, interval: 100 })
      .toMatch(/^sorry: .*expired/i);
    await app.authbus.idle();
    expect(await app.pending("x-1")).toEqual([]);
    expect(await app.stores.waits.listWaits()).toEqual([]);
    expect(servers.mail.callCount("whoami")).toBe(0);
    expect(app.errors).toEqual([]);
  });
});
