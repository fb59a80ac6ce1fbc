/** @module The error a caller gets when a resource server answers with an authentication challenge. */

import { MAX_WWW_AUTHENTICATE_LENGTH } from "../limits.js";
import {
  type OAuthChallenge,
  readOAuthChallenge,
  selectOAuthChallenge,
} from "../oauth-challenge/read-oauth-challenge.js";
import { redactUrl } from "../redact/redact.js";
import type { Challenge } from "../www-authenticate/challenge.js";
import { parseWWWAuthenticate } from "../www-authenticate/parse.js";
import { AuthbusError } from "./authbus-error.js";
import { HeaderTooLargeError } from "./header-too-large-error.js";

// Response headers that can carry credentials; an error never keeps them.
const secretHeaders = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "dpop"]);

/** Options of {@link AuthChallengeError}. */
export interface AuthChallengeErrorOptions {
  /** HTTP status of the response, normally 401 or 403. */
  status: number;
  /** The request URL. Query strings are dropped: they may carry credentials. */
  url: string | URL;
  /** The response headers; credential-bearing headers are dropped. */
  headers: Headers;
  /** The MCP server's configured name, when known. */
  serverName?: string;
  cause?: unknown;
}

function withoutSecrets(headers: Headers): Headers {
  const kept = new Headers();
  headers.forEach((value, name) => {
    if (!secretHeaders.has(name)) kept.append(name, value);
  });
  return kept;
}

/**
 * A 401/403 answer with its `WWW-Authenticate` challenges, parsed and read for their OAuth
 * meaning. This is what the MCP SDK's own errors lack: the header, not just the status.
 *
 * A header that does not parse still produces this error: `challenges` is empty and `cause`
 * holds the {@link WWWAuthenticateParseError}. A header longer than
 * {@link MAX_WWW_AUTHENTICATE_LENGTH} is not parsed at all: `challenges` is empty,
 * `wwwAuthenticate` is `null` (so events and logs never carry it) and `cause` is a
 * {@link HeaderTooLargeError}. It never holds an `Authorization`, `Cookie`
 * or `Set-Cookie` header, and `toJSON()` carries no headers at all.
 *
 * @see RFC 9110 §15.5.2 (401), §15.5.4 (403), §11.6.1 (WWW-Authenticate)
 * @example
 * if (isAuthbusError(error, "AUTH_CHALLENGE") && error.oauth?.error === "insufficient_scope") {
 *   askForConsent(error.oauth.scope);
 * }
 */
export class AuthChallengeError extends AuthbusError<"AUTH_CHALLENGE"> {
  override readonly name = "AuthChallengeError";
  readonly status: number;
  readonly url: string;
  readonly serverName: string | undefined;
  readonly wwwAuthenticate: string | null;
  readonly challenges: Challenge[];
  /** The OAuth reading of the challenge a client should act on (Bearer, else DPoP). */
  readonly oauth: OAuthChallenge | undefined;
  declare readonly headers: Headers;

  constructor(init: AuthChallengeErrorOptions) {
    const received = init.headers.get("www-authenticate");
    let challenges: Challenge[] = [];
    let oauth: OAuthChallenge | undefined;
    let problem: unknown = init.cause;
    let wwwAuthenticate = received;
    // A bound on what a server can make us parse and carry in every event and log line.
    if (received !== null && received.length > MAX_WWW_AUTHENTICATE_LENGTH) {
      wwwAuthenticate = null;
      problem ??= new HeaderTooLargeError({
        header: "www-authenticate",
        limit: MAX_WWW_AUTHENTICATE_LENGTH,
        length: received.length,
      });
    } else if (wwwAuthenticate !== null) {
      try {
        challenges = parseWWWAuthenticate(wwwAuthenticate);
        const selected = selectOAuthChallenge(challenges);
        oauth = selected ? readOAuthChallenge(selected) : undefined;
      } catch (error) {
        problem ??= error;
      }
    }
    const where = init.serverName ?? safeOrigin(init.url);
    const what =
      oauth?.error ??
      (received === null
        ? "no WWW-Authenticate header"
        : wwwAuthenticate === null
          ? "WWW-Authenticate header too large"
          : "authentication required");
    const detail = oauth?.errorDescription ? ` (${oauth.errorDescription})` : "";
    super({
      code: "AUTH_CHALLENGE",
      message: `${where} answered ${init.status}: ${what}${detail}`,
      cause: problem,
    });
    this.status = init.status;
    this.url = redactUrl(init.url);
    this.serverName = init.serverName;
    this.wwwAuthenticate = wwwAuthenticate;
    this.challenges = challenges;
    this.oauth = oauth;
    // Non-enumerable, so structured logging and JSON never serialise the headers by accident.
    Object.defineProperty(this, "headers", { value: withoutSecrets(init.headers), enumerable: false });
  }
}

function safeOrigin(url: string | URL): string {
  try {
    return new URL(url).origin;
  } catch {
    return "the server";
  }
}
