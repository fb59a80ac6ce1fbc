import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PendingAuthInterrupt } from "../resume/pending-auth-interrupts.js";
import { databaseText, openWorld, secretsOf } from "../testing/consent-world.test-helpers.js";
import { lastText } from "../testing/scripted-chat-model.test-helpers.js";

const child = fileURLToPath(new URL("../testing/durable-child.test-helpers.ts", import.meta.url));
let demo: DemoServers;
let dir: string;

beforeAll(async () => {
  demo = await startDemoServers();
  dir = mkdtempSync(join(tmpdir(), "authbus-durable-"));
});

afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the child, waits for its line, SIGKILLs it and waits for it to be gone. */
async function runChildUntilPaused(input: Record<string, unknown>): Promise<PendingAuthInterrupt[]> {
  const proc = spawn(process.execPath, ["--import", "tsx", child, JSON.stringify(input)], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const line = await new Promise<string>((resolve, reject) => {
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf("\n");
      if (end >= 0) resolve(out.slice(0, end));
    });
    proc.on("exit", (code) => reject(new Error(`child exited (${code}) before pausing: ${err}`)));
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on("exit", (_code, signal) => resolve(signal)),
  );
  proc.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  return (JSON.parse(line) as { pending: PendingAuthInterrupt[] }).pending;
}

describe("durable consent", () => {
  it("a process killed while consent is pending; a new process completes the consent and resumes the run", async () => {
    const paths = { storePath: join(dir, "authbus.db"), checkpointPath: join(dir, "checkpoints.db") };
    const urls = { calendar: demo.calendar.url, files: demo.files.url };
    const pending = await runChildUntilPaused({
      urls,
      ...paths,
      subject: "frank",
      threadId: "frank-1",
      text: "what's on my calendar",
    });
    expect(pending).toHaveLength(1);
    expect(demo.calendar.callCount("list_events")).toBe(0);

    const callback = await approveConsent(pending[0]?.value.authorizationUrl ?? "", { user: "frank" });
    const world = openWorld({ urls, ...paths });
    try {
      const result = await world.consents.complete(callback);
      expect(result.consentId).toBe(pending[0]?.consentId);
      const rig = world.agentFor("frank");
      expect(await rig.pending("frank-1")).toHaveLength(1);
      const done = await rig.resume("frank-1", result.consentId, result.outcome);
      expect(lastText(done.messages as never)).toContain("Team standup");
      expect(demo.calendar.callCount("list_events")).toBe(1);
      expect(await rig.pending("frank-1")).toEqual([]);

      const tokens = await world.stores.tokens.get({ subject: "frank", resource: demo.calendar.url });
      const checkpoints = databaseText(paths.checkpointPath);
      for (const secret of secretsOf([tokens])) {
        expect(checkpoints.includes(secret)).toBe(false);
        expect(JSON.stringify(world.events).includes(secret)).toBe(false);
      }
    } finally {
      await world.close();
    }
  });
});
