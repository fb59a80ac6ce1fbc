/**
 * @module Answering a challenge without a person: newer stored tokens, a refresh (once for every
 * concurrent caller) or a service client's grant, then one replay; otherwise the challenge as an error.
 */
import {
  type AuthBus,
  AuthChallengeError,
  type TokenKey,
  type TokenRefresher,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import type { AuthFetchEvents } from "./auth-fetch-events.js";
import { refreshOnce } from "./refresh-once.js";
import type { SendAuthorized } from "./send-authorized.js";
import { obtainNewerTokens } from "./single-flight.js";

/** Obtains, stores and returns tokens for a key without a person; see `AuthFetchOptions.obtain`. */
export type ObtainTokens = (
  key: TokenKey,
  options: {
    /** The scopes to ask for; empty means the resource's default. */
    scopes: string[];
    /** The challenge's `resource_metadata` (RFC 9728 §5.1), when it had one. */
    resourceMetadata?: string;
  },
) => Promise<TokenSet>;

/** What {@link createChallengeAnswerer} needs. */
export interface ChallengeAnswererDeps {
  key: TokenKey;
  store: TokenStore;
  bus: AuthBus;
  refresh: TokenRefresher | undefined;
  obtain: ObtainTokens | undefined;
  serverName: string;
  events: AuthFetchEvents;
  sendAuthorized: SendAuthorized;
  /** Told of every {@link AuthChallengeError} just before it rejects. */
  onChallengeError: ((error: AuthChallengeError) => void) | undefined;
}

/** Answers the challenge `response` to a request sent with `sent`: the replay's response, or a rejection. */
export type AnswerChallenge = (
  url: string,
  init: RequestInit,
  sent: TokenSet | undefined,
  response: Response,
) => Promise<Response>;

/** A 401, or a 403 that carries a challenge (a bare 403 is the application's own answer). */
export function isChallenge(response: Response): boolean {
  return response.status === 401 || (response.status === 403 && response.headers.has("www-authenticate"));
}

/** Whether a challenge may be answered with other tokens than `sent`, without a human. */
function mayAnswerSilently(error: AuthChallengeError, sent: TokenSet | undefined): boolean {
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
}

/**
 * Whether a service client answers a challenge with its grant: a 401 without an error code
 * (no token, RFC 6750 §3.1) or with `invalid_token`, or a 403 `insufficient_scope`.
 */
function mayObtain(error: AuthChallengeError): boolean {
  const oauth = error.oauth;
  if (oauth === undefined) return false;
  if (error.status === 401) return oauth.error === undefined || oauth.error === "invalid_token";
  return error.status === 403 && oauth.error === "insufficient_scope";
}

/**
 * The challenge answerer of one authFetch: emits `challenge`, finds tokens that may answer it,
 * emits `request.retried` and replays the request once with them. A replay that is challenged
 * again, or a challenge nothing answers, rejects with its {@link AuthChallengeError}; a refresh
 * or grant that fails rejects with one whose `cause` is that failure.
 *
 * @see RFC 6750 §3.1, RFC 6749 §6, RFC 9728 §5.1
 */
export function createChallengeAnswerer(deps: ChallengeAnswererDeps): AnswerChallenge {
  const { key, store, refresh, obtain, serverName, events } = deps;

  const fail = (error: AuthChallengeError): never => {
    deps.onChallengeError?.(error);
    throw error;
  };

  const refreshTokens = (current: TokenSet): Promise<TokenSet> =>
    refreshOnce(current, { key, refresh: refresh as TokenRefresher, bus: deps.bus, where: events.where });

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

  /** Tokens that may answer `challenge`, or undefined when none may. */
  const findTokens = async (
    challenge: AuthChallengeError,
    sent: TokenSet | undefined,
    response: Response,
    url: string,
  ): Promise<TokenSet | undefined> => {
    const silent = mayAnswerSilently(challenge, sent);
    const service = obtain !== undefined && mayObtain(challenge);
    if (!silent && !service) return undefined;
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
    return next;
  };

  const answer = async (
    url: string,
    init: RequestInit,
    sent: TokenSet | undefined,
    response: Response,
    replayed: boolean,
  ): Promise<Response> => {
    const challenge = await events.challenged(url, init, response, sent);
    if (replayed) return fail(challenge);
    const next = await findTokens(challenge, sent, response, url);
    if (next === undefined) return fail(challenge);
    // Emitted as the request goes out again: over HTTP+SSE the answer can arrive on the stream
    // before the POST's own response, so "after" would come after the caller already has it.
    await events.retried(challenge.url, init, next);
    const retried = await deps.sendAuthorized(url, init, next);
    if (isChallenge(retried)) return answer(url, init, next, retried, true);
    return retried;
  };

  return (url, init, sent, response) => answer(url, init, sent, response, false);
}
