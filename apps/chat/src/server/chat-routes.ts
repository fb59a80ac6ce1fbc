/** @module HTTP routes of the chat: the page, its API, its event stream, the consent link and the OAuth callback. */
import { randomBytes } from "node:crypto";
import { serveStatic } from "@hono/node-server/serve-static";
import { type Authbus, isConsentNotSettledError, isConsentSessionError } from "authbus";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { threadIdSchema } from "../shared/thread-view.js";
import type { BusFeed } from "./bus-feed.js";
import { isThreadBusyError, type ThreadRunner } from "./thread-runner.js";

export interface ChatRoutesOptions {
  runner: ThreadRunner;
  /** The launch link, the OAuth callback and denials go through authbus. */
  authbus: Pick<Authbus, "fetch" | "deny">;
  feed: BusFeed;
  /** The built page (Vite's output folder). */
  webRoot: string;
  /** The user every run is for (one per app in this sample). */
  subject: string;
}

/** The browser session: a random id in an httpOnly cookie; authbus binds each consent to the session that asked. */
export const SESSION_COOKIE = "authbus_chat_session";

const messageSchema = z.strictObject({ text: z.string().trim().min(1).max(4000) });

/** Describes any error without leaking more than its message (consent errors carry no secrets). */
function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : "unexpected error";
}

export function createChatRoutes({ runner, authbus, feed, webRoot, subject }: ChatRoutesOptions): {
  fetch: (request: Request) => Response | Promise<Response>;
} {
  const app = new Hono<{ Variables: { session: string } }>();

  app.use("*", async (c, next) => {
    let session = getCookie(c, SESSION_COOKIE);
    if (!session || !/^[A-Za-z0-9_-]{32}$/.test(session)) {
      session = randomBytes(24).toString("base64url");
      setCookie(c, SESSION_COOKIE, session, { httpOnly: true, sameSite: "Lax", path: "/" });
    }
    c.set("session", session);
    return next();
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

  app.get("/api/threads/:threadId", async (c) => c.json(await runner.view(c.req.param("threadId"))));

  app.get("/api/threads/:threadId/stream", (c) => {
    const threadId = c.req.param("threadId");
    return streamSSE(c, async (stream) => {
      const queue: { event: string; data: string }[] = [];
      let wake: (() => void) | undefined;
      const push = (event: string, data: unknown) => {
        queue.push({ event, data: JSON.stringify(data) });
        wake?.();
      };
      const stopThread = runner.subscribe(threadId, (view) => push("thread", view));
      const stopBus = feed.subscribe((entry) => push("bus", entry));
      for (const entry of feed.recent()) push("bus", entry);
      push("thread", await runner.view(threadId));
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
      await runner.send(c.req.param("threadId"), body.data.text, { subject, session: c.get("session") });
    } catch (error) {
      if (isThreadBusyError(error)) return c.json({ error: error.message }, 409);
      throw error;
    }
    return c.json({ accepted: true }, 202);
  });

  app.post("/api/threads/:threadId/consents/:consentId/deny", async (c) => {
    // Threads resume with how the consent really ended: a second tab may have granted it first.
    try {
      const report = await authbus.deny(c.req.param("consentId"), { session: c.get("session"), subject });
      return c.json({ status: report.outcome }, 202);
    } catch (error) {
      if (isConsentNotSettledError(error)) return c.json({ error: "There is no such access request." }, 404);
      if (isConsentSessionError(error)) return c.json({ error: "This access request is not yours." }, 403);
      throw error;
    }
  });

  // The card's Authorize opens the launch link; only there does the state-bearing URL appear.
  // The callback completes the consent and authbus resumes every thread waiting on it.
  const viaAuthbus = (c: { req: { raw: Request }; get(key: "session"): string }) =>
    authbus.fetch(c.req.raw, { session: c.get("session"), subject });
  app.get("/consents/:consentId/authorize", viaAuthbus);
  app.get("/oauth/callback", viaAuthbus);

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.use("/*", serveStatic({ root: webRoot }));
  app.get("*", serveStatic({ root: webRoot, path: "index.html" }));
  app.onError((error, c) => c.json({ error: reasonOf(error) }, 500));
  return app;
}
