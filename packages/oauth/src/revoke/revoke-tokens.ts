/** @module Forgetting a grant: RFC 7009 revocation at the authorization server, then deletion from the TokenStore. */
import {
  type AuthBus,
  checkTokenKey,
  fingerprintToken,
  summarizeError,
  type TokenKey,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import * as oauth from "oauth4webapi";
import type { ClientRegistrationStore } from "../client/client-registration-store.js";
import { type ClientConfig, clientForId } from "../client/resolve-client.js";
import { createDiscovery, type Discovery } from "../discovery/create-discovery.js";
import { safeCause } from "../errors/oauth-errors.js";
import { isRequestBoundError } from "../errors/request-errors.js";
import { RevocationError } from "../errors/revocation-error.js";
import { refreshInFlight } from "../refresh/create-refresher.js";
import { type HttpOptions, pickHttpOptions, requestOptions } from "../shared/http-options.js";

/** Options of {@link revokeTokens}. */
export interface RevokeTokensOptions extends HttpOptions {
  /** Where the tokens are kept; they are deleted from it in every case. */
  tokens: TokenStore;
  /** Receives `token.revoked` when tokens were held. */
  bus?: AuthBus;
  /** The client config used for consents, so a confidential client authenticates (RFC 7009 §2.1). */
  client?: ClientConfig;
  /** Dynamically registered clients (for a registered client's secret, if it got one). */
  registrations?: ClientRegistrationStore;
  /** Metadata cache to share with consents and refresh. Default: a new one with these options. */
  discovery?: Discovery;
  /** The server name the event carries. Default: the resource's host. */
  serverName?: (key: TokenKey) => string;
}

/** A token type RFC 7009 §2.1 names in `token_type_hint`. */
export type RevokedTokenType = "refresh_token" | "access_token";

/**
 * What happened at the authorization server: `revoked` (it revoked every token it can; `revoked`
 * lists them), `unsupported` (no `revocation_endpoint` in its metadata, or it revokes neither
 * token type), `failed` (unreachable, timed out or refused; see `error`), `skipped` (nothing was
 * sent: no tokens were held, or they could not be read).
 */
export type RevocationOutcome = "revoked" | "unsupported" | "failed" | "skipped";

/** The result of {@link revokeTokens}. */
export interface RevokeTokensResult {
  /** Whether tokens were held for the key. Either way, none are held now. */
  held: boolean;
  server: RevocationOutcome;
  /**
   * The token types the server confirmed revoking, in the order sent. An access token the server
   * cannot revoke (RFC 7009 §2.2.1 `unsupported_token_type`, e.g. a JWT) is missing here and
   * stays valid until it expires, although revoking the refresh token usually ends its grant.
   */
  revoked: RevokedTokenType[];
  /** Why `server` is `failed` or a held value was `skipped`: a typed error, never holding a token. */
  error?: Error;
}

/**
 * Forgets a person's grant for a resource: revokes the refresh token, then the access token, at
 * the authorization server's `revocation_endpoint` when its metadata advertises one (RFC 7009
 * §2.1, authenticating as the client the tokens were issued to), and deletes them from the
 * `TokenStore`. The tokens are deleted locally in every case, also when the server is
 * unreachable, times out (`timeoutMs`) or refuses; the result says what the server confirmed.
 * A refresh in flight for the key (from `createRefresher` over the same store) is awaited first,
 * so the newest tokens are the ones revoked. Emits `token.revoked` (fingerprints only) when
 * tokens were held.
 *
 * Revocation comes first and deletion second, the order that survives a crash in between: a
 * revoked token left in the store fails at next use (`invalid_grant`, a new consent), while a
 * token deleted but never revoked would stay valid at the server.
 *
 * @see RFC 7009 §2.1, §2.2, §2.2.1
 * @example
 * const result = await revokeTokens({ subject: "alice", resource: "https://files.example.com/mcp" },
 *   { tokens: stores.tokens, bus, client, registrations: stores.registrations });
 * if (result.server === "failed") console.warn(`deleted locally; the server said: ${result.error?.message}`);
 * @throws {AuthbusError} `INVALID_STORE_KEY` for a malformed key; otherwise only when the store cannot delete.
 */
export async function revokeTokens(key: TokenKey, options: RevokeTokensOptions): Promise<RevokeTokensResult> {
  const checked = checkTokenKey(key);
  const { tokens, bus } = options;
  const http = pickHttpOptions(options);
  await refreshInFlight(tokens, checked)?.catch(() => undefined);

  let held: TokenSet | undefined;
  let result: RevokeTokensResult;
  try {
    held = await tokens.get(checked);
  } catch (error) {
    // An unreadable stored value (e.g. StoreCorruptError) cannot be revoked, but is still forgotten.
    await tokens.delete(checked);
    result = {
      held: true,
      server: "skipped",
      revoked: [],
      error: typedError(error, "the stored tokens could not be read"),
    };
    await emit(bus, options, checked, undefined, result);
    return result;
  }
  if (!held) return { held: false, server: "skipped", revoked: [] };

  try {
    result = await revokeAtServer(checked, held, options, http);
  } finally {
    // RFC 7009 §2.1 asks the server to forget; locally the tokens are forgotten whatever it said.
    await tokens.delete(checked);
  }
  await emit(bus, options, checked, held, result);
  return result;
}

async function revokeAtServer(
  key: TokenKey,
  held: TokenSet,
  options: RevokeTokensOptions,
  http: HttpOptions,
): Promise<RevokeTokensResult> {
  const failed = (message: string, cause: unknown, error?: string): RevokeTokensResult => ({
    held: true,
    server: "failed",
    revoked: [],
    error: new RevocationError({ message, error, cause: safeCause(cause) }),
  });

  let as: oauth.AuthorizationServer;
  try {
    const discovery = options.discovery ?? createDiscovery(http);
    as = held.issuer
      ? await discovery.forIssuer(held.issuer)
      : (await discovery.forResource(key.resource)).authorizationServer;
  } catch (error) {
    return failed(
      `could not discover the authorization server for ${key.resource} to revoke its tokens`,
      error,
    );
  }
  // RFC 7009 §2: revocation_endpoint is optional; without it there is nothing to ask.
  if (!as.revocation_endpoint) return { held: true, server: "unsupported", revoked: [] };
  if (!held.clientId) {
    return {
      held: true,
      server: "skipped",
      revoked: [],
      error: new RevocationError({
        message: `the tokens for ${key.resource} do not name the client they were issued to`,
      }),
    };
  }

  let client: oauth.Client;
  let auth: oauth.ClientAuth;
  try {
    ({ client, auth } = await clientForId(as, held.clientId, options.client, options.registrations));
  } catch (error) {
    return failed(`could not load the client registration for ${as.issuer}`, error);
  }

  const revoked: RevokedTokenType[] = [];
  let problem: RevokeTokensResult | undefined;
  // The refresh token first: revoking it ends the grant (RFC 7009 §2.1), the access token with it at most servers.
  const sent: [string | undefined, RevokedTokenType][] = [
    [held.refreshToken, "refresh_token"],
    [held.accessToken, "access_token"],
  ];
  for (const [token, hint] of sent) {
    if (!token) continue;
    try {
      const response = await oauth.revocationRequest(as, client, auth, token, {
        ...requestOptions(as.revocation_endpoint, http),
        additionalParameters: { token_type_hint: hint },
      });
      // RFC 7009 §2.2: 200 means revoked (or already invalid); anything else is an error response.
      await oauth.processRevocationResponse(response);
      revoked.push(hint);
    } catch (error) {
      const oauthError = error instanceof oauth.ResponseBodyError ? error.error : undefined;
      // RFC 7009 §2.2.1: the server cannot revoke this type (e.g. self-contained JWT access
      // tokens); not a failure, the token simply lives until it expires.
      if (oauthError === "unsupported_token_type") continue;
      problem ??= failed(
        `${as.issuer} did not confirm revoking the ${hint.replace("_", " ")} for ${key.resource}: ${
          oauthError ?? (error instanceof Error ? error.message : "unknown error")
        }`,
        error,
        oauthError,
      );
      // A server that answered may still take the other token; one that did not is not asked again.
      if (oauthError === undefined || isRequestBoundError(error)) break;
    }
  }
  if (problem) return { ...problem, revoked };
  return { held: true, server: revoked.length > 0 ? "revoked" : "unsupported", revoked };
}

function typedError(error: unknown, fallback: string): Error {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === "string") return error;
  return new RevocationError({ message: fallback, cause: safeCause(error) });
}

async function emit(
  bus: AuthBus | undefined,
  options: RevokeTokensOptions,
  key: TokenKey,
  held: TokenSet | undefined,
  result: RevokeTokensResult,
): Promise<void> {
  if (!bus) return;
  const tokenFingerprint = held ? await fingerprintToken(held.accessToken) : undefined;
  bus.emit("token.revoked", {
    serverName: options.serverName?.(key) ?? new URL(key.resource).host,
    resource: key.resource,
    subject: key.subject,
    ...(tokenFingerprint === undefined ? {} : { tokenFingerprint }),
    server: result.server,
    revoked: [...result.revoked],
    ...(result.error ? { error: summarizeError(result.error) } : {}),
  });
}
