/** Twenty users through one agent process: parallel runs and parallel calls, each with only its own tokens. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  dir = mkdtempSync(join(tmpdir(), "authbus-many-"));
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

const users = Array.from({ length: 20 }, (_, index) => `user${String(index + 1).padStart(2, "0")}`);

describe("one agent, twenty users", () => {
  it("each user consents for themselves, and every call carries only that user's token", async () => {
    // Every user asks at once; each run pauses on that user's own consent.
    await Promise.all(users.map((user) => app.ask(`${user}-1`, user, "use whoami", `session-${user}`)));
    const cards = await Promise.all(users.map(async (user) => (await app.pending(`${user}-1`))[0]));
    expect(new Set(cards.map((card) => card?.consentId)).size).toBe(20);
    for (const [index, card] of cards.entries()) {
      const record = await app.stores.consents.get(card?.consentId ?? "");
      expect(record?.subject).toBe(users[index]);
    }

    // Each consents in their own session; the callbacks arrive together.
    const callbacks = await Promise.all(
      users.map((user, index) =>
        consentAs(app.authbus, cards[index]?.value.authorizationUrl ?? "", user, {
          session: `session-${user}`,
        }),
      ),
    );
    const answers = await Promise.all(
      users.map((user, index) =>
        app.authbus.fetch(new Request(callbacks[index] ?? ""), { session: `session-${user}` }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(users.map(() => 200));
    await app.authbus.idle();
    for (const user of users) expect(lastText(await app.messages(`${user}-1`))).toBe(`done: you are ${user}`);

    // Then every user again at once, each run with two parallel calls.
    servers.mail.resetCounters();
    await Promise.all(users.map((user) => app.ask(`${user}-2`, user, "use whoami twice", `session-${user}`)));
    for (const user of users) {
      expect(lastText(await app.messages(`${user}-2`))).toBe(`done: you are ${user} | you are ${user}`);
    }
    expect(servers.mail.callCount("whoami")).toBe(40);
    const received = servers.mail.receivedTokens;
    expect(received).toHaveLength(40);
    expect(received.every((token) => token.accepted)).toBe(true);
    expect(servers.mail.foreignTokens()).toEqual([]);
    // Twenty distinct tokens, each one used for exactly its user's two calls.
    const byToken = new Map<string, number>();
    for (const token of received) byToken.set(token.fingerprint, (byToken.get(token.fingerprint) ?? 0) + 1);
    expect([...byToken.values()]).toEqual(users.map(() => 2));
    expect(app.errors).toEqual([]);
  });
});
