/**
 * @module A challenge-aware `fetch` for the MCP SDK transports: adds the token, reads 401/403,
 * refreshes once — composed from the credentials (`credentials`, `send-authorized`), where the
 * token may go (`resource-scope`, `follow-redirects`), the challenge answer (`answer-challenge`)
 * and the events (`auth-fetch-events`).
 */
import {
  type AuthBus,
  type AuthChallengeError,
  normalizeResource,
  type TokenKey,
  type TokenRefresher,
  type TokenStore,
} from "@authbus/core";
import { outsideRunContext } from "../call-context/outside-run.js";
import { takeTokensRead } from "../call-context/tokens-read.js";
import { createChallengeAnswerer, isChallenge, type ObtainTokens } from "./answer-challenge.js";
import { createAuthFetchEvents } from "./auth-fetch-events.js";
import { withoutAuthorization } from "./credentials.js";
import { type FetchHop, followRedirects } from "./follow-redirects.js";
import { withHeaderLimit } from "./header-limit.js";
import { type FetchLike, replayableAsIs, toReplayableRequest } from "./replayable-request.js";
import { createResourceScope } from "./resource-scope.js";
import { createAuthorizedSender } from "./send-authorized.js";

export type { ObtainTokens } from "./answer-challenge.js";

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

/** @internal Hooks the multi-server client uses to recover errors an SDK transport swallows. */
export interface AuthFetchHooks {
  /** Called with every {@link AuthChallengeError} just before fetch rejects with it. */
  onChallengeError?: (error: AuthChallengeError) => void;
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
  const { serverName, subject, tokens: store, bus } = options;
  const resource = normalizeResource(options.resource);
  const key: TokenKey = { subject, resource };
  const base: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  // A connection the request opens stays pooled; it must not keep the agent run that opened it.
  const send: FetchLike = withHeaderLimit((input, init) => outsideRunContext(() => base(input, init)));
  const events = createAuthFetchEvents({ bus, serverName, resource, subject });
  const sendAuthorized = createAuthorizedSender(send, events);
  const answerChallenge = createChallengeAnswerer({
    key,
    store,
    bus,
    refresh: options.refresh,
    obtain: options.obtain,
    serverName,
    events,
    sendAuthorized,
    onChallengeError: hooks.onChallengeError,
  });
  const scope = createResourceScope(resource);

  /** One hop: the token goes only to the resource's origin, and after a redirect only inside its path. */
  const fetchOnce: FetchHop = async (url, init, redirected = false) => {
    if (!(redirected ? scope.isWithinResource(url) : scope.isResourceOrigin(url)))
      return send(url, withoutAuthorization(init));
    // The tool call's own read of the store, when it just made one (see runWithTokensRead).
    const tokens = takeTokensRead(key) ?? (await store.get(key));
    const response = await sendAuthorized(url, init, tokens);
    if (!isChallenge(response)) return response;
    return answerChallenge(url, init, tokens, response);
  };

  return function fetchWithAuth(input, init) {
    const request = replayableAsIs(input, init);
    return request
      ? followRedirects(request, fetchOnce)
      : toReplayableRequest(input, init).then((replayable) => followRedirects(replayable, fetchOnce));
  };
}
