/** @module HTTP routes of the chat: the page, its API, its event stream, the consent link and the OAuth callback. */
import { serveStatic } from "@hono/node-server/serve-static";
import { type Authbus, isAuthbusError } from "authbus";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { type ThreadView, threadIdSchema } from "../shared/thread-view.js";
import type { BusFeed } from "./bus-feed.js";
import {
  type ChatSession,
  type ChatSessions,
  pageThreadId,
  SESSION_COOKIE,
  userNameSchema,
  userThreadId,
} from "./chat-sessions.js";
import { isThreadBusyError, type ThreadRunner } from "./thread-runner.js";

export interface ChatRoutesOptions {
  runner: ThreadRunner;
  /** The launch link, the OAuth callback and denials go through authbus. */
  authbus: Pick<Authbus, "fetch" | "deny" | "finish">;
  feed: BusFeed;
  /** The built page (Vite's output folder). */
  webRoot: string;
  /** Signed session cookies. */
  sessions: ChatSessions;
  /** Who a browser is before it signs in (demo mode). */
  defaultUser: string;
}

const messageSchema = z.strictObject({ text: z.string().trim().min(1).max(4000) });

/** Describes any error without leaking more than its message (consent errors carry no secrets). */
function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : "unexpected error";
}

export function createChatRoutes({
  runner,
  authbus,
  feed,
  webRoot,
  sessions,
  defaultUser,
}: ChatRoutesOptions): {
  fetch: (request: Request) => Response | Promise<Response>;
} {
  const app = new Hono<{ Variables: { session: ChatSession } }>();
  const cookieOptions = { httpOnly: true, sameSite: "Lax", path: "/" } as const;

  // Demo mode: a browser without a session is signed in as the default user until it picks a name.
  app.use("*", async (c, next) => {
    let session = sessions.read(getCookie(c, SESSION_COOKIE));
    if (!session) {
      const issued = sessions.issue(defaultUser);
      setCookie(c, SESSION_COOKIE, issued.cookie, cookieOptions);
      session = issued.session;
    }
    c.set("session", session);
    return next();
  });

  /** Whose run, for authbus: the signed-in user, and this browser's session id. */
  const runContext = (session: ChatSession) => ({ subject: session.user, session: session.id });
  const identity = (session: ChatSession) => ({ subject: session.user, session: session.id });
  /** The user's own thread behind the page's thread id. */
  const threadOf = (c: { req: { param(name: "threadId"): string }; get(key: "session"): ChatSession }) =>
    userThreadId(c.get("session").user, c.req.param("threadId"));
  const forPage = (view: ThreadView): ThreadView => ({ ...view, threadId: pageThreadId(view.threadId) });

  app.get("/api/session", (c) => c.json({ user: c.get("session").user }));

  app.post("/api/session", async (c) => {
    const body = z
      .strictObject({ user: userNameSchema })
      .safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return c.json({ error: "Pick a user name of 1–40 letters, digits, . _ or -." }, 400);
    // A new session id on every sign-in: a session fixed before sign-in is never carried over.
    const issued = sessions.issue(body.data.user);
    setCookie(c, SESSION_COOKIE, issued.cookie, cookieOptions);
    return c.json({ user: issued.session.user });
  });

  app.use("/api/threads/:threadId/*", async (c, next) => {
    if (!threadIdSchema.safeParse(c.req.param("threadId")).success) {
      return c.json(
        { error: "The thread id in the URL is not valid: use 8–64 letters, digits, - or _." },
        400,
      );
    }
    return next();
  });

  app.get("/api/threads/:threadId", async (c) => c.json(forPage(await runner.view(threadOf(c)))));

  app.get("/api/threads/:threadId/stream", (c) => {
    const threadId = threadOf(c);
    const { user } = c.get("session");
    // Each user sees only the events of their own runs and consents.
    const mine = (entry: { event: Record<string, unknown> }) => entry.event.subject === user;
    return streamSSE(c, async (stream) => {
      const queue: { event: string; data: string }[] = [];
      let wake: (() => void) | undefined;
      const push = (event: string, data: unknown) => {
        queue.push({ event, data: JSON.stringify(data) });
        wake?.();
      };
      // The whole view once, then only what changes ("patch"), so a message costs the same
      // however long the conversation is.
      const stopThread = runner.subscribe(threadId, (update) =>
        update.kind === "patch" ? push("patch", update.patch) : push("thread", forPage(update.view)),
      );
      const stopBus = feed.subscribe((entry) => {
        if (mine(entry)) push("bus", entry);
      });
      for (const entry of feed.recent()) if (mine(entry)) push("bus", entry);
      const view = forPage(await runner.view(threadId));
      // Ahead of the changes that arrived while it was read: they apply on top of it (by message id).
      queue.unshift({ event: "thread", data: JSON.stringify(view) });
      wake?.();
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      const heartbeat = setInterval(() => push("ping", {}), 15_000);
      try {
        while (open) {
          const next = queue.shift();
          if (next) {
            await stream.writeSSE(next);
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        clearInterval(heartbeat);
        stopThread();
        stopBus();
      }
    });
  });

  app.post("/api/threads/:threadId/messages", async (c) => {
    const body = messageSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success)
      return c.json(
        { error: 'Send JSON like {"text": "what\'s on my calendar?"} (1–4000 characters).' },
        400,
      );
    try {
      await runner.send(threadOf(c), body.data.text, runContext(c.get("session")));
    } catch (error) {
      if (isThreadBusyError(error)) return c.json({ error: error.message }, 409);
      throw error;
    }
    return c.json({ accepted: true }, 202);
  });

  app.post("/api/threads/:threadId/consents/:consentId/deny", async (c) => {
    // Threads resume with how the consent really ended: a second tab may have granted it first.
    try {
      const report = await authbus.deny(c.req.param("consentId"), identity(c.get("session")));
      return c.json({ status: report.outcome }, 202);
    } catch (error) {
      if (isAuthbusError(error, "CONSENT_NOT_SETTLED"))
        return c.json({ error: "There is no such access request." }, 404);
      if (isAuthbusError(error, "CONSENT_SESSION_MISMATCH"))
        return c.json({ error: "This access request is not yours." }, 403);
      throw error;
    }
  });

  // URL-mode elicitation: the person is back from the server's page ("I'm done").
  app.post("/api/threads/:threadId/consents/:consentId/finish", async (c) => {
    try {
      const report = await authbus.finish(c.req.param("consentId"), identity(c.get("session")));
      return c.json({ status: report.outcome }, 202);
    } catch (error) {
      if (isAuthbusError(error, "CONSENT_NOT_SETTLED"))
        return c.json({ error: "There is no such request." }, 404);
      if (isAuthbusError(error, "CONSENT_SESSION_MISMATCH"))
        return c.json({ error: "This request is not yours." }, 403);
      throw error;
    }
  });

  // The card's Authorize opens the launch link; only there does the state-bearing URL appear.
  // The callback completes the consent and authbus resumes every thread waiting on it.
  const viaAuthbus = (c: { req: { raw: Request }; get(key: "session"): ChatSession }) =>
    authbus.fetch(c.req.raw, identity(c.get("session")));
  app.get("/consents/:consentId/authorize", viaAuthbus);
  app.get("/oauth/callback", viaAuthbus);

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.use("/*", serveStatic({ root: webRoot }));
  app.get("*", serveStatic({ root: webRoot, path: "index.html" }));
  app.onError((error, c) => c.json({ error: reasonOf(error) }, 500));
  return app;
}
