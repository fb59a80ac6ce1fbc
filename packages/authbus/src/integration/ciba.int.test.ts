/**
 * CIBA through `createAuthbus`: a consent sent to the person's phone resumes every thread
 * waiting on it once the person answers there, with no callback and no app route involved,
 * also after the process that began it is gone.
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
let dir: string;
const opened: MailApp[] = [];

beforeAll(async () => {
  servers = await startMailServers({ polling: { interval: 1 } });
  dir = mkdtempSync(join(tmpdir(), "authbus-ciba-"));
});

afterAll(async () => {
  for (const app of opened) await app.close();
  await servers?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An app whose every consent goes through CIBA, the login hint being the user name. */
function openCibaApp(name: string): MailApp {
  const app = openMailApp({
    mailUrl: servers.mail.url,
    storePath: join(dir, `${name}.db`),
    checkpointPath: join(dir, `${name}-checkpoints.db`),
    consent: {
      channel: () => "ciba",
      loginHint: (subject) => subject,
      bindingMessage: ({ subject }) => `MAIL-${subject.toUpperCase()}`,
    },
  });
  opened.push(app);
  return app;
}

const pendingRequest = (loginHint: string) =>
  servers.authServer.backchannelRequests().find((r) => r.loginHint === loginHint && r.status === "pending");

describe("CIBA consent through createAuthbus", () => {
  it("resumes both waiting threads once when the person approves on their phone, without any callback", async () => {
    const app = openCibaApp("approve");
    await app.authbus.attach(app.agent);
    const session = "session-carol";
    const whoamiBefore = servers.mail.callCount("whoami");
    await app.ask("c-1", "carol", "use whoami", session);
    await app.ask("c-2", "carol", "use read_inbox", session);
    const [card] = await app.pending("c-1");
    const [same] = await app.pending("c-2");
    expect(card?.value.channel).toBe("ciba");
    expect(card?.value.bindingMessage).toBe("MAIL-CAROL");
    expect(same?.consentId).toBe(card?.consentId);
    expect(pendingRequest("carol")?.bindingMessage).toBe("MAIL-CAROL");

    // The person approves out of band; nothing calls authbus.fetch or resume().
    await servers.authServer.approveBackchannel("carol");
    await expect
      .poll(async () => lastText(await app.messages("c-1")), { timeout: 30_000, interval: 100 })
      .toBe("done: you are carol");
    await expect
      .poll(async () => lastText(await app.messages("c-2")), { timeout: 30_000, interval: 100 })
      .toBe("done: inbox of carol");
    await app.authbus.idle();
    expect(await app.pending("c-1")).toEqual([]);
    expect(await app.pending("c-2")).toEqual([]);
    expect(servers.mail.callCount("whoami")).toBe(whoamiBefore + 1);
    expect(await app.stores.waits.findWaits(card?.consentId ?? "")).toEqual([]);
    expect((await app.authbus.consents.get(card?.consentId ?? ""))?.status).toBe("granted");
    // Resumed once: a later recover() finds nothing to do.
    expect(await app.authbus.recover()).toEqual({ resumed: [], continued: [], pending: [] });
    expect(servers.mail.callCount("whoami")).toBe(whoamiBefore + 1);
    expect(app.errors).toEqual([]);
  });

  it("a denial on the phone resumes the thread with the denial", async () => {
    const app = openCibaApp("deny");
    await app.authbus.attach(app.agent);
    await app.ask("d-1", "dora", "use whoami", "session-dora");
    const [card] = await app.pending("d-1");
    expect(card?.value.channel).toBe("ciba");
    await servers.authServer.approveBackchannel("dora", { approve: false });
    await expect
      .poll(async () => lastText(await app.messages("d-1")), { timeout: 30_000, interval: 100 })
      .toMatch(/^sorry: .*(declined|denied)/i);
    await app.authbus.idle();
    expect(await app.pending("d-1")).toEqual([]);
    expect(app.errors).toEqual([]);
  });

  it("a new process over the same stores waits on a CIBA consent the previous one began, and resumes the thread", async () => {
    const first = openCibaApp("restart");
    await first.authbus.attach(first.agent);
    await first.ask("r-1", "rene", "use whoami", "session-rene");
    const [card] = await first.pending("r-1");
    expect(card?.value.channel).toBe("ciba");
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const second = openCibaApp("restart");
    const report = await second.authbus.attach(second.agent);
    expect(report.pending).toEqual([card?.consentId]);
    await servers.authServer.approveBackchannel("rene");
    await expect
      .poll(async () => lastText(await second.messages("r-1")), { timeout: 30_000, interval: 100 })
      .toBe("done: you are rene");
    await second.authbus.idle();
    expect(await second.stores.waits.listWaits()).toEqual([]);
    expect(second.errors).toEqual([]);
  });
});
