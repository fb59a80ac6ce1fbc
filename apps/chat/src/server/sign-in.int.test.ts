/** Demo sign-in over HTTP (no browser): two users, each with their own threads, cards and consents. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { approveConsent, type DemoServers, startDemoServers } from "@authbus/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChatApp } from "./start-chat-app.js";

let demo: DemoServers;
let app: ChatApp;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "authbus-chat-sign-in-"));
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

/** A browser: keeps its session cookie. */
function browser() {
  let cookie = "";
  const send = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(new URL(path, app.url), {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    const set = response.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0] ?? "";
    return response;
  };
  return {
    send,
    signIn: (user: string) =>
      send("api/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user }),
      }),
    say: (thread: string, text: string) =>
      send(`api/threads/${thread}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
      }),
    view: async (thread: string) =>
      (await (await send(`api/threads/${thread}`)).json()) as {
        messages: { role: string; text: string }[];
        pending: { consentId: string; authorizationUrl: string }[];
      },
    get cookie() {
      return cookie;
    },
  };
}

describe("sign-in", () => {
  it("keeps each user's threads, cards and consents their own", async () => {
    const ann = browser();
    const ben = browser();
    expect(((await (await ann.send("api/session")).json()) as { user: string }).user).toBe("demo-user");
    expect((await ann.signIn("ann")).status).toBe(200);
    expect((await ben.signIn("ben")).status).toBe(200);
    expect((await ann.signIn("no spaces")).status).toBe(400);
    expect(ann.cookie).not.toBe(ben.cookie);

    const thread = "shared-thread-0001";
    expect((await ann.say(thread, "What's on my calendar?")).status).toBe(202);
    await app.idle();
    const annView = await ann.view(thread);
    expect(annView.pending).toHaveLength(1);
    // Ben names the same thread id and sees his own, empty conversation.
    const benView = await ben.view(thread);
    expect(benView.messages).toEqual([]);
    expect(benView.pending).toEqual([]);

    // Ben can follow neither Ann's launch link nor her callback, nor deny her card.
    const launch = new URL(annView.pending[0]?.authorizationUrl ?? "").pathname.slice(1);
    expect((await ben.send(launch)).status).toBe(403);
    const denied = await ben.send(`api/threads/${thread}/consents/${annView.pending[0]?.consentId}/deny`, {
      method: "POST",
    });
    expect(denied.status).toBe(403);
    const toAuthorize = await ann.send(launch);
    expect(toAuthorize.status).toBe(302);
    const callback = await approveConsent(toAuthorize.headers.get("location") ?? "", { user: "ann" });
    const path = new URL(callback);
    expect((await ben.send(`${path.pathname.slice(1)}${path.search}`)).status).toBe(403);
    expect((await ann.view(thread)).pending).toHaveLength(1);

    // Ann's own browser completes it and her thread carries on.
    expect((await ann.send(`${path.pathname.slice(1)}${path.search}`)).status).toBe(200);
    await app.idle();
    const done = await ann.view(thread);
    expect(done.pending).toEqual([]);
    expect(done.messages.at(-1)?.text).toContain("Team standup");
    expect((await ben.view(thread)).messages).toEqual([]);
  });

  it("refuses a cookie whose signature does not hold, and starts a new session", async () => {
    const response = await fetch(new URL("api/session", app.url), {
      headers: { cookie: "authbus_chat_session=forged.YW5u.AAAA" },
    });
    expect(((await response.json()) as { user: string }).user).toBe("demo-user");
    expect(response.headers.get("set-cookie")).toContain("HttpOnly");
  });
});
