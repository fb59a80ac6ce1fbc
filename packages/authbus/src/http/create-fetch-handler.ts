/**
 * @module A web-standard `fetch(request) → Response` handler: the consent launch link, the OAuth
 * callback (which completes the consent and resumes every thread waiting on it) and the Client
 * ID Metadata Document.
 */
import {
  type ConsentRecord,
  type ConsentStore,
  type ConsentWaitStore,
  digestSession,
  isAuthbusError,
} from "@authbus/core";
import type { ClientMetadataDocument, Consents } from "@authbus/oauth";
import { ConsentSessionError } from "../errors/consent-session-error.js";
import type { ResumeReport } from "../resume/create-resumer.js";
import { type AuthbusPage, defaultPage } from "./default-page.js";

/** Who is asking, as the app knows it (from its session cookie). */
export interface RequestIdentity {
  /**
   * The app session (e.g. its session id). A consent begun by a run that named a session is
   * answered only from that session.
   */
  session?: string | undefined;
  /** The signed-in user; when given, it must be the consent's subject. */
  subject?: string | undefined;
}

/** Options of {@link createFetchHandler}. */
export interface FetchHandlerOptions {
  /** The app's base URL; routes live under its path. */
  baseUrl: string;
  consents: Pick<Consents, "complete" | "authorizationUrl" | "get">;
  consentStore: Pick<ConsentStore, "get" | "findByState">;
  waits: Pick<ConsentWaitStore, "findWaits">;
  /** Resumes the threads waiting on a settled consent (in the background). */
  resume(consentId: string): Promise<ResumeReport>;
  /** The CIMD document and where it is served, when the app publishes one. */
  metadata?: { url: string; document: ClientMetadataDocument } | undefined;
  identify?:
    | ((request: Request) => RequestIdentity | undefined | Promise<RequestIdentity | undefined>)
    | undefined;
  respond?: ((page: AuthbusPage, request: Request) => Response | Promise<Response>) | undefined;
  onError(error: unknown, where: { consentId?: string }): void;
}

/** Checks that `identity` may answer the consent `record`: its user, and a session its waits were begun in. */
export async function checkConsentOwner(
  record: Pick<ConsentRecord, "consentId" | "subject">,
  identity: RequestIdentity | undefined,
  waits: Pick<ConsentWaitStore, "findWaits">,
): Promise<void> {
  if (identity?.subject !== undefined && identity.subject !== record.subject) {
    throw new ConsentSessionError({ consentId: record.consentId, mismatch: "subject" });
  }
  const digests = new Set(
    (await waits.findWaits(record.consentId)).flatMap((wait) =>
      wait.sessionDigest ? [wait.sessionDigest] : [],
    ),
  );
  if (digests.size === 0) return;
  const mine = identity?.session ? await digestSession(identity.session) : undefined;
  if (mine === undefined || !digests.has(mine))
    throw new ConsentSessionError({ consentId: record.consentId, mismatch: "session" });
}

function trimSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : path;
}

/**
 * Creates the handler. Routes, under the path of `baseUrl`:
 *
 * - `GET /consents/:id/authorize` — the launch link cards carry: `302` to the authorization
 *   server (the `state`-bearing URL appears only here), `410` once the consent is over, `403`
 *   from another session or user.
 * - `GET /oauth/callback` — the redirect URI: checks the session, completes the consent
 *   (`state`, PKCE, `iss`, code exchange), then resumes every thread waiting on it once.
 *   A callback from another session is refused before anything changes (login CSRF).
 * - `GET <path of client.metadataUrl>` — the Client ID Metadata Document, when configured.
 *
 * Anything else is `404`.
 *
 * @see RFC 6749 §4.1.2, RFC 6749 §10.12 (CSRF), RFC 9207, draft-ietf-oauth-client-id-metadata-document
 */
export function createFetchHandler(
  options: FetchHandlerOptions,
): (request: Request, identity?: RequestIdentity) => Promise<Response> {
  const base = trimSlash(new URL(options.baseUrl).pathname);
  const launchPattern = new RegExp(
    `^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/consents/([^/]+)/authorize$`,
  );
  const callbackPath = `${base}/oauth/callback`;
  const metadataPath = options.metadata ? new URL(options.metadata.url).pathname : undefined;

  const answer = async (page: AuthbusPage, request: Request): Promise<Response> =>
    options.respond ? options.respond(page, request) : defaultPage(page);

  const launch = async (request: Request, consentId: string, identity: RequestIdentity | undefined) => {
    const record = await options.consentStore.get(consentId);
    if (!record) return answer({ kind: "launch_refused", consentId, status: 410 }, request);
    try {
      await checkConsentOwner(record, identity, options.waits);
    } catch (error) {
      return answer({ kind: "launch_refused", consentId, status: 403, error }, request);
    }
    const target = await options.consents.authorizationUrl(consentId);
    if (!target) return answer({ kind: "launch_refused", consentId, status: 410 }, request);
    return new Response(null, { status: 302, headers: { location: target, "cache-control": "no-store" } });
  };

  const callback = async (request: Request, identity: RequestIdentity | undefined) => {
    const state = new URL(request.url).searchParams.get("state");
    const record = state ? await options.consentStore.findByState(state) : undefined;
    try {
      // RFC 6749 §10.12: a callback is accepted only in the session that began the consent.
      if (record) await checkConsentOwner(record, identity, options.waits);
    } catch (error) {
      return answer({ kind: "callback_refused", status: 403, error }, request);
    }
    let result: Awaited<ReturnType<Consents["complete"]>>;
    try {
      result = await options.consents.complete(request.url);
    } catch (error) {
      return answer(
        {
          kind: "callback_refused",
          status: isAuthbusError(error, "CONSENT_SESSION_MISMATCH") ? 403 : 400,
          error,
        },
        request,
      );
    }
    const threads = (await options.waits.findWaits(result.consentId)).map((wait) => wait.threadId);
    // Resumed in the background (see `idle()`); a restart resumes whatever this does not finish.
    options
      .resume(result.consentId)
      .catch((error: unknown) => options.onError(error, { consentId: result.consentId }));
    return answer(
      { kind: "consent_completed", consentId: result.consentId, outcome: result.outcome, threads },
      request,
    );
  };

  return async (request, given) => {
    const url = new URL(request.url);
    const path = url.pathname;
    const launchMatch = launchPattern.exec(path);
    const known =
      launchMatch !== null || path === callbackPath || (metadataPath !== undefined && path === metadataPath);
    if (!known) return new Response("Not found", { status: 404 });
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    if (metadataPath !== undefined && path === metadataPath && options.metadata) {
      return new Response(JSON.stringify(options.metadata.document), {
        headers: { "content-type": "application/json", "cache-control": "public, max-age=3600" },
      });
    }
    const identity = given ?? (await options.identify?.(request));
    if (launchMatch) {
      let consentId: string;
      try {
        consentId = decodeURIComponent(launchMatch[1] ?? "");
      } catch {
        return answer({ kind: "launch_refused", consentId: "", status: 410 }, request);
      }
      return launch(request, consentId, identity);
    }
    return callback(request, identity);
  };
}
