/** Bad input to the chat's HTTP API, against the real app and the testkit's servers (no browser). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoServers, startDemoServers } from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChatApp } from "./start-chat-app.js";

let demo: DemoServers;
let app: ChatApp;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "authbus-chat-routes-"));
  demo = await startDemoServers();
  app = await startChatApp({
    servers: { calendar: { url: demo.calendar.url } },
    dataDir,
    webRoot: join(dataDir, "no-web"),
  });
});

afterAll(async () => {
  await app?.close();
  await demo?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const post = (path: string, body: unknown) =>
  fetch(new URL(path, app.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("chat HTTP API", () => {
  it("refuses a malformed thread id", async () => {
    const response = await fetch(new URL("api/threads/..%2Fetc", app.url));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain("thread id");
  });

  it("refuses a message that is not JSON, empty or too long", async () => {
    for (const body of [
      "not json",
      { text: "" },
      { text: "   " },
      { text: "x".repeat(4001) },
      { text: 1 },
      { text: "a", extra: 1 },
    ]) {
      const response = await post("api/threads/thread-bad-input/messages", body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain('{"text"');
    }
  });

  it("answers 409 while a thread waits for consent, and the thread is unchanged", async () => {
    const thread = "thread-busy-0001";
    expect((await post(`api/threads/${thread}/messages`, { text: "what's on my calendar?" })).status).toBe(
      202,
    );
    await app.idle();
    const second = await post(`api/threads/${thread}/messages`, { text: "and my files?" });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: string }).error).toContain("Authorize or Deny");
    const view = (await (await fetch(new URL(`api/threads/${thread}`, app.url))).json()) as {
      messages: { role: string }[];
      pending: unknown[];
    };
    expect(view.messages.filter((message) => message.role === "user")).toHaveLength(1);
    expect(view.pending).toHaveLength(1);
  });

  it("answers 404 to a denial of an unknown consent, and resumes nothing", async () => {
    const response = await post("api/threads/thread-deny-0001/consents/not-a-consent/deny", {});
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain("no such access request");
  });

  it("says a launch link for an unknown consent is no longer open", async () => {
    const response = await fetch(new URL("consents/not-a-consent/authorize", app.url), {
      redirect: "manual",
    });
    expect(response.status).toBe(410);
    expect(await response.text()).toContain("no longer open");
  });

  it("refuses a callback with a forged or missing state, and resumes nothing", async () => {
    for (const query of ["?code=abc&state=forged", "?code=abc", ""]) {
      const response = await fetch(new URL(`oauth/callback${query}`, app.url));
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("This sign-in link can&#39;t be used");
    }
    expect(demo.authServer.stats.tokenRequests).toBe(0);
  });
});
