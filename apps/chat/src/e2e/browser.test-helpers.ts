/**
 * @module Shared by the browser tests: Chromium (Debian's, driven by playwright-core), the chat
 * page's controls, consent on the test authorization server's pages as a person would, and the
 * chat server run as a child process that a test can SIGKILL and start again.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import type { ThreadView } from "../shared/thread-view.js";

export const appRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const webRoot = join(appRoot, "dist", "web");
export const artifacts = join(appRoot, "artifacts", "e2e");
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** CI always has Chromium (.ci/run installs it); elsewhere the suites say why they did not run. */
export const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.CI)
  throw new Error(`Chromium not found at ${chromiumPath}; .ci/run installs it`);

/** Generous: other test suites share the two cores. */
export const WAIT = { timeout: 45_000, interval: 100 } as const;

export async function launchChromium(): Promise<Browser> {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`) }).catch(() => undefined);
}

/** Types a message once the composer takes one, and sends it. */
export async function ask(page: Page, text: string): Promise<void> {
  const input = page.getByLabel("Message");
  await expect.poll(() => input.isEnabled(), WAIT).toBe(true);
  await input.fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

export function card(page: Page, serverName: string) {
  return page.getByRole("region", { name: `Consent for ${serverName}` });
}

export async function lastAnswer(page: Page): Promise<string> {
  return ((await page.locator(".message.assistant").last().textContent()) ?? "").trim();
}

/** The page's thread id (from its URL). */
export function threadOf(page: Page): string {
  const thread = new URL(page.url()).searchParams.get("thread");
  if (!thread) throw new Error(`no thread in ${page.url()}`);
  return thread;
}

/** A browser context signed in as `user` (demo mode: any name), on a new conversation. */
export async function signedIn(
  browser: Browser,
  url: string,
  user: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  const page = await context.newPage();
  await page.goto(url);
  const form = page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("User name").fill(user);
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => form.textContent(), WAIT).toContain(`signed in as ${user}`);
  await page.waitForURL(/\?thread=/);
  return { context, page };
}

/** The thread as the HTTP API shows it to this browser context (its own session cookie). */
export async function viewOf(context: BrowserContext, url: string, thread: string): Promise<ThreadView> {
  const response = await context.request.get(`${url}api/threads/${thread}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as ThreadView;
}

/** Logs in as `user` and answers on the authorization server's own pages, as a person would. */
export async function consentOnPages(
  page: Page,
  decision: "approve" | "deny",
  user: string,
  name: string,
): Promise<void> {
  // The authorization server remembers a login for a while: the login form only shows the first time.
  await page.locator(`#login, #${decision}`).first().waitFor({ timeout: WAIT.timeout });
  if (await page.locator("#login").isVisible()) {
    await page.locator("#login").fill(user);
    await shot(page, `${name}-login`);
    await page.locator("#sign-in").click();
  }
  await page.locator(`#${decision}`).waitFor({ timeout: WAIT.timeout });
  await shot(page, `${name}-consent`);
  await page.locator(`#${decision}`).click();
}

/** Clicks the card's Authorize and approves in the popup it opens; resolves with the popup. */
export async function approveInPopup(page: Page, serverName: string, user: string, name: string) {
  const popupOpened = page.waitForEvent("popup", { timeout: WAIT.timeout });
  await card(page, serverName).getByRole("button", { name: "Authorize" }).click();
  const popup = await popupOpened;
  await consentOnPages(popup, "approve", user, name);
  return popup;
}

/** {@link approveInPopup}, then waits for the popup to close itself (the callback page does). */
export async function authorizeInPopup(page: Page, serverName: string, user: string, name: string) {
  const popup = await approveInPopup(page, serverName, user, name);
  await popup.waitForEvent("close", { timeout: WAIT.timeout });
}

/**
 * What a conversation came to: after the last user message, the assistant's answers in words
 * (tool-call messages left out), whether a card or a run is left, and the error shown.
 */
export function outcomeOf(view: ThreadView): { answers: string[]; pending: number; running: boolean } {
  const lastUser = view.messages.findLastIndex((message) => message.role === "user");
  const answers = view.messages
    .slice(lastUser + 1)
    .filter((message) => message.role === "assistant" && message.text.trim() !== "")
    .map((message) => message.text);
  return { answers, pending: view.pending.length, running: view.running };
}

/** A free port on 127.0.0.1 (the chat's redirect URI must stay the same across restarts). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** What the chat child process is started with (see `chat-process.test-helpers.ts`). */
export interface ChatProcessInput {
  servers: Record<string, { url: string; description?: string }>;
  dataDir: string;
  port: number;
}

/** The chat server in a child process. */
export interface ChatProcess {
  url: string;
  proc: ChildProcess;
  /** Resolves with the signal the process died of (or its exit code). */
  exited: Promise<NodeJS.Signals | number | null>;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** SIGKILL, then waits for it to be gone. */
  kill(): Promise<void>;
}

const childScript = fileURLToPath(new URL("./chat-process.test-helpers.ts", import.meta.url));

/**
 * Starts the chat in a child process (`node --import tsx`), and resolves once it listens.
 * `crashAt: "after-settle"` sets `AUTHBUS_TEST_CRASH_AT`: the process SIGKILLs itself the moment
 * a callback has settled a consent, before any resumed run is saved.
 */
export async function startChatProcess(
  input: ChatProcessInput,
  options: { crashAt?: "after-settle" } = {},
): Promise<ChatProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AUTHBUS_TEST_CRASH_AT;
  if (options.crashAt) env.AUTHBUS_TEST_CRASH_AT = options.crashAt;
  const proc = spawn(process.execPath, ["--import", "tsx", childScript, JSON.stringify(input)], {
    cwd: appRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  let out = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    proc.on("exit", (code, signal) => resolve(signal ?? code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((candidate) => candidate.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((how) =>
      reject(new Error(`the chat process ended (${String(how)}) before listening: ${err}`)),
    );
  });
  return {
    url,
    proc,
    exited,
    stderr: () => err,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}
