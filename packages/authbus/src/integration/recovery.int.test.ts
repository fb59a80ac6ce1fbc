/**
 * Crash safety: a process SIGKILLed while a thread waits for consent, or while tool calls run;
 * a new `createAuthbus` over the same SQLite stores and checkpoints finishes what it left.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PendingAuthInterrupt } from "@authbus/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  consentAs,
  type MailServers,
  openMailApp,
  startMailServers,
} from "../testing/mail-world.test-helpers.js";
import { lastText } from "../testing/scripted-model.test-helpers.js";

const childScript = fileURLToPath(new URL("../testing/crash-child.test-helpers.ts", import.meta.url));
let servers: MailServers;
let dir: string;

beforeAll(async () => {
  servers = await startMailServers();
  dir = mkdtempSync(join(tmpdir(), "authbus-recovery-"));
});

afterAll(async () => {
  await servers?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  /** The next JSON line the child prints. */
  line(): Promise<Record<string, unknown>>;
  kill(): Promise<void>;
}

function startChild(input: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", childScript, JSON.stringify(input)], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  proc.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  proc.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (let end = out.indexOf("\n"); end >= 0; end = out.indexOf("\n")) {
      const line = out.slice(0, end);
      out = out.slice(end + 1);
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on("exit", (_code, signal) => resolve(signal)),
  );
  return {
    proc,
    line: () =>
      new Promise((resolve, reject) => {
        const ready = lines.shift();
        if (ready !== undefined) return resolve(JSON.parse(ready) as Record<string, unknown>);
        waiting.push((line) => resolve(JSON.parse(line) as Record<string, unknown>));
        void exited.then(() => reject(new Error(`child exited: ${err}`)));
      }),
    async kill() {
      proc.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
    },
  };
}

const paths = (name: string) => ({
  storePath: join(dir, `${name}.db`),
  checkpointPath: join(dir, `${name}-checkpoints.db`),
});

describe("after a crash", () => {
  it("a thread whose consent was answered while the app was down is resumed on start", async () => {
    const files = paths("settled");
    const session = "session-dave";
    const child = startChild({
      mailUrl: servers.mail.url,
      ...files,
      runs: [{ threadId: "d-1", subject: "dave", session, text: "use whoami" }],
    });
    await child.line();
    const { pending } = (await child.line()) as { pending: PendingAuthInterrupt[] };
    await child.kill();
    expect(pending).toHaveLength(1);

    // A process that completes the callback and dies before resuming anyone (no graph attached).
    const dying = openMailApp({ mailUrl: servers.mail.url, ...files });
    const callback = await consentAs(dying.authbus, pending[0]?.value.authorizationUrl ?? "", "dave", {
      session,
    });
    expect((await dying.authbus.fetch(new Request(callback), { session })).status).toBe(200);
    await dying.authbus.idle();
    await dying.close();
    expect(servers.mail.callCount("whoami")).toBe(0);

    const app = openMailApp({ mailUrl: servers.mail.url, ...files });
    try {
      expect((await app.stores.waits.listWaits()).map((wait) => wait.threadId)).toEqual(["d-1"]);
      const report = await app.authbus.attach(app.agent);
      expect(report.resumed).toEqual([
        { consentId: pending[0]?.consentId, outcome: "granted", threads: ["d-1"] },
      ]);
      expect(lastText(await app.messages("d-1"))).toBe("done: you are dave");
      expect(servers.mail.callCount("whoami")).toBe(1);
      expect(await app.stores.waits.listWaits()).toEqual([]);
      // Starting again resumes nothing twice.
      expect(await app.authbus.recover()).toEqual({ resumed: [], continued: [], pending: [] });
      expect(servers.mail.callCount("whoami")).toBe(1);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it("tool calls a killed process left open: the side-effecting one is answered as interrupted, the read-only one run again", async () => {
    const files = paths("open-calls");
    const session = "session-erin";
    // Erin has consented before.
    const before = openMailApp({ mailUrl: servers.mail.url, ...files });
    await before.authbus.attach(before.agent);
    await before.ask("e-0", "erin", "use whoami", session);
    const [card] = await before.pending("e-0");
    const callback = await consentAs(before.authbus, card?.value.authorizationUrl ?? "", "erin", { session });
    await before.authbus.fetch(new Request(callback), { session });
    await before.authbus.idle();
    expect(lastText(await before.messages("e-0"))).toBe("done: you are erin");
    await before.close();

    // The child is killed while both calls run on the server.
    let entered = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const bothEntered = new Promise<void>((resolve) => {
      const enter = async () => {
        entered += 1;
        if (entered === 2) resolve();
        await held;
      };
      servers.hooks.sendEmail = enter;
      servers.hooks.readInbox = enter;
    });
    const child = startChild({
      mailUrl: servers.mail.url,
      ...files,
      runs: [
        { threadId: "e-1", subject: "erin", session, text: "use send_email" },
        { threadId: "e-2", subject: "erin", session, text: "use read_inbox" },
      ],
    });
    await child.line();
    await bothEntered;
    await child.kill();
    release();
    servers.hooks.sendEmail = undefined;
    servers.hooks.readInbox = undefined;
    expect(servers.mail.callCount("send_email")).toBe(1);
    expect(servers.mail.callCount("read_inbox")).toBe(1);

    const app = openMailApp({ mailUrl: servers.mail.url, ...files });
    try {
      expect((await app.stores.waits.listOpenCalls()).map((call) => call.toolName).sort()).toEqual([
        "read_inbox",
        "send_email",
      ]);
      const report = await app.authbus.attach(app.agent);
      expect(report.continued.sort()).toEqual(["e-1", "e-2"]);
      expect(lastText(await app.messages("e-1"))).toContain("sorry: The call to send_email was interrupted");
      expect(lastText(await app.messages("e-2"))).toBe("done: inbox of erin");
      expect(servers.mail.callCount("send_email")).toBe(1);
      expect(servers.mail.callCount("read_inbox")).toBe(2);
      expect(await app.stores.waits.listOpenCalls()).toEqual([]);
      // Nothing is left to do on the next start.
      expect(await app.authbus.recover()).toEqual({ resumed: [], continued: [], pending: [] });
      expect(servers.mail.callCount("send_email")).toBe(1);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
