/**
 * @module A third-party site on loopback that an MCP server sends the person to (MCP URL-mode
 * elicitation): opening its link authorizes the server for that person, and tells the server.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AuthbusError } from "@authbus/core";
import { escapeHtml } from "../auth-server/interaction-pages.js";
import { type LoopbackServer, listenOnLoopback } from "../shared/listen.js";

/** Options of {@link startThirdPartySite}. */
export interface ThirdPartySiteOptions {
  /** What the site calls itself on its pages ("Octo"). Default `"Third party"`. */
  name?: string;
  /** Port on 127.0.0.1; default 0. */
  port?: number;
}

/** One authorization the site was asked for: what an MCP server puts in a URL elicitation. */
export interface ThirdPartyRequest {
  /** The elicitation's id (opaque to the client; it is not the link's secret). */
  elicitationId: string;
  /** The link the person opens; GET it to complete the authorization headlessly. */
  url: string;
  subject: string;
}

/** How an authorization request ended. */
export type ThirdPartyRequestStatus = "pending" | "authorized" | "denied";

/** A running third-party site. Dispose with `await using` or `close()`. */
export interface ThirdPartySite {
  readonly name: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /**
   * Starts an authorization for `subject`: `onAuthorized` runs once the person opens the link
   * (an MCP server then sends `notifications/elicitation/complete`).
   */
  request(subject: string, onAuthorized?: () => void | Promise<void>): ThirdPartyRequest;
  /** Whether `subject` authorized the server here (and has not been revoked since). */
  isAuthorized(subject: string): boolean;
  /** Resolves once `subject` is authorized, or with `false` after `timeoutMs`. */
  waitForAuthorization(subject: string, timeoutMs: number): Promise<boolean>;
  /** A request's status by elicitation id, or `undefined` for an unknown one. */
  status(elicitationId: string): ThirdPartyRequestStatus | undefined;
  /** Forgets `subject`'s authorization, so the next call asks again. */
  revoke(subject: string): void;
  /** Every request so far, oldest first. */
  requests(): ThirdPartyRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Pending extends ThirdPartyRequest {
  token: string;
  status: ThirdPartyRequestStatus;
  onAuthorized: (() => void | Promise<void>) | undefined;
}

function html(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}</style>
</head>
<body>${body}</body>
</html>`);
}

/**
 * Starts a third-party site on 127.0.0.1 (the "GitHub" an MCP server needs the person to
 * authorize it at). `request(subject)` gives an elicitation id and a link; `GET` on the link
 * authorizes the server for that subject (the link carries a random secret, not the elicitation
 * id, so the id alone, which travels in events and logs, completes nothing); with
 * `?decision=deny` it refuses. The page the person sees says which.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#url-mode-elicitation-requests
 * @example
 * await using octo = await startThirdPartySite({ name: "Octo" });
 * const { url, elicitationId } = octo.request("alice", () => notifyComplete(elicitationId));
 * await fetch(url); // as if alice opened it and approved
 * octo.isAuthorized("alice"); // true
 */
export async function startThirdPartySite(options: ThirdPartySiteOptions = {}): Promise<ThirdPartySite> {
  const name = options.name ?? "Third party";
  const byToken = new Map<string, Pending>();
  const byElicitation = new Map<string, Pending>();
  const authorized = new Set<string>();
  const waiters = new Map<string, Set<() => void>>();
  let closed = false;

  const authorize = (pending: Pending): void => {
    pending.status = "authorized";
    authorized.add(pending.subject);
    for (const wake of waiters.get(pending.subject) ?? []) wake();
    waiters.delete(pending.subject);
    void Promise.resolve()
      .then(() => pending.onAuthorized?.())
      .catch(() => undefined);
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/authorize" || req.method !== "GET") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const pending = byToken.get(url.searchParams.get("request") ?? "");
    if (!pending) {
      html(res, 404, name, `<h1>Unknown request</h1><p>This ${escapeHtml(name)} link is not valid.</p>`);
      return;
    }
    if (pending.status === "pending") {
      if (url.searchParams.get("decision") === "deny") pending.status = "denied";
      else authorize(pending);
    }
    const done = pending.status === "authorized";
    html(
      res,
      200,
      name,
      done
        ? `<h1 id="authorized">Connected to ${escapeHtml(name)}</h1><p>You can close this window and return to the app.</p>`
        : `<h1 id="denied">Not connected</h1><p>You did not authorize access to ${escapeHtml(name)}.</p>`,
    );
  };

  let loopback: LoopbackServer;
  loopback = await listenOnLoopback(handler, options.port ?? 0);

  const close = async (): Promise<void> => {
    closed = true;
    for (const set of waiters.values()) for (const wake of set) wake();
    waiters.clear();
    await loopback.close();
  };

  return {
    name,
    origin: loopback.origin,
    request(subject, onAuthorized) {
      if (closed) throw new AuthbusError({ code: "TESTKIT_CLOSED", message: `${name} is closed` });
      const token = randomBytes(18).toString("base64url");
      const pending: Pending = {
        elicitationId: randomUUID(),
        url: `${loopback.origin}/authorize?request=${token}`,
        subject,
        token,
        status: "pending",
        onAuthorized,
      };
      byToken.set(token, pending);
      byElicitation.set(pending.elicitationId, pending);
      return { elicitationId: pending.elicitationId, url: pending.url, subject };
    },
    isAuthorized: (subject) => authorized.has(subject),
    waitForAuthorization(subject, timeoutMs) {
      if (authorized.has(subject)) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const set = waiters.get(subject) ?? new Set<() => void>();
        waiters.set(subject, set);
        const wake = () => {
          clearTimeout(timer);
          set.delete(wake);
          resolve(authorized.has(subject));
        };
        const timer = setTimeout(wake, timeoutMs);
        timer.unref?.();
        set.add(wake);
      });
    },
    status: (elicitationId) => byElicitation.get(elicitationId)?.status,
    revoke: (subject) => {
      authorized.delete(subject);
    },
    requests: () =>
      [...byElicitation.values()].map(({ elicitationId, url, subject }) => ({ elicitationId, url, subject })),
    close,
    [Symbol.asyncDispose]: close,
  };
}
