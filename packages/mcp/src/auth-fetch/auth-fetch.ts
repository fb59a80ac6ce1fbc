/** @module A challenge-aware `fetch` for the MCP SDK transports: adds the token, reads 401/403, refreshes once. */
import { maxHeaderSize } from "node:http";
import {
  type AuthBus,
  AuthChallengeError,
  fingerprintToken,
  HeaderTooLargeError,
  isHeaderTooLargeError,
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
import { outsideRunContext } from "../call-context/outside-run.js";
import { createDPoPProof } from "../dpop/create-dpop-proof.js";
import { isDPoPNonceChallenge, sharedDPoPNonces } from "../dpop/dpop-nonces.js";
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
  /**
   * Makes this a service client, which never needs a person: obtains, stores and returns new
   * tokens for a key with a non-interactive grant (client credentials, jwt-bearer,
   * enterprise-managed; `createServiceTokens` of `@authbus/oauth`, which also reports on the
   * bus). A 401 without a token or with `invalid_token` (when a refresh cannot answer it), and a
   * 403 `insufficient_scope`, are then answered by obtaining tokens for the union of the held
   * and the challenged scopes and replaying the request once. When the grant fails, fetch
   * rejects with an {@link AuthChallengeError} whose `cause` is the grant's error.
   */
  obtain?: ObtainTokens;
  /** The fetch to send requests with; defaults to the global `fetch`. */
  fetch?: FetchLike;
}

/** Obtains, stores and returns tokens for a key without a person; see {@link AuthFetchOptions.obtain}. */
export type ObtainTokens = (
  key: TokenKey,
  options: {
    /** The scopes to ask for; empty means the resource's default. */
    scopes: string[];
    /** The challenge's `resource_metadata` (RFC 9728 §5.1), when it had one. */
    resourceMetadata?: string;
  },
) => Promise<TokenSet>;

/** @internal Hooks the multi-server client uses to recover errors an SDK transport swallows. */
export interface AuthFetchHooks {
  /** Called with every {@link AuthChallengeError} just before fetch rejects with it. */
  onChallengeError?: (error: AuthChallengeError) => void;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// The fetch standard's redirect limit (WHATWG Fetch §4.4 "HTTP-redirect fetch", step 5).
const MAX_REDIRECTS = 20;

/** A DPoP-bound access token (RFC 9449 §7.1): it goes with a proof of its key. */
function isDPoPBound(tokens: TokenSet): boolean {
  return tokens.tokenType.toLowerCase() === "dpop";
}

function authorizationOf(tokens: TokenSet): string {
  // RFC 6750 §2.1: "Bearer" credentials; a DPoP-bound token (RFC 9449 §7.1) names its own scheme.
  const type = tokens.tokenType.toLowerCase();
  const scheme = type === "bearer" ? "Bearer" : type === "dpop" ? "DPoP" : tokens.tokenType;
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
 * - for a service client (`obtain`), on a 401 or a 403 `insufficient_scope` that a refresh does
 *   not answer, obtains tokens with its grant (union of held and challenged scopes) and replays
 *   the request once; the caller sees the challenge only when the grant fails;
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
  const { serverName, subject, tokens: store, bus, refresh, obtain } = options;
  const resource = normalizeResource(options.resource);
  const origin = new URL(resource).origin;
  const key: TokenKey = { subject, resource };
  const base: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  // A connection the request opens stays pooled; it must not keep the agent run that opened it.
  const send: FetchLike = withHeaderLimit((input, init) => outsideRunContext(() => base(input, init)));

  const where = (): { serverName: string; resource: string; subject: string; callId?: string } => {
    const callId = currentCallId();
    return callId === undefined
      ? { serverName, resource, subject }
      : { serverName, resource, subject, callId };
  };

  const nonces = sharedDPoPNonces;

  /**
   * `init` with the tokens' credentials: `Authorization`, and for a DPoP-bound token a fresh
   * `DPoP` proof for this request (RFC 9449 §7.1: `htm`, `htu`, `ath`, and the server's `nonce`).
   */
  const withAuthorization = async (
    url: string,
    init: RequestInit,
    tokens: TokenSet | undefined,
    nonce?: string,
  ): Promise<RequestInit> => {
    if (!tokens) return init;
    const headers = new Headers(init.headers);
    headers.set("authorization", authorizationOf(tokens));
    headers.delete("dpop");
    if (tokens.dpopKey && isDPoPBound(tokens)) {
      const proof = await createDPoPProof(tokens.dpopKey, {
        method: init.method ?? "GET",
        url,
        accessToken: tokens.accessToken,
        nonce,
      });
      headers.set("dpop", proof);
    }
    return { ...init, headers };
  };

  const withoutAuthorization = (init: RequestInit): RequestInit => {
    if (init.headers === undefined) return init;
    const headers = new Headers(init.headers);
    if (!headers.has("authorization") && !headers.has("dpop")) return init;
    headers.delete("authorization");
    headers.delete("dpop");
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
      : isHeaderTooLargeError(error.cause)
        ? // Not parsed at all: reported as a parse stop at the limit.
          { message: error.cause.message, position: error.cause.limit }
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
   * Sends one request with the tokens' credentials. For a DPoP-bound token the server's
   * `DPoP-Nonce` is kept from every answer (RFC 9449 §9), and a `use_dpop_nonce` challenge that
   * brings a nonce other than the one the proof carried is answered once, after its `challenge`
   * event, with a new proof that carries it.
   */
  const sendAuthorized = async (
    url: string,
    init: RequestInit,
    tokens: TokenSet | undefined,
  ): Promise<Response> => {
    if (!tokens?.dpopKey || !isDPoPBound(tokens)) {
      return send(url, await withAuthorization(url, init, tokens));
    }
    const signed = nonces.get(url);
    const response = await send(url, await withAuthorization(url, init, tokens, signed));
    nonces.remember(url, response);
    const given = response.headers.get("dpop-nonce");
    if (!isDPoPNonceChallenge(response) || given === null || given === signed) return response;
    const method = (init.method ?? "GET").toUpperCase();
    const challenge = new AuthChallengeError({
      status: response.status,
      url,
      headers: response.headers,
      serverName,
    });
    await response.body?.cancel().catch(() => undefined);
    await emitChallenge(challenge, method, tokens);
    bus.emit("request.retried", {
      ...where(),
      url: challenge.url,
      method,
      tokenFingerprint: await fingerprintToken(tokens.accessToken),
    });
    const retried = await send(url, await withAuthorization(url, init, tokens, nonces.get(url)));
    nonces.remember(url, retried);
    return retried;
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
      next = await (refresh as TokenRefresher)(key, { stale: current });
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

  /**
   * Whether a service client answers a challenge with its grant: a 401 without an error code
   * (no token, RFC 6750 §3.1) or with `invalid_token`, or a 403 `insufficient_scope`.
   */
  const mayObtain = (error: AuthChallengeError): boolean => {
    const oauth = error.oauth;
    if (oauth === undefined) return false;
    if (error.status === 401) return oauth.error === undefined || oauth.error === "invalid_token";
    return error.status === 403 && oauth.error === "insufficient_scope";
  };

  /**
   * Tokens from the service client's grant, for the union of the scopes held and those the
   * challenge asks for (step-up never loses access). Tokens another caller stored since this
   * request was sent are used when they already hold those scopes.
   */
  const obtainTokens = async (error: AuthChallengeError, sent: TokenSet | undefined): Promise<TokenSet> => {
    const scopes = [...new Set([...(sent?.scopes ?? []), ...(error.oauth?.scope ?? [])])].filter(Boolean);
    const current = await store.get(key);
    if (
      current &&
      current.accessToken !== sent?.accessToken &&
      scopes.every((scope) => current.scopes.includes(scope))
    ) {
      return current;
    }
    const resourceMetadata = error.oauth?.resourceMetadata;
    return (obtain as ObtainTokens)(key, {
      scopes,
      ...(resourceMetadata === undefined ? {} : { resourceMetadata }),
    });
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
    if (replayed) return fail(challenge);
    const silent = mayAnswerSilently(challenge, sent);
    const service = obtain !== undefined && mayObtain(challenge);
    if (!silent && !service) return fail(challenge);

    let next: TokenSet | undefined;
    try {
      if (silent) {
        try {
          const newer = await obtainNewerTokens(
            store,
            key,
            sent,
            sent && refresh ? refreshTokens : undefined,
          );
          if (newer.kind !== "none") next = newer.tokens;
        } catch (error) {
          // A service client whose refresh failed gets new tokens with its grant instead.
          if (!service) throw error;
        }
      }
      if (next === undefined && service) next = await obtainTokens(challenge, sent);
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
    if (next === undefined) return fail(challenge);

    // Emitted as the request goes out again: over HTTP+SSE the answer can arrive on the stream
    // before the POST's own response, so "after" would come after the caller already has it.
    bus.emit("request.retried", {
      ...where(),
      url: challenge.url,
      method,
      tokenFingerprint: await fingerprintToken(next.accessToken),
    });
    const retried = await sendAuthorized(url, init, next);
    if (isChallenge(retried)) return onChallenge(url, init, next, retried, true);
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
    const response = await sendAuthorized(url, init, tokens);
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
      try {
        url = new URL(location, url).href;
      } catch (error) {
        // WHATWG Fetch §4.4: a Location that does not parse is a network error (a TypeError, as fetch throws).
        throw new TypeError(`fetch failed: ${redactUrl(url)} redirected to a Location that is not a URL`, {
          cause: error,
        });
      }
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

/**
 * `send`, with the HTTP client's refusal of an oversized header block (undici's
 * `UND_ERR_HEADERS_OVERFLOW`, over `--max-http-header-size`) turned into a
 * {@link HeaderTooLargeError} instead of a bare `TypeError: fetch failed`.
 */
function withHeaderLimit(send: FetchLike): FetchLike {
  return async (input, init) => {
    try {
      return await send(input, init);
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      if (code === "UND_ERR_HEADERS_OVERFLOW")
        throw new HeaderTooLargeError({ header: "*", limit: maxHeaderSize });
      throw error;
    }
  };
}
