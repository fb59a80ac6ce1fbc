/** @module A challenge-aware `fetch` for the MCP SDK transports: adds the token, reads 401/403, refreshes once. */
import {
  type AuthBus,
  AuthChallengeError,
  fingerprintToken,
  isWWWAuthenticateParseError,
  normalizeResource,
  redactUrl,
  summarizeError,
  type TokenKey,
  type TokenRefresher,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import { currentCallId } from "../call-context/call-id.js";
import {
  type FetchLike,
  type ReplayableRequest,
  replayableAsIs,
  toReplayableRequest,
} from "./replayable-request.js";
import { obtainNewerTokens } from "./single-flight.js";

/** Options of {@link authFetch}. */
export interface AuthFetchOptions {
  /** The MCP server's configured name; it is in every event and error. */
  serverName: string;
  /** The protected resource the tokens were issued for (RFC 8707); usually the MCP server URL. */
  resource: string;
  /** Whose tokens to send: the store key is (subject, resource). */
  subject: string;
  tokens: TokenStore;
  bus: AuthBus;
  /** Refreshes and stores the tokens of a key (e.g. `createRefresher` of `@authbus/oauth`). Without it, no silent refresh. */
  refresh?: TokenRefresher;
  /** The fetch to send requests with; defaults to the global `fetch`. */
  fetch?: FetchLike;
}

/** @internal Hooks the multi-server client uses to recover errors an SDK transport swallows. */
export interface AuthFetchHooks {
  /** Called with every {@link AuthChallengeError} just before fetch rejects with it. */
  onChallengeError?: (error: AuthChallengeError) => void;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// The fetch standard's redirect limit (WHATWG Fetch §4.4 "HTTP-redirect fetch", step 5).
const MAX_REDIRECTS = 20;

function authorizationOf(tokens: TokenSet): string {
  // RFC 6750 §2.1: "Bearer" credentials; a DPoP-bound token (RFC 9449 §7.1) names its own scheme.
  const scheme = tokens.tokenType.toLowerCase() === "bearer" ? "Bearer" : tokens.tokenType;
  return `${scheme} ${tokens.accessToken}`;
}

/**
 * Creates a `fetch` for the MCP SDK's `StreamableHTTPClientTransport` and `SSEClientTransport`
 * (their `fetch` option) that:
 *
 * - adds `Authorization` with the token stored for (subject, resource), only on requests to the
 *   resource's origin; a request to any other origin is sent without `Authorization`, and
 *   redirects are followed hop by hop under the same rule;
 * - on a 401, or a 403 with `WWW-Authenticate`, emits `challenge` on the bus (with the tool
 *   call's `callId`, see {@link runWithCallId}), also when the header does not parse;
 * - on `invalid_token` with a refresh token held and no new scope asked, refreshes once for all
 *   concurrent callers of the same (subject, resource) and replays the request once with the
 *   new token (`request.retried`); the caller never sees the 401;
 * - otherwise rejects with an {@link AuthChallengeError} carrying status, URL, headers,
 *   `wwwAuthenticate` and the parsed `challenges`.
 *
 * Request bodies are made replayable first (a stream body is read into memory). Events and
 * errors name tokens by fingerprint only.
 *
 * @see RFC 6750 §2.1 (Bearer header), §3 (WWW-Authenticate), RFC 6749 §6 (refresh),
 *   RFC 9728 §5.1 (resource_metadata), RFC 8707 (a token goes to its resource only)
 * @throws {AuthChallengeError} (as a rejected promise) for a challenge it cannot answer silently.
 * @example
 * const transport = new StreamableHTTPClientTransport(new URL(url), {
 *   fetch: authFetch({ serverName: "files", resource: url, subject: "alice", tokens, bus, refresh }),
 * });
 * await new Client({ name: "app", version: "1.0.0" }).connect(transport);
 */
export function authFetch(options: AuthFetchOptions): FetchLike {
  return createAuthFetch(options, {});
}

/** @internal {@link authFetch} with hooks for the multi-server client. */
export function createAuthFetch(options: AuthFetchOptions, hooks: AuthFetchHooks): FetchLike {
  const { serverName, subject, tokens: store, bus, refresh } = options;
  const resource = normalizeResource(options.resource);
  const origin = new URL(resource).origin;
  const key: TokenKey = { subject, resource };
  const send: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  const where = (): { serverName: string; resource: string; subject: string; callId?: string } => {
    const callId = currentCallId();
    return callId === undefined
      ? { serverName, resource, subject }
      : { serverName, resource, subject, callId };
  };

  const withAuthorization = (init: RequestInit, tokens: TokenSet | undefined): RequestInit => {
    if (!tokens) return init;
    const headers = new Headers(init.headers);
    headers.set("authorization", authorizationOf(tokens));
    return { ...init, headers };
  };

  const withoutAuthorization = (init: RequestInit): RequestInit => {
    if (init.headers === undefined) return init;
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) return init;
    headers.delete("authorization");
    return { ...init, headers };
  };

  const fail = (error: AuthChallengeError): never => {
    hooks.onChallengeError?.(error);
    throw error;
  };

  const emitChallenge = async (
    error: AuthChallengeError,
    method: string,
    sent: TokenSet | undefined,
  ): Promise<void> => {
    const parseError = isWWWAuthenticateParseError(error.cause)
      ? { message: error.cause.message, position: error.cause.position }
      : undefined;
    bus.emit("challenge", {
      ...where(),
      status: error.status,
      url: error.url,
      method,
      wwwAuthenticate: error.wwwAuthenticate,
      challenges: error.challenges,
      ...(error.oauth ? { oauth: error.oauth } : {}),
      ...(parseError ? { parseError } : {}),
      ...(sent ? { tokenFingerprint: await fingerprintToken(sent.accessToken) } : {}),
    });
  };

  /**
   * Runs the refresher once. A refresher that reports on the bus itself (`createRefresher` of
   * `@authbus/oauth` does) is not echoed: the `token.*` events it emitted for this key are
   * watched, and only those it did not emit are emitted here, after it settles.
   */
  const refreshTokens = async (current: TokenSet): Promise<TokenSet> => {
    const previousFingerprint = await fingerprintToken(current.accessToken);
    let refresherReports = false;
    const watch = (event: { subject: string; resource: string }): void => {
      if (event.subject === subject && event.resource === resource) refresherReports = true;
    };
    bus.on("token.refreshing", watch);
    let next: TokenSet;
    try {
      next = await (refresh as TokenRefresher)(key);
    } catch (error) {
      bus.off("token.refreshing", watch);
      if (!refresherReports) {
        bus.emit("token.refreshing", { ...where(), tokenFingerprint: previousFingerprint });
        bus.emit("token.refresh_failed", { ...where(), error: summarizeError(error) });
      }
      throw error;
    }
    bus.off("token.refreshing", watch);
    if (!refresherReports) {
      bus.emit("token.refreshing", { ...where(), tokenFingerprint: previousFingerprint });
      bus.emit("token.refreshed", {
        ...where(),
        tokenFingerprint: await fingerprintToken(next.accessToken),
        previousFingerprint,
        ...(next.expiresAt === undefined ? {} : { expiresAt: next.expiresAt }),
      });
    }
    return next;
  };

  /** Whether a challenge may be answered with other tokens than `sent`, without a human. */
  const mayAnswerSilently = (error: AuthChallengeError, sent: TokenSet | undefined): boolean => {
    if (error.status !== 401) return false;
    const oauth = error.oauth;
    if (oauth === undefined) return false;
    if (sent === undefined) {
      // RFC 6750 §3.1: a request without credentials gets no error code. Tokens may have been
      // stored since this request was sent; they are tried, nothing is refreshed.
      return oauth.error === undefined;
    }
    if (oauth.error !== "invalid_token") return false;
    // A challenge that asks for scopes the token does not hold needs a human (RFC 6750 §3.1).
    return (oauth.scope ?? []).every((scope) => sent.scopes.includes(scope));
  };

  const onChallenge = async (
    url: string,
    init: RequestInit,
    sent: TokenSet | undefined,
    response: Response,
    replayed: boolean,
  ): Promise<Response> => {
    const method = (init.method ?? "GET").toUpperCase();
    const challenge = new AuthChallengeError({
      status: response.status,
      url,
      headers: response.headers,
      serverName,
    });
    await response.body?.cancel().catch(() => undefined);
    await emitChallenge(challenge, method, sent);
    if (replayed || !mayAnswerSilently(challenge, sent)) return fail(challenge);

    let newer: Awaited<ReturnType<typeof obtainNewerTokens>>;
    try {
      newer = await obtainNewerTokens(store, key, sent, sent && refresh ? refreshTokens : undefined);
    } catch (error) {
      return fail(
        new AuthChallengeError({
          status: response.status,
          url,
          headers: response.headers,
          serverName,
          cause: error,
        }),
      );
    }
    if (newer.kind === "none") return fail(challenge);

    // Emitted as the request goes out again: over HTTP+SSE the answer can arrive on the stream
    // before the POST's own response, so "after" would come after the caller already has it.
    bus.emit("request.retried", {
      ...where(),
      url: challenge.url,
      method,
      tokenFingerprint: await fingerprintToken(newer.tokens.accessToken),
    });
    const retried = await send(url, withAuthorization(init, newer.tokens));
    if (isChallenge(retried)) return onChallenge(url, init, newer.tokens, retried, true);
    return retried;
  };

  // The origin followed by "/" ends the authority, so a prefix match is exact; anything else is parsed.
  const originSlash = `${origin}/`;
  const isResourceOrigin = (url: string): boolean =>
    url.startsWith(originSlash) || url === origin || new URL(url).origin === origin;

  // A redirect may point anywhere on the origin, e.g. to another MCP server behind the same
  // gateway; the token follows it only inside the resource's own path (RFC 8707: a token is
  // for its resource).
  const resourcePath = new URL(key.resource).pathname;
  const resourcePrefix = resourcePath.endsWith("/") ? resourcePath : `${resourcePath}/`;
  const isWithinResource = (url: string): boolean => {
    const target = new URL(url);
    return (
      target.origin === origin &&
      (target.pathname === resourcePath || target.pathname.startsWith(resourcePrefix))
    );
  };

  /** One hop: the token goes only to the resource's origin, and after a redirect only inside its path. */
  const fetchOnce = async (url: string, init: RequestInit, redirected = false): Promise<Response> => {
    if (!(redirected ? isWithinResource(url) : isResourceOrigin(url)))
      return send(url, withoutAuthorization(init));
    const tokens = await store.get(key);
    const response = await send(url, withAuthorization(init, tokens));
    if (!isChallenge(response)) return response;
    return onChallenge(url, init, tokens, response, false);
  };

  return function fetchWithAuth(input, init) {
    const request = replayableAsIs(input, init);
    return request ? fetchRequest(request) : toReplayableRequest(input, init).then(fetchRequest);
  };

  async function fetchRequest(request: ReplayableRequest): Promise<Response> {
    const redirect = request.init.redirect ?? "follow";
    if (redirect !== "follow") return fetchOnce(request.url, request.init);
    // Redirects are followed here, hop by hop, so Authorization never follows one to another origin.
    let url = request.url;
    let hopInit: RequestInit = { ...request.init, redirect: "manual" };
    for (let hop = 0; ; hop++) {
      const response = await fetchOnce(url, hopInit, hop > 0);
      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get("location") : null;
      if (location === null) return response;
      if (hop === MAX_REDIRECTS) {
        await response.body?.cancel().catch(() => undefined);
        throw new TypeError(
          `fetch failed: more than ${MAX_REDIRECTS} redirects from ${redactUrl(request.url)}`,
        );
      }
      await response.body?.cancel().catch(() => undefined);
      url = new URL(location, url).href;
      const method = (hopInit.method ?? "GET").toUpperCase();
      // WHATWG Fetch §4.4: 303 (other than HEAD), and 301/302 after POST, become a GET without a body.
      if (
        (response.status === 303 && method !== "HEAD") ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        const headers = new Headers(hopInit.headers);
        for (const name of [
          "content-type",
          "content-length",
          "content-encoding",
          "content-language",
          "content-location",
        ]) {
          headers.delete(name);
        }
        const { body: _body, ...rest } = hopInit;
        hopInit = { ...rest, method: "GET", headers };
      }
    }
  }
}

/** A 401, or a 403 that carries a challenge (a bare 403 is the application's own answer). */
function isChallenge(response: Response): boolean {
  return response.status === 401 || (response.status === 403 && response.headers.has("www-authenticate"));
}
