/**
 * Two users in two browser contexts (Chromium), each signed in with their own session cookie,
 * each consenting to their own server: neither sees the other's threads, cards or event feed,
 * in the page or through the HTTP API; Ben following Ann's launch link, answering her consent
 * on the authorization server and delivering her callback, or denying her card, is refused and
 * changes nothing: Ann's card still works afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChatApp } from "../server/start-chat-app.js";
import {
  ask,
  authorizeInPopup,
  card,
  consentOnPages,
  haveChromium,
  lastAnswer,
  launchChromium,
  outcomeOf,
  shot,
  signedIn,
  threadOf,
  viewOf,
  WAIT,
  webRoot,
} from "./browser.test-helpers.js";

let demo: DemoServers;
let app: ChatApp;
let browser: Browser;
let dataDir: string;
let ann: { context: BrowserContext; page: Page };
let ben: { context: BrowserContext; page: Page };

beforeAll(async () => {
  if (!haveChromium) return;
  dataDir = mkdtempSync(join(tmpdir(), "authbus-chat-users-"));
  demo = await startDemoServers();
  app = await startChatApp({
    servers: {
      calendar: { url: demo.calendar.url, description: "Your calendar" },
      files: { url: demo.files.url, description: "Your files" },
    },
    dataDir,
    webRoot,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await ann?.context.close();
  await ben?.context.close();
  await browser?.close();
  await app?.close();
  await demo?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const panelCount = (page: Page) =>
  page.getByRole("complementary", { name: "Auth events" }).locator("li.event").count();
const eventsOf = (user: string) => app.busEvents().filter((entry) => entry.event.subject === user);
const panelText = (page: Page) =>
  page
    .getByRole("complementary", { name: "Auth events" })
    .textContent()
    .then((text) => text ?? "");

describe.skipIf(!haveChromium)("two users in two browsers", () => {
  it("each sees only their own threads, cards and events; the other's launch link, callback and denial are refused", async () => {
    ann = await signedIn(browser, app.url, "ann");
    ben = await signedIn(browser, app.url, "ben");
    const annThread = threadOf(ann.page);
    const benThread = threadOf(ben.page);

    await ask(ann.page, "What's on my calendar?");
    await expect.poll(() => card(ann.page, "calendar").isVisible(), WAIT).toBe(true);
    await ask(ben.page, "List my files");
    await expect.poll(() => card(ben.page, "files").isVisible(), WAIT).toBe(true);
    await shot(ann.page, "users-01-ann-card");
    await shot(ben.page, "users-02-ben-card");

    // Each page shows its own card and its own events only (each user's client meets both
    // servers' 401s when it connects, but only Ann asked for calendar and Ben for files).
    await expect.poll(() => panelText(ann.page), WAIT).toContain("consent.required");
    await expect.poll(() => panelText(ben.page), WAIT).toContain("consent.required");
    expect(await card(ann.page, "files").count()).toBe(0);
    expect(await card(ben.page, "calendar").count()).toBe(0);
    await expect.poll(() => panelCount(ann.page), WAIT).toBe(eventsOf("ann").length);
    await expect.poll(() => panelCount(ben.page), WAIT).toBe(eventsOf("ben").length);
    expect(eventsOf("ann").length + eventsOf("ben").length).toBe(app.busEvents().length);
    expect(await panelText(ann.page)).not.toContain("scopes: files");
    expect(await panelText(ben.page)).not.toContain("scopes: calendar");

    // The HTTP API: Ben asking for Ann's thread id gets his own (empty) conversation.
    const annView = await viewOf(ann.context, app.url, annThread);
    expect(annView.pending).toHaveLength(1);
    const annCard = annView.pending[0];
    if (!annCard) throw new Error("Ann has no card");
    const benOnAnnThread = await viewOf(ben.context, app.url, annThread);
    expect(benOnAnnThread.messages).toEqual([]);
    expect(benOnAnnThread.pending).toEqual([]);
    expect((await viewOf(ann.context, app.url, benThread)).messages).toEqual([]);

    // Ben opening Ann's thread in his browser sees an empty conversation, and no card of hers.
    const benTab = await ben.context.newPage();
    await benTab.goto(`${app.url}?thread=${annThread}`);
    await expect.poll(() => benTab.locator(".status.online").count(), WAIT).toBe(1);
    expect(await benTab.locator(".message").count()).toBe(0);
    expect(await card(benTab, "calendar").count()).toBe(0);
    await expect.poll(() => panelCount(benTab), WAIT).toBe(eventsOf("ben").length);

    // Ben follows Ann's launch link: refused, with the chat's page saying so.
    const launched = await benTab.goto(annCard.authorizationUrl);
    expect(launched?.status()).toBe(403);
    expect(await benTab.textContent("body")).toContain("not yours");
    await shot(benTab, "users-03-ben-launch-refused");

    // Ben denying Ann's card through the API: refused.
    const denied = await ben.context.request.post(
      `${app.url}api/threads/${annThread}/consents/${encodeURIComponent(annCard.consentId)}/deny`,
    );
    expect(denied.status()).toBe(403);

    // Ann's authorization server URL (with her state) lands in Ben's browser: he signs in there
    // as himself and approves, and the authorization server sends his browser to the callback.
    const launch = await ann.context.request.get(annCard.authorizationUrl, { maxRedirects: 0 });
    expect(launch.status()).toBe(302);
    const authorizationUrl = launch.headers().location ?? "";
    expect(authorizationUrl).toContain(demo.authServer.issuer);
    await benTab.goto(authorizationUrl);
    const callback = benTab.waitForResponse((response) => response.url().startsWith(app.redirectUri), {
      timeout: WAIT.timeout,
    });
    await consentOnPages(benTab, "approve", "ben", "users-04-ben-on-ann-consent");
    const refused = await callback;
    expect(refused.status()).toBe(403);
    expect(await benTab.textContent("body")).toContain("can't be used");
    await shot(benTab, "users-05-ben-callback-refused");

    // Nothing changed: Ann's consent is still pending and her card is still there.
    expect(demo.calendar.callCount("list_events")).toBe(0);
    expect((await viewOf(ann.context, app.url, annThread)).pending.map((p) => p.consentId)).toEqual([
      annCard.consentId,
    ]);
    expect(await card(ann.page, "calendar").isVisible()).toBe(true);
    expect(app.busEvents().some((entry) => entry.type === "consent.granted")).toBe(false);

    // Ann's own card still works.
    await authorizeInPopup(ann.page, "calendar", "ann", "users-06-ann");
    await expect.poll(() => lastAnswer(ann.page), WAIT).toContain("Team standup");
    expect(await card(ann.page, "calendar").count()).toBe(0);
    expect(demo.calendar.callCount("list_events")).toBe(1);
    await shot(ann.page, "users-07-ann-answer");

    // And Ben's own card works for him.
    await authorizeInPopup(ben.page, "files", "ben", "users-08-ben");
    await expect.poll(() => lastAnswer(ben.page), WAIT).toContain("notes.txt");
    await shot(ben.page, "users-09-ben-answer");
    await app.idle();

    // Still apart: each one's conversation, card list and events are their own.
    const annDone = outcomeOf(await viewOf(ann.context, app.url, annThread));
    const benDone = outcomeOf(await viewOf(ben.context, app.url, benThread));
    expect(annDone).toEqual({
      answers: [expect.stringContaining("Team standup")],
      pending: 0,
      running: false,
    });
    expect(benDone).toEqual({ answers: [expect.stringContaining("notes.txt")], pending: 0, running: false });
    expect(await panelText(ann.page)).toContain("consent.granted");
    await expect.poll(() => panelCount(ann.page), WAIT).toBe(eventsOf("ann").length);
    await expect.poll(() => panelCount(ben.page), WAIT).toBe(eventsOf("ben").length);
    expect(await panelText(ann.page)).not.toContain("scopes: files");
    expect(await panelText(ben.page)).not.toContain("scopes: calendar");
    expect((await viewOf(ben.context, app.url, annThread)).messages).toEqual([]);

    // Consents and grants went to the user who asked.
    const granted = (user: string) =>
      eventsOf(user).flatMap((entry) => (entry.type === "consent.granted" ? [entry.event.serverName] : []));
    expect(granted("ann")).toEqual(["calendar"]);
    expect(granted("ben")).toEqual(["files"]);
    expect(demo.calendar.foreignTokens()).toEqual([]);
    expect(demo.files.foreignTokens()).toEqual([]);
  });
});
