/** @module HTTP routes of the chat: the page, its API, its event stream and the OAuth callback. */
import type { ConsentOutcome } from "@authbus/core";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { threadIdSchema } from "../shared/thread-view.js";
import type { BusFeed } from "./bus-feed.js";
import { callbackPage } from "./callback-page.js";
import { isThreadBusyError, type ThreadRunner } from "./thread-runner.js";

/** The part of `createConsents()` the routes use. */
export interface ConsentGate {
  complete(callbackUrl: string): Promise<{ consentId: string; outcome: "granted" | "denied" }>;
  deny(consentId: string): Promise<boolean>;
  /** The real authorization URL of a pending consent; `undefined` once settled or expired. */
  authorizationUrl(consentId: string): Promise<string | undefined>;
  /** Where a consent stands, or `undefined` for an unknown id. */
  status(consentId: string): Promise<"pending" | "granted" | "denied" | "expired" | undefined>;
}

export interface ChatRoutesOptions {
  runner: ThreadRunner;
  consents: ConsentGate;
  feed: BusFeed;
  /** The built page (Vite's output folder). */
  webRoot: string;
}

const messageSchema = z.strictObject({ text: z.string().trim().min(1).max(4000) });

/** Describes any error without leaking more than its message (consent errors carry no secrets). */
function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : "unexpected error";
}

export function createChatRoutes({ runner, consents, feed, webRoot }: ChatRoutesOptions): Hono {
  const app = new Hono();

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
      await runner.send(c.req.param("threadId"), body.data.text);
    } catch (error) {
      if (isThreadBusyError(error)) return c.json({ error: error.message }, 409);
      throw error;
    }
    return c.json({ accepted: true }, 202);
  });

  app.post("/api/threads/:threadId/consents/:consentId/deny", async (c) => {
    const consentId = c.req.param("consentId");
    const denied = await consents.deny(consentId);
    // Threads resume with how the consent really ended: a second tab may have granted it
    // first, and a consent that is unknown or still pending resumes nothing.
    const status = await consents.status(consentId);
    if (status === undefined) return c.json({ error: "There is no such access request." }, 404);
    if (status !== "pending") runner.resume(consentId, status);
    return c.json({ denied, status }, 202);
  });

  // The card's Authorize opens this launch link; only here does the state-bearing URL appear.
  app.get("/consents/:consentId/authorize", async (c) => {
    const target = await consents.authorizationUrl(c.req.param("consentId"));
    if (!target) {
      return c.html(
        callbackPage({
          title: "This access request is no longer open",
          detail: "It was already answered or it expired. Ask the agent again to get a new one.",
        }),
        410,
      );
    }
    c.header("Cache-Control", "no-store");
    return c.redirect(target, 302);
  });

  app.get("/oauth/callback", async (c) => {
    let result: { consentId: string; outcome: ConsentOutcome };
    try {
      result = await consents.complete(c.req.url);
    } catch (error) {
      return c.html(callbackPage({ title: "This sign-in link can't be used", detail: reasonOf(error) }), 400);
    }
    const threads = runner.resume(result.consentId, result.outcome);
    const granted = result.outcome === "granted";
    return c.html(
      callbackPage({
        title: granted ? "Access granted" : "Access declined",
        detail: granted
          ? "You can close this window; the chat carries on."
          : "The agent will tell you what it couldn't do.",
        threadId: threads[0],
        outcome: result.outcome,
      }),
    );
  });

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.use("/*", serveStatic({ root: webRoot }));
  app.get("*", serveStatic({ root: webRoot, path: "index.html" }));
  app.onError((error, c) => c.json({ error: reasonOf(error) }, 500));
  return app;
}
