/**
 * End-to-end in a real browser (Debian's Chromium via playwright-core): the testkit's `repos`
 * server needs the person to connect the third-party site Octo and asks with MCP URL-mode
 * elicitation. The chat shows the server's page on a card; the run pauses, and resumes when
 * the server reports completion. Screenshots go to apps/chat/artifacts/e2e/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChatApp } from "../server/start-chat-app.js";

const appRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifacts = join(appRoot, "artifacts", "e2e");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.CI)
  throw new Error(`Chromium not found at ${chromiumPath}; .ci/run installs it`);

let demo: DemoServers;
let app: ChatApp;
let browser: Browser;
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

function card(page: Page) {
  return page.getByRole("region", { name: "Consent for repos" });
}

async function lastAnswer(page: Page): Promise<string> {
  return ((await page.locator(".message.assistant").last().textContent()) ?? "").trim();
}

/** Signs the browser in as `user` (demo mode: any name) and opens a new conversation. */
async function signedInPage(user: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  const page = await context.newPage();
  await page.goto(app.url);
  const response = await page.request.post(`${app.url}api/session`, { data: { user } });
  expect(response.ok()).toBe(true);
  await page.goto(app.url);
  await page.waitForURL(/\?thread=/);
  return page;
}

/** The OAuth consent to `repos` itself, in the popup the card opens, as a person would. */
async function connectRepos(page: Page, user: string, name: string): Promise<void> {
  await expect.poll(() => card(page).isVisible(), { timeout: 20_000 }).toBe(true);
  expect(await card(page).getAttribute("data-channel")).toBeNull();
  const popupOpened = page.waitForEvent("popup");
  await card(page).getByRole("button", { name: "Authorize" }).click();
  const popup = await popupOpened;
  await popup.locator("#login, #approve").first().waitFor();
  if (await popup.locator("#login").isVisible()) {
    await popup.locator("#login").fill(user);
    await popup.locator("#sign-in").click();
  }
  await popup.locator("#approve").waitFor();
  await shot(popup, `${name}-oauth-consent`);
  await popup.locator("#approve").click();
  await popup.waitForEvent("close", { timeout: 20_000 });
}

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(artifacts, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "authbus-chat-elicitation-"));
  demo = await startDemoServers();
  app = await startChatApp({
    servers: { repos: { url: demo.repos.url, description: "Your code repositories on Octo" } },
    dataDir,
    webRoot: join(appRoot, "dist", "web"),
  });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await demo?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)(`URL-mode elicitation in the chat (needs Chromium at ${chromiumPath})`, () => {
  it("a server's URL-mode elicitation pauses and resumes the run", async () => {
    const page = await signedInPage("ada");
    await ask(page, "List my repositories");
    await connectRepos(page, "ada", "elicitation-01");

    // The same card, now for the server's own page: its words, its full URL, its host.
    await expect
      .poll(async () => card(page).getAttribute("data-channel"), { timeout: 20_000 })
      .toBe("elicitation");
    const octoHost = new URL(demo.octo.origin).host;
    const text = (await card(page).textContent()) ?? "";
    expect(text).toContain(`asks you to open ${octoHost}`);
    expect(text).toContain("Connect your Octo account");
    expect(text).toContain(`${demo.octo.origin}/authorize?request=`);
    expect(await page.getByLabel("Message").isEnabled()).toBe(false);
    expect(demo.repos.callCount("list_repositories")).toBe(1);
    await shot(page, "elicitation-02-card");

    // Open it: Octo connects, tells repos, repos tells the app, and the run carries on by itself.
    const popupOpened = page.waitForEvent("popup");
    await card(page)
      .getByRole("button", { name: `Open ${octoHost}` })
      .click();
    const popup = await popupOpened;
    await popup.locator("#authorized").waitFor();
    await shot(popup, "elicitation-03-octo");
    await popup.close();
    await expect.poll(() => lastAnswer(page), { timeout: 20_000 }).toContain("Here are your repositories");
    expect(await lastAnswer(page)).toContain("authbus (42 stars)");
    expect(await card(page).count()).toBe(0);
    expect(demo.octo.isAuthorized("ada")).toBe(true);
    // The call that waited was answered; it was not made again.
    expect(demo.repos.callCount("list_repositories")).toBe(1);
    const panel = await page.getByRole("complementary", { name: "Auth events" }).textContent();
    expect(panel).toContain("elicitation.completed");
    await shot(page, "elicitation-04-answer");
    await page.context().close();
  });

  it("Deny on the elicitation card ends the call, and the agent says so", async () => {
    const page = await signedInPage("grace");
    await ask(page, "List my repositories");
    await connectRepos(page, "grace", "elicitation-05");
    await expect
      .poll(async () => card(page).getAttribute("data-channel"), { timeout: 20_000 })
      .toBe("elicitation");
    await card(page).getByRole("button", { name: "Deny" }).click();
    await expect.poll(() => lastAnswer(page), { timeout: 20_000 }).toContain("You declined access to repos");
    expect(await card(page).count()).toBe(0);
    expect(demo.octo.isAuthorized("grace")).toBe(false);
    await shot(page, "elicitation-06-denied");
    await page.context().close();
  });
});
