/** @module Headless consent: drive the login and consent pages over HTTP, as a browser would. */
import { AuthbusError } from "@authbus/core";
import { CookieJar } from "./cookie-jar.js";

/** Options of {@link approveConsent}. */
export interface ApproveConsentOptions {
  /** The user name typed on the login page. Default `"alice"`. */
  user?: string;
  /** Password, when the authorization server was started with passwords. */
  password?: string;
  /** Click Approve (default) or Deny on the consent page. */
  approve?: boolean;
  /**
   * The authentication level (acr) the login reaches. Default: the first `acr_values` of the
   * authorization request (the user completes the step-up), else the server's basic level.
   */
  acr?: string;
  /** Grant only these of the requested scopes (default: all requested). */
  grantScopes?: readonly string[];
  /** Cancel at the login page instead of signing in (the callback carries `access_denied`). */
  cancelLogin?: boolean;
}

const MAX_STEPS = 20;

/**
 * Drives an authorization request through this kit's login and consent pages without a browser:
 * follows redirects by hand, carries cookies, posts the forms, and returns the URL the
 * authorization server redirected the user agent to — the client's redirect URI with `code`,
 * `state` and `iss` (RFC 9207), or with `error=access_denied` when denied.
 *
 * @see RFC 6749 §4.1.1–4.1.2 (authorization request and response), RFC 9207 (`iss`)
 * @throws {AuthbusError} `TESTKIT_CONSENT_DRIVE_FAILED` when the server answers with an error page
 * (for example an unregistered `redirect_uri`) or the pages loop.
 * @example
 * const callback = await approveConsent(authorizationUrl, { user: "alice" });
 * const code = new URL(callback).searchParams.get("code");
 */
export async function approveConsent(
  authorizationUrl: string | URL,
  options: ApproveConsentOptions = {},
): Promise<string> {
  const start = new URL(authorizationUrl);
  const jar = new CookieJar();
  const user = options.user ?? "alice";
  const requestedAcr = start.searchParams.get("acr_values")?.split(" ").find(Boolean);
  let url = start;
  let init: { method: "GET" | "POST"; body?: URLSearchParams } = { method: "GET" };

  for (let step = 0; step < MAX_STEPS; step += 1) {
    const headers: Record<string, string> = { accept: "text/html" };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(url, {
      method: init.method,
      headers,
      redirect: "manual",
      ...(init.body ? { body: init.body } : {}),
    });
    jar.store(response, url);

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) break;
      const next = new URL(location, url);
      // Leaving the authorization server: this is the redirect to the client.
      if (next.origin !== start.origin) return next.href;
      url = next;
      init = { method: "GET" };
      continue;
    }

    const text = await response.text();
    const prompt = /<meta name="authbus-prompt" content="([^"]*)">/.exec(text)?.[1];
    const interaction = /^\/interaction\/([^/]+)$/.exec(url.pathname);
    if (response.status === 200 && interaction && prompt === "login") {
      if (options.cancelLogin) {
        url = new URL(`${url.pathname}/abort`, url);
        init = { method: "POST", body: new URLSearchParams() };
        continue;
      }
      const body = new URLSearchParams({ login: user, password: options.password ?? "" });
      const acr = options.acr ?? requestedAcr;
      if (acr !== undefined) body.set("acr", acr);
      url = new URL(`${url.pathname}/login`, url);
      init = { method: "POST", body };
      continue;
    }
    if (response.status === 200 && interaction && prompt === "consent") {
      const approve = options.approve ?? true;
      const body = new URLSearchParams({ decision: approve ? "approve" : "deny" });
      if (options.grantScopes) body.set("grant_scopes", options.grantScopes.join(" "));
      url = new URL(`${url.pathname}/${approve ? "confirm" : "abort"}`, url);
      init = { method: "POST", body };
      continue;
    }
    const error = /data-error="([^"]*)"/.exec(text)?.[1];
    const loginError = /<p class="error" role="alert">([^<]*)<\/p>/.exec(text)?.[1];
    throw new AuthbusError({
      code: "TESTKIT_CONSENT_DRIVE_FAILED",
      message:
        `approveConsent: ${init.method} ${url.pathname} answered ${response.status}` +
        (error ? ` (${error})` : loginError ? ` (${loginError})` : ""),
    });
  }
  throw new AuthbusError({
    code: "TESTKIT_CONSENT_DRIVE_FAILED",
    message: `approveConsent: no redirect to the client after ${MAX_STEPS} steps`,
  });
}
