/**
 * The chat with consents sent through CIBA or device authorization (`consentChannel`, the
 * demo's `AUTHBUS_CONSENT_CHANNEL`), in a real browser: the card shows the binding message, or
 * the user code and the verification link, instead of an Authorize button; the run carries on
 * by itself once the person answers on the authorization server, with no callback.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChatApp } from "../server/start-chat-app.js";
import {
  ask,
  card,
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
let browser: Browser;
const apps: ChatApp[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  demo = await startDemoServers({ authServer: { polling: { interval: 1 } } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const app of apps) await app.close();
  await demo?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function chatWith(consentChannel: "ciba" | "device"): Promise<ChatApp> {
  const dataDir = mkdtempSync(join(tmpdir(), `authbus-chat-${consentChannel}-`));
  dirs.push(dataDir);
  const app = await startChatApp({
    servers: {
      calendar: { url: demo.calendar.url, description: "Your calendar" },
      files: { url: demo.files.url, description: "Your files" },
    },
    dataDir,
    webRoot,
    consentChannel,
  });
  apps.push(app);
  return app;
}

describe.skipIf(!haveChromium)("consent channels in the chat", () => {
  it("CIBA: the card shows the binding message; approving on the phone finishes the run", async () => {
    const app = await chatWith("ciba");
    const { context, page } = await signedIn(browser, app.url, "cara");
    await ask(page, "What's on my calendar?");
    await expect.poll(() => card(page, "calendar").isVisible(), WAIT).toBe(true);
    const shown = card(page, "calendar");
    expect(await shown.getAttribute("data-channel")).toBe("ciba");
    expect(await shown.getByRole("button", { name: "Authorize" }).count()).toBe(0);
    const [request] = demo.authServer.backchannelRequests().filter((r) => r.loginHint === "cara");
    expect(request?.bindingMessage).toBeTruthy();
    expect(await shown.getByTestId("binding-message").textContent()).toContain(request?.bindingMessage);
    await shot(page, "channels-01-ciba-card");

    const before = demo.calendar.callCount("list_events");
    await demo.authServer.approveBackchannel("cara");
    await expect.poll(() => lastAnswer(page), WAIT).toContain("Team standup");
    await expect.poll(() => card(page, "calendar").count(), WAIT).toBe(0);
    await app.idle();
    expect(outcomeOf(await viewOf(context, app.url, threadOf(page)))).toEqual({
      answers: [expect.stringContaining("Team standup")],
      pending: 0,
      running: false,
    });
    expect(demo.calendar.callCount("list_events")).toBe(before + 1);
    expect(app.busEvents().some((entry) => entry.type === "consent.granted")).toBe(true);
    await shot(page, "channels-02-ciba-answer");

    // A denial on the phone is explained in the page.
    await ask(page, "List my files");
    await expect.poll(() => card(page, "files").isVisible(), WAIT).toBe(true);
    await demo.authServer.approveBackchannel("cara", { approve: false });
    await expect.poll(() => lastAnswer(page), WAIT).toContain("You declined access to files");
    await expect.poll(() => card(page, "files").count(), WAIT).toBe(0);
    await context.close();
  });

  it("device authorization: the card shows the user code and the verification link; Deny works from the card", async () => {
    const app = await chatWith("device");
    const { context, page } = await signedIn(browser, app.url, "dev");
    await ask(page, "List my files");
    await expect.poll(() => card(page, "files").isVisible(), WAIT).toBe(true);
    const shown = card(page, "files");
    expect(await shown.getAttribute("data-channel")).toBe("device");
    expect(await shown.getByRole("button", { name: "Authorize" }).count()).toBe(0);
    const [pending] = (await viewOf(context, app.url, threadOf(page))).pending;
    const userCode = pending?.userCode ?? "";
    expect(userCode).not.toBe("");
    expect(await shown.getByTestId("user-code").textContent()).toContain(userCode);
    const link = await shown.getByRole("link").getAttribute("href");
    expect(link).toBe(pending?.verificationUriComplete ?? pending?.verificationUri);
    expect(link?.startsWith(demo.authServer.issuer)).toBe(true);
    await shot(page, "channels-03-device-card");

    await demo.authServer.approveDevice(userCode, { user: "dev" });
    await expect.poll(() => lastAnswer(page), WAIT).toContain("notes.txt");
    await expect.poll(() => card(page, "files").count(), WAIT).toBe(0);
    await shot(page, "channels-04-device-answer");

    // Denied from the card: polling stops and the run explains it.
    await ask(page, "What's on my calendar?");
    await expect.poll(() => card(page, "calendar").isVisible(), WAIT).toBe(true);
    await card(page, "calendar").getByRole("button", { name: "Deny" }).click();
    await expect.poll(() => lastAnswer(page), WAIT).toContain("You declined access to calendar");
    await expect.poll(() => card(page, "calendar").count(), WAIT).toBe(0);
    await app.idle();
    expect(outcomeOf(await viewOf(context, app.url, threadOf(page)))).toMatchObject({
      pending: 0,
      running: false,
    });
    await context.close();
  });
});
