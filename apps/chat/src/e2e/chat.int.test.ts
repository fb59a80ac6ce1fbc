/**
 * End-to-end: the chat in a real browser (Debian's Chromium via playwright-core) against the
 * testkit's real authorization server and MCP servers. Screenshots of each step go to
 * apps/chat/artifacts/e2e/.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openSqliteStores } from "@authbus/oauth/sqlite";
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChatApp } from "../server/start-chat-app.js";

const appRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifacts = join(appRoot, "artifacts", "e2e");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// CI always has Chromium (.ci/run installs it); elsewhere the suite says why it did not run.
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.CI)
  throw new Error(`Chromium not found at ${chromiumPath}; .ci/run installs it`);

let demo: DemoServers;
let app: ChatApp;
let browser: Browser;
let context: BrowserContext;
let dataDir: string;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

async function ask(page: Page, text: string): Promise<void> {
  const input = page.getByLabel("Message");
  await expect.poll(() => input.isEnabled(), { timeout: 20_000 }).toBe(true);
  await input.fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

function card(page: Page, serverName: string) {
  return page.getByRole("region", { name: `Consent for ${serverName}` });
}

/** Logs in and answers on the authorization server's own pages, as a person would. */
async function consentInPopup(popup: Page, decision: "approve" | "deny", name: string): Promise<void> {
  // The authorization server remembers a login for a while: the login form only shows the first time.
  await popup.locator(`#login, #${decision}`).first().waitFor();
  if (await popup.locator("#login").isVisible()) {
    await popup.locator("#login").fill("alice");
    await shot(popup, `${name}-login`);
    await popup.locator("#sign-in").click();
  }
  await popup.locator(`#${decision}`).waitFor();
  await shot(popup, `${name}-consent`);
  await popup.locator(`#${decision}`).click();
}

async function authorizeInPopup(page: Page, serverName: string, name: string): Promise<void> {
  const popupOpened = page.waitForEvent("popup");
  await card(page, serverName).getByRole("button", { name: "Authorize" }).click();
  const popup = await popupOpened;
  await consentInPopup(popup, "approve", name);
  await popup.waitForEvent("close", { timeout: 20_000 });
}

async function lastAnswer(page: Page): Promise<string> {
  return ((await page.locator(".message.assistant").last().textContent()) ?? "").trim();
}

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "authbus-chat-e2e-"));
  demo = await startDemoServers();
  app = await startChatApp({
    servers: {
      calendar: { url: demo.calendar.url, description: "Your calendar" },
      files: { url: demo.files.url, description: "Your files" },
    },
    dataDir,
    webRoot: join(appRoot, "dist", "web"),
  });
  browser = await chromium.launch({
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
  context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
  await demo?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)(`chat app in a browser (needs Chromium at ${chromiumPath})`, () => {
  it("asks a new user for consent and explains a denial", async () => {
    const page = await context.newPage();
    await page.goto(app.url);
    await ask(page, "What's on my calendar?");
    await expect.poll(() => card(page, "calendar").isVisible(), { timeout: 20_000 }).toBe(true);
    const text = await card(page, "calendar").textContent();
    expect(text).toContain("First time");
    expect(text).toContain("See your calendar events");
    await shot(page, "01-consent-card");

    // The interrupt (and so the checkpoint) holds the app's launch link, not the state-bearing URL.
    const threadId = new URL(page.url()).searchParams.get("thread");
    const view = (await (await fetch(`${app.url}api/threads/${threadId}`)).json()) as {
      pending: { authorizationUrl: string; reason: string; scopes: string[] }[];
    };
    expect(view.pending).toHaveLength(1);
    expect(view.pending[0]?.authorizationUrl).toMatch(new RegExp(`^${app.url}consents/[^/]+/authorize$`));
    expect(view.pending[0]?.reason).toBe("missing_token");
    expect(view.pending[0]?.scopes).toContain("calendar.read");

    await card(page, "calendar").getByRole("button", { name: "Deny" }).click();
    await expect
      .poll(() => lastAnswer(page), { timeout: 20_000 })
      .toContain("You declined access to calendar");
    expect(await card(page, "calendar").count()).toBe(0);
    await shot(page, "02-denied");
    await page.close();
  });

  it("falls back to a full-page redirect when the popup is blocked, and returns to the conversation", async () => {
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.open = () => null;
    });
    await page.goto(app.url);
    await page.waitForURL(/\?thread=/);
    const threadUrl = page.url();
    await ask(page, "What's on my calendar?");
    await expect.poll(() => card(page, "calendar").isVisible(), { timeout: 20_000 }).toBe(true);
    await card(page, "calendar").getByRole("button", { name: "Authorize" }).click();
    await consentInPopup(page, "approve", "03-redirect");
    await page.waitForURL(threadUrl, { timeout: 20_000 });
    await expect.poll(() => lastAnswer(page), { timeout: 20_000 }).toContain("Team standup");
    expect(await lastAnswer(page)).toContain("Here is what's on your calendar");
    await shot(page, "04-calendar-answer");
    await page.close();
  });

  it("keeps the conversation and the pending card across a reload, then carries on after consent in a popup", async () => {
    const page = await context.newPage();
    await page.goto(app.url);
    await ask(page, "List my files");
    await expect.poll(() => card(page, "files").isVisible(), { timeout: 20_000 }).toBe(true);
    await page.reload();
    await expect.poll(() => card(page, "files").isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.locator(".message.user").textContent()).toContain("List my files");
    await shot(page, "05-card-after-reload");

    await authorizeInPopup(page, "files", "06-files");
    await expect.poll(() => lastAnswer(page), { timeout: 20_000 }).toContain("notes.txt");
    await shot(page, "07-files-answer");

    // Step-up: deleting needs files.write, which the first consent did not grant.
    await ask(page, "Delete notes.txt");
    await expect
      .poll(() => card(page, "files").isVisible(), { timeout: 20_000 })
      .toBe(true)
      .catch(async (error: unknown) => {
        await shot(page, "08-step-up-card-missing");
        throw error;
      });
    const stepUp = await card(page, "files").textContent();
    expect(stepUp).toContain("needs more access");
    expect(stepUp).toContain("files.write");
    await shot(page, "08-step-up-card");
    await authorizeInPopup(page, "files", "09-step-up");
    await expect.poll(() => lastAnswer(page), { timeout: 20_000 }).toContain("Deleted notes.txt");
    expect(demo.fileNames()).not.toContain("notes.txt");
    expect(demo.files.callCount("delete_file")).toBe(1);
    await shot(page, "10-deleted");

    // The side panel shows the bus events, with fingerprints only.
    const panel = await page.getByRole("complementary", { name: "Auth events" }).textContent();
    expect(panel).toContain("consent.granted");
    expect(panel).toMatch(/fp_[A-Za-z0-9_-]{12}/);
  });

  it("shares tokens between two tabs of the same user", async () => {
    const tab = await context.newPage();
    await tab.goto(app.url);
    await ask(tab, "What's on my calendar?");
    await expect.poll(() => lastAnswer(tab), { timeout: 20_000 }).toContain("Team standup");
    expect(await card(tab, "calendar").count()).toBe(0);
    await shot(tab, "11-second-tab");
    await tab.close();
  });

  it("keeps every token out of checkpoints, the thread index and the page", async () => {
    await app.idle();
    const events = JSON.stringify(app.busEvents());
    expect(events).toContain("consent.granted");
    const pageText = await (await fetch(`${app.url}api/threads/e2eprobe0000`)).text();
    await app.close();
    const stores = openSqliteStores({ path: join(dataDir, "authbus.db"), development: true });
    const secrets: string[] = [];
    for (const server of [demo.calendar, demo.files]) {
      const tokens = await stores.tokens.get({ subject: "demo-user", resource: server.url });
      expect(tokens?.accessToken).toBeTruthy();
      if (tokens?.accessToken) secrets.push(tokens.accessToken);
      if (tokens?.refreshToken) secrets.push(tokens.refreshToken);
    }
    stores.close();
    const files = readdirSync(dataDir).filter((name) => !name.startsWith("authbus.db"));
    expect(files.some((name) => name.startsWith("checkpoints.db"))).toBe(true);
    for (const name of files) {
      const bytes = readFileSync(join(dataDir, name)).toString("latin1");
      for (const secret of secrets) expect(bytes.includes(secret), `${name} holds a token`).toBe(false);
      expect(bytes.includes("code_challenge="), `${name} holds an authorization URL`).toBe(false);
    }
    for (const secret of secrets) {
      expect(pageText.includes(secret)).toBe(false);
      expect(events.includes(secret)).toBe(false);
    }
  });
});
