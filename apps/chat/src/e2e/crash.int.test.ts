/**
 * SIGKILL of the chat process, in a real browser (Chromium). The chat runs as a child process
 * over SQLite stores in a temp folder, on a fixed port; the authorization server and the MCP
 * servers run here, so they outlive every kill. The process is killed (a) while a card waits
 * for the callback, (b) right after a callback settled the consent, before the resumed run saved
 * anything, and (c) while tool calls run on the server. After each restart every thread comes to
 * one answer in the page, no card is left, and no tool with side effects ran twice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AuthServer,
  type ProtectedMCPServer,
  startAuthServer,
  startProtectedMCPServer,
} from "@authbus/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  approveInPopup,
  ask,
  authorizeInPopup,
  type ChatProcess,
  type ChatProcessInput,
  card,
  freePort,
  haveChromium,
  lastAnswer,
  launchChromium,
  outcomeOf,
  shot,
  startChatProcess,
  threadOf,
  viewOf,
  WAIT,
} from "./browser.test-helpers.js";

const EVENTS = [{ title: "Team standup", start: "2026-01-05T09:00:00Z" }];

/** Handlers a test can hold while a call runs on the server. */
const hooks: { listFiles?: () => Promise<void>; deleteFile?: () => Promise<void> } = {};
let authServer: AuthServer;
let calendar: ProtectedMCPServer;
let files: ProtectedMCPServer;
const fileNames = new Set(["notes.txt", "todo.md", "report.pdf"]);
let browser: Browser;
let context: BrowserContext;
let input: ChatProcessInput;
let chat: ChatProcess | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  authServer = await startAuthServer();
  calendar = await startProtectedMCPServer({
    name: "calendar",
    authServer,
    initialScope: ["calendar.read"],
    tools: [
      {
        name: "list_events",
        description: "List the user's upcoming calendar events.",
        scopes: ["calendar.read"],
        annotations: { readOnlyHint: true },
        handler: () => ({ events: EVENTS }),
      },
    ],
  });
  files = await startProtectedMCPServer({
    name: "files",
    authServer,
    initialScope: ["files.read"],
    tools: [
      {
        name: "list_files",
        description: "List the user's files.",
        scopes: ["files.read"],
        annotations: { readOnlyHint: true },
        handler: async () => {
          await hooks.listFiles?.();
          return { files: [...fileNames].map((name) => ({ name, size: 100 })) };
        },
      },
      {
        name: "delete_file",
        description: "Delete one of the user's files by name.",
        scopes: ["files.write"],
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
        inputSchema: { name: z.string() },
        handler: async (args) => {
          await hooks.deleteFile?.();
          const name = String(args.name);
          return fileNames.delete(name) ? `Deleted ${name}.` : `No file named ${name}.`;
        },
      },
    ],
  });
  const dataDir = mkdtempSync(join(tmpdir(), "authbus-chat-crash-"));
  input = {
    servers: {
      calendar: { url: calendar.url, description: "Your calendar" },
      files: { url: files.url, description: "Your files" },
    },
    dataDir,
    port: await freePort(),
  };
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
});

afterAll(async () => {
  await chat?.kill();
  await context?.close();
  await browser?.close();
  await files?.close();
  await calendar?.close();
  await authServer?.close();
  if (input?.dataDir) rmSync(input.dataDir, { recursive: true, force: true });
});

async function restart(options: { crashAt?: "after-settle" } = {}): Promise<ChatProcess> {
  await chat?.kill();
  chat = await startChatProcess(input, options);
  return chat;
}

/** The page is connected to the (new) server's event stream. */
async function live(page: Page): Promise<void> {
  await expect.poll(() => page.locator(".status.online").count(), WAIT).toBe(1);
}

/**
 * After a restart a thread may first wait for the killed process's lease on it to run out
 * (30 s), so convergence gets longer than other waits.
 */
const CONVERGE = { timeout: 120_000, interval: 250 } as const;

/** Every thread came to exactly one answer, with no card and no run left. */
async function settled(page: Page, answer: string): Promise<void> {
  const url = chat?.url ?? "";
  await expect
    .poll(async () => outcomeOf(await viewOf(context, url, threadOf(page))), CONVERGE)
    .toEqual({ answers: [expect.stringContaining(answer)], pending: 0, running: false });
  await expect.poll(() => lastAnswer(page), WAIT).toContain(answer);
  await expect.poll(() => page.locator(".consent-card").count(), WAIT).toBe(0);
  await expect.poll(() => page.getByLabel("Message").isEnabled(), WAIT).toBe(true);
}

describe.skipIf(!haveChromium)("the chat process killed with SIGKILL", () => {
  it("(a) before the callback arrives: after a restart the card still works and the run finishes once", async () => {
    await restart();
    const page = await context.newPage();
    await page.goto(chat?.url ?? "");
    await ask(page, "What's on my calendar?");
    await expect.poll(() => card(page, "calendar").isVisible(), WAIT).toBe(true);
    await shot(page, "crash-a-01-card");

    await restart();
    await live(page);
    await expect.poll(() => card(page, "calendar").isVisible(), WAIT).toBe(true);
    await authorizeInPopup(page, "calendar", "alice", "crash-a-02");
    await settled(page, "Team standup");
    expect(calendar.callCount("list_events")).toBe(1);
    await shot(page, "crash-a-03-answer");
    await page.close();
  }, 300_000);

  it("(b) right after the callback settled the consent: the restart resumes the thread, once", async () => {
    await restart({ crashAt: "after-settle" });
    const page = await context.newPage();
    await page.goto(chat?.url ?? "");
    await ask(page, "List my files");
    await expect.poll(() => card(page, "files").isVisible(), WAIT).toBe(true);
    const thread = threadOf(page);
    const [pending] = (await viewOf(context, chat?.url ?? "", thread)).pending;

    // The callback settles the consent, and the process dies on the spot.
    const dying = chat;
    const popup = await approveInPopup(page, "files", "alice", "crash-b-01");
    expect(await dying?.exited).toBe("SIGKILL");
    await popup.close().catch(() => undefined);
    expect(files.callCount("list_files")).toBe(0);
    await shot(page, "crash-b-02-dead");

    // The consent is granted in the store; the new process resumes the waiting thread itself.
    await restart();
    await live(page);
    await settled(page, "notes.txt");
    expect(files.callCount("list_files")).toBe(1);
    // The old card's link is over now.
    const link = await context.request.get(pending?.authorizationUrl ?? "", { maxRedirects: 0 });
    expect(link.status()).toBe(410);
    await shot(page, "crash-b-03-answer");
    await page.close();
  }, 300_000);

  it("(c) while tool calls run: the read-only call runs again, the deletion is not retried", async () => {
    await restart();
    // Deleting needs files.write: a step-up first, on the thread that will delete.
    const deleter = await context.newPage();
    await deleter.goto(chat?.url ?? "");
    await ask(deleter, "Delete todo.md");
    await expect.poll(() => card(deleter, "files").isVisible(), WAIT).toBe(true);
    // Run alone, the files server is not connected yet: first the connect card, then the step-up.
    if (!(await card(deleter, "files").textContent())?.includes("files.write")) {
      await authorizeInPopup(deleter, "files", "alice", "crash-c-00");
    }
    await expect
      .poll(
        () =>
          card(deleter, "files")
            .textContent({ timeout: 1_000 })
            .catch(() => ""),
        WAIT,
      )
      .toContain("files.write");

    // Both calls are held on the server once they arrive.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entered = { list: false, delete: false };
    hooks.listFiles = async () => {
      entered.list = true;
      await held;
    };
    hooks.deleteFile = async () => {
      entered.delete = true;
      await held;
    };
    const lister = await context.newPage();
    await lister.goto(chat?.url ?? "");
    await ask(lister, "List my files");
    await authorizeInPopup(deleter, "files", "alice", "crash-c-01");
    await expect.poll(() => entered, WAIT).toEqual({ list: true, delete: true });
    await shot(deleter, "crash-c-02-running");
    const listsBefore = files.callCount("list_files");
    expect(files.callCount("delete_file")).toBe(1);

    // Killed mid-call; the server then finishes the deletion for nobody.
    await chat?.kill();
    release();
    hooks.listFiles = undefined;
    hooks.deleteFile = undefined;
    await expect.poll(() => fileNames.has("todo.md"), WAIT).toBe(false);

    await restart();
    await live(deleter);
    await live(lister);
    await settled(deleter, "was not retried");
    await settled(lister, "notes.txt");
    expect(files.callCount("delete_file")).toBe(1);
    expect(files.callCount("list_files")).toBe(listsBefore + 1);
    // The person is told in plain words; the tool's note to the model is not shown.
    expect(await lastAnswer(deleter)).toContain("may already have taken effect");
    expect(await lastAnswer(deleter)).not.toContain("Tell the user");
    await shot(deleter, "crash-c-03-not-retried");
    await shot(lister, "crash-c-04-listed");

    // A further restart does nothing twice.
    await restart();
    await live(deleter);
    await settled(deleter, "was not retried");
    await settled(lister, "notes.txt");
    expect(files.callCount("delete_file")).toBe(1);
    expect(files.callCount("list_files")).toBe(listsBefore + 1);
  }, 300_000);
});
