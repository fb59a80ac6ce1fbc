/** @module Tokens for agents that run as services: discover, run the configured non-interactive grant, store, report. */
import {
  type AuthBus,
  checkTokenKey,
  fingerprintToken,
  generateDPoPKey,
  isAuthbusError,
  type TokenKey,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import { createDiscovery, type Discovery, type ResourceDiscovery } from "../discovery/create-discovery.js";
import { type DPoPMode, selectDPoPAlgorithm } from "../dpop/select-dpop-algorithm.js";
import { GrantError, safeCause } from "../errors/oauth-errors.js";
import { type HttpOptions, pickHttpOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import { requestClientCredentialsToken } from "./client-credentials.js";
import { requestEnterpriseManagedToken } from "./enterprise-managed.js";
import type { IdentityProvider } from "./id-jag-exchange.js";
import { requestJwtBearerToken } from "./jwt-bearer.js";
import type { GrantName, ServiceGrantInput } from "./send-grant.js";
import { checkServiceClient, type ServiceClient } from "./service-client.js";

/** What an assertion or identity provider is told about the token being obtained. */
export interface AssertionContext {
  /** The store key's subject: the workload, or the signed-in user. */
  subject: string;
  /** The RFC 8707 resource identifier the token is for. */
  resource: string;
  /** The authorization server's issuer: the `aud` a workload assertion must carry (RFC 7523 §3). */
  audience: string;
}

/**
 * Returns a fresh JWT for the workload (a platform-issued workload identity token whose `aud`
 * is `context.audience`). Called once per grant; the result is never stored.
 */
export type AssertionProvider = (context: AssertionContext) => string | Promise<string>;

/** Returns the signed-in user's ID token (from the app's sign-in session) for `context.subject`. */
export type IdTokenProvider = (context: AssertionContext) => string | Promise<string>;

/** The non-interactive grant a service client uses. */
export type ServiceGrant =
  /** RFC 6749 §4.4: the client's own credentials. */
  | { type: "client_credentials"; client: ServiceClient }
  /** RFC 7523 §2.1 workload identity federation: a JWT the platform issues to the workload. */
  | { type: "jwt_bearer"; client: ServiceClient; assertion: AssertionProvider }
  /**
   * Enterprise-managed authorization: the user's ID token exchanged at the enterprise identity
   * provider for an ID-JAG, then the jwt-bearer grant with it.
   */
  | { type: "enterprise_managed"; client: ServiceClient; idp: IdentityProvider; idToken: IdTokenProvider };

/** Options of {@link createServiceTokens}. */
export interface ServiceTokensOptions extends HttpOptions {
  tokens: TokenStore;
  bus: AuthBus;
  /** Which grant, with which credentials. */
  grant: ServiceGrant;
  /**
   * The authorization servers (issuers, exactly as their metadata states them) the credentials
   * may be sent to. Default: any the resource's metadata names. Set it when the credentials are
   * a secret: a resource that names another server then gets nothing.
   */
  authorizationServers?: readonly string[];
  /** Metadata cache to share with consents and refresh. Default: a new one using `fetch`. */
  discovery?: Discovery;
  /** The server name events carry for a key. Default: the resource's host. */
  serverName?: (key: TokenKey) => string;
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * Whether tokens are DPoP-bound (RFC 9449), as for consents: `"auto"` (default) when the
   * authorization server advertises an algorithm authbus signs with or the resource takes
   * only DPoP-bound tokens; the key is kept with the tokens and reused for the next grant.
   */
  dpop?: DPoPMode;
}

/** Options of one call of {@link ServiceTokens}. */
export interface ObtainTokensOptions {
  /**
   * Scopes to ask for (for step-up, the union of held and challenged scopes). Default: the
   * resource's `scopes_supported`, else none.
   */
  scopes?: readonly string[];
  /** The challenge's `resource_metadata` URL (RFC 9728 §5.1), when there was one. */
  resourceMetadata?: string;
}

/**
 * Obtains, stores and returns tokens for a key with the configured grant. Pass it to `authFetch`
 * of `@authbus/mcp` as `obtain`.
 */
export type ServiceTokens = (key: TokenKey, options?: ObtainTokensOptions) => Promise<TokenSet>;

// Process-wide: every service-token function over the same store shares one grant per key.
const grantFlights = new WeakMap<TokenStore, Map<string, Promise<TokenSet>>>();

function flightsOf(store: TokenStore): Map<string, Promise<TokenSet>> {
  let flights = grantFlights.get(store);
  if (!flights) {
    flights = new Map();
    grantFlights.set(store, flights);
  }
  return flights;
}

function covers(tokens: TokenSet, scopes: readonly string[]): boolean {
  return scopes.every((scope) => tokens.scopes.includes(scope));
}

function checkGrant(grant: ServiceGrant): void {
  if (!["client_credentials", "jwt_bearer", "enterprise_managed"].includes(grant?.type)) {
    throw new TypeError(`unknown service grant ${JSON.stringify((grant as { type?: unknown })?.type)}`);
  }
  checkServiceClient(grant.client);
  if (grant.type === "jwt_bearer" && typeof grant.assertion !== "function") {
    throw new TypeError("the jwt_bearer grant needs an assertion provider function");
  }
  if (grant.type === "enterprise_managed") {
    if (typeof grant.idToken !== "function") {
      throw new TypeError("the enterprise_managed grant needs an idToken provider function");
    }
    checkServiceClient(grant.idp.client);
    if (!URL.canParse(grant.idp.tokenEndpoint))
      throw new TypeError("idp.tokenEndpoint must be an absolute URL");
  }
}

/**
 * Creates the token source of a service client: an agent that runs without a person gets its
 * tokens with client credentials, a workload identity JWT (jwt-bearer) or enterprise-managed
 * authorization (ID-JAG). For a key it discovers the resource's authorization server (RFC 9728
 * → RFC 8414), runs the grant with the RFC 8707 `resource` exactly as the protected resource
 * metadata states it, stores the tokens (with `issuer` and `clientId`) and emits
 * `token.obtaining` then `token.obtained` or `token.obtain_failed`. Events carry fingerprints,
 * never a token or an assertion.
 *
 * Concurrent calls for the same (subject, resource) over the same store share one grant; a
 * caller that needs scopes the shared result lacks runs one more grant. A refused grant is not
 * retried and never turns into a consent: it rejects with a {@link GrantError}.
 *
 * @see RFC 6749 §4.4, RFC 7523 §2.1, §2.2, RFC 8693, RFC 8707 §2, RFC 9728 §3, MCP extensions
 *   `oauth-client-credentials` (SEP-1046), `auth/wif` (SEP-1933), `enterprise-managed-authorization` (SEP-990)
 * @example
 * const obtain = createServiceTokens({
 *   tokens, bus,
 *   grant: { type: "client_credentials", client: { clientId: "reporting-agent", clientSecret } },
 * });
 * const fetch = authFetch({ serverName: "reports", resource: url, subject: "reporting-agent", tokens, bus, obtain });
 * @throws {TypeError} at creation, for a grant configuration that lacks what it needs.
 * @throws {GrantError} from the returned function, when no tokens could be obtained.
 */
export function createServiceTokens(options: ServiceTokensOptions): ServiceTokens {
  const { tokens, bus, grant } = options;
  checkGrant(grant);
  const http: HttpOptions = pickHttpOptions(options);
  const discovery = options.discovery ?? createDiscovery(http);
  const now = options.now ?? Date.now;
  const serverName = options.serverName ?? ((key: TokenKey) => new URL(key.resource).host);
  const grantName: GrantName = grant.type;

  const discover = async (key: TokenKey, hint: string | undefined): Promise<ResourceDiscovery> => {
    let found: ResourceDiscovery;
    try {
      found = await discovery.forResource(key.resource, hint);
    } catch (error) {
      throw new GrantError({
        message: `could not discover the authorization server for ${key.resource}: ${error instanceof Error ? error.message : "unknown error"}`,
        grant: grantName,
        step: "discovery",
        retryable: true,
        cause: safeCause(error),
      });
    }
    const issuer = found.authorizationServer.issuer;
    if (options.authorizationServers && !options.authorizationServers.includes(issuer)) {
      throw new GrantError({
        message: `${key.resource} names authorization server ${issuer}, which the ${grantName} credentials are not for`,
        grant: grantName,
        step: "discovery",
        retryable: false,
        issuer,
      });
    }
    return found;
  };

  const provide = async (
    what: string,
    issuer: string,
    get: () => string | Promise<string>,
  ): Promise<string> => {
    try {
      const value = await get();
      if (typeof value !== "string" || value === "")
        throw new TypeError(`the ${what} provider returned nothing`);
      return value;
    } catch (error) {
      throw new GrantError({
        message: `the ${what} provider failed: ${error instanceof Error ? error.message : "unknown error"}`,
        grant: grantName,
        step: "assertion",
        retryable: true,
        issuer,
        cause: safeCause(error),
      });
    }
  };

  const runGrant = (input: ServiceGrantInput, context: AssertionContext): Promise<TokenSet> => {
    switch (grant.type) {
      case "client_credentials":
        return requestClientCredentialsToken(input);
      case "jwt_bearer":
        return provide("assertion", context.audience, () => grant.assertion(context)).then((assertion) =>
          requestJwtBearerToken({ ...input, assertion }),
        );
      case "enterprise_managed":
        return provide("ID token", context.audience, () => grant.idToken(context)).then((subjectToken) =>
          requestEnterpriseManagedToken({ ...input, idp: grant.idp, subjectToken }),
        );
    }
  };

  const obtainOnce = async (key: TokenKey, asked: ObtainTokensOptions): Promise<TokenSet> => {
    const where = { serverName: serverName(key), resource: key.resource, subject: key.subject };
    let scopes = [...(asked.scopes ?? [])];
    try {
      const found = await discover(key, asked.resourceMetadata);
      // MCP scope selection: what was asked for, else the resource's scopes_supported.
      if (scopes.length === 0) scopes = [...(found.metadata.scopes_supported ?? [])];
      bus.emit("token.obtaining", { ...where, grant: grantName, scopes });
      const as = found.authorizationServer;
      // RFC 8707 §2 / RFC 9728 §3.3: the resource exactly as its metadata states it.
      const resource = found.metadata.resource;
      const dpopAlgorithm = selectDPoPAlgorithm({
        mode: options.dpop,
        advertised: as.dpop_signing_alg_values_supported,
        resourceRequiresDPoP: found.metadata.dpop_bound_access_tokens_required,
      });
      const held = dpopAlgorithm ? await tokens.get(key) : undefined;
      const dpopKey = !dpopAlgorithm
        ? undefined
        : held?.dpopKey?.alg === dpopAlgorithm
          ? held.dpopKey
          : await generateDPoPKey(dpopAlgorithm);
      const input: ServiceGrantInput = {
        ...http,
        authorizationServer: as,
        client: grant.client,
        resource,
        scopes,
        now,
        dpopKey,
      };
      const obtained = await runGrant(input, { subject: key.subject, resource, audience: as.issuer });
      if (resource !== key.resource) obtained.resourceIndicator = resource;
      // Stored before the flight ends, so every joined caller reads the same tokens.
      await tokens.set(key, obtained);
      bus.emit("token.obtained", {
        ...where,
        grant: grantName,
        scopes: obtained.scopes,
        tokenFingerprint: await fingerprintToken(obtained.accessToken),
        ...(obtained.expiresAt === undefined ? {} : { expiresAt: obtained.expiresAt }),
      });
      return obtained;
    } catch (error) {
      const failure = isAuthbusError(error, "GRANT_FAILED")
        ? error
        : new GrantError({
            message: `obtaining tokens for ${key.resource} failed: ${error instanceof Error ? error.message : "unknown error"}`,
            grant: grantName,
            step: "token_request",
            retryable: true,
            cause: safeCause(error),
          });
      bus.emit("token.obtain_failed", {
        ...where,
        grant: grantName,
        error: { code: failure.code, message: failure.message },
      });
      throw failure;
    }
  };

  return async (key, asked = {}) => {
    const checked = checkTokenKey(key);
    const flightKey = JSON.stringify([checked.subject, checked.resource]);
    const flights = flightsOf(tokens);
    const wanted = asked.scopes ?? [];
    const joined = flights.has(flightKey);
    const result = await singleFlight(flights, flightKey, () => obtainOnce(checked, asked));
    // A grant started by another caller for fewer scopes: one more, for this caller's scopes.
    if (joined && !covers(result, wanted)) {
      return singleFlight(flights, flightKey, () => obtainOnce(checked, asked));
    }
    return result;
  };
}
