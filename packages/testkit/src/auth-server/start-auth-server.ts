/**
 * @module A real OAuth 2.1 / OpenID Connect authorization server (oidc-provider) on loopback, for
 * tests — composed from the options check (`check-options`), resources (`resource-registry`),
 * users (`user-directory`), the provider configuration (`provider-configuration`), the routes
 * (`route-requests`, `interaction-routes`, `testkit-routes`), the ledger and counters
 * (`token-accounting`, `revocation`), DPoP, service grants and the decoupled flows.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AuthbusError } from "@authbus/core";
import { exportJWK, generateKeyPair } from "jose";
import type { default as OidcProvider } from "oidc-provider";
import { type LoopbackServer, listenOnLoopback } from "../shared/listen.js";
import { approveConsent } from "./approve-consent.js";
import { assertPositiveSeconds } from "./assert-seconds.js";
import type { AuthServer, AuthServerOptions } from "./auth-server-types.js";
import { checkAuthServerOptions } from "./check-options.js";
import { createDecoupledFlows } from "./decoupled-flows.js";
import { createInteractionHandler } from "./interaction-routes.js";
import { loadOidcProvider, withoutProviderNotices } from "./load-provider.js";
import { createProviderConfiguration } from "./provider-configuration.js";
import { createResourceRegistry } from "./resource-registry.js";
import { createRevocation } from "./revocation.js";
import { createRequestRouter } from "./route-requests.js";
import { registerServiceGrants } from "./service-grants.js";
import { createTestkitRoutes } from "./testkit-routes.js";
import { countRequests, createStats, recordIssuedTokens, resetStats } from "./token-accounting.js";
import { TokenLedger } from "./token-ledger.js";
import { createUserDirectory } from "./user-directory.js";

export type {
  AuthServer,
  AuthServerDPoPOptions,
  AuthServerEndpoints,
  AuthServerOptions,
  AuthServerStats,
  PublicClientOptions,
  ResourceRegistration,
} from "./auth-server-types.js";
export { ACR_BASIC, ACR_MFA, DEFAULT_CLIENT_ID } from "./auth-server-types.js";

/**
 * Starts oidc-provider on 127.0.0.1 as an OAuth 2.1 authorization server for MCP clients:
 * authorization code + PKCE (S256 only), rotating refresh tokens, RFC 8707 resource indicators
 * issuing JWT access tokens (RFC 9068) whose `aud` is the resource, dynamic client registration,
 * RFC 7009 revocation, `acr_values` / `max_age` for step-up, and plain HTML login and consent pages.
 *
 * @see RFC 6749 §4.1, RFC 7636, RFC 8707 §2, RFC 9068, RFC 7591 §3, RFC 7009, RFC 8414, RFC 9207, RFC 9470
 * @throws {AuthbusError} `TESTKIT_INVALID_OPTIONS` for a bad resource, scope, TTL or client.
 * @example
 * await using as = await startAuthServer({ accessTokenTTL: 60 });
 * as.registerResource("http://127.0.0.1:4000/mcp", ["calendar.read"]);
 * const callback = await as.approveConsent(authorizationUrl, { user: "alice" });
 */
export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const { acrValues, clients, firstClient } = checkAuthServerOptions(options);
  const resources = createResourceRegistry();
  for (const [resource, registration] of Object.entries(options.resources ?? {})) {
    resources.register(resource, registration.scopes, registration);
  }
  const users = createUserDirectory(options.users);
  let accessTokenTTL = options.accessTokenTTL ?? 300;
  const ledger = new TokenLedger();
  const stats = createStats();

  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: "ES256", use: "sig" };
  const { d: _d, ...publicJwk } = privateJwk;

  // Listen first: the issuer must carry the port.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const loopback: LoopbackServer = await listenOnLoopback((req, res) => {
    stats.requests += 1;
    handle(req, res);
  }, options.port ?? 0);
  const issuer = loopback.origin;

  const oidc = await loadOidcProvider();
  const flows = createDecoupledFlows({
    errors: oidc.errors,
    checkUser: users.checkLoginHint,
    acrValues,
    options: options.polling ?? {},
  });
  const configuration = createProviderConfiguration({
    oidc,
    options,
    acrValues,
    clients,
    privateJwk,
    dpop: options.dpop === true ? {} : options.dpop || undefined,
    accessTokenTTL: () => accessTokenTTL,
    refreshTokenTTL: options.refreshTokenTTL ?? 14 * 24 * 60 * 60,
    resources,
    flows,
  });

  let provider: OidcProvider;
  try {
    provider = await withoutProviderNotices(() => new oidc.default(issuer, configuration));
  } catch (error) {
    await loopback.close();
    throw new AuthbusError({
      code: "TESTKIT_INVALID_OPTIONS",
      message: `authorization server configuration rejected`,
      cause: error,
    });
  }

  flows.install(provider);
  registerServiceGrants({
    provider,
    errors: oidc.errors,
    issuer,
    tokenEndpoint: `${issuer}/token`,
    publicJwks: { keys: [publicJwk] },
    signingKey: { key: privateKey, kid: privateJwk.kid },
    trustedIssuers: options.trustedIssuers ?? [],
    serviceClients: options.serviceClients ?? [],
    resourceServer: (ctx, resource) =>
      // biome-ignore lint/style/noNonNullAssertion: set in the configuration above
      configuration.features!.resourceIndicators!.getResourceServerInfo!(ctx, resource, ctx.oidc.client),
  });
  recordIssuedTokens(provider, ledger);
  const revocation = createRevocation(provider, ledger);
  countRequests(provider, stats, ledger);

  handle = createRequestRouter({
    issuer,
    interactions: createInteractionHandler({ provider, acrValues, users, resources }),
    testkitRoutes: createTestkitRoutes({ ledger, resources }),
    provider: provider.callback(),
  });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= loopback.close();
    return closed;
  };

  const endpoint = (path: string) => `${issuer}${path}`;
  const scopesOf = (resource: string) => resources.find(resource)?.scopes;
  return {
    issuer,
    endpoints: {
      authorization: endpoint("/auth"),
      token: endpoint("/token"),
      registration: endpoint("/reg"),
      revocation: endpoint("/token/revocation"),
      jwks: endpoint("/jwks"),
      userinfo: endpoint("/me"),
      oauthMetadata: endpoint("/.well-known/oauth-authorization-server"),
      openidConfiguration: endpoint("/.well-known/openid-configuration"),
    },
    jwks: { keys: [publicJwk] },
    clientId: firstClient.clientId,
    acrValues,
    stats,
    get issuedAccessTokens() {
      return ledger.list();
    },
    registerResource: resources.register,
    resourceScopes: scopesOf,
    approveConsent(authorizationUrl, consentOptions) {
      return approveConsent(authorizationUrl, consentOptions);
    },
    approveBackchannel(authReqIdOrLoginHint, approveOptions = {}) {
      return flows.approveBackchannel(authReqIdOrLoginHint, approveOptions, scopesOf);
    },
    approveDevice(userCode, approveOptions = {}) {
      return flows.approveDevice(userCode, approveOptions, scopesOf);
    },
    backchannelRequests: flows.backchannelRequests,
    deviceRequests: flows.deviceRequests,
    polls: flows.polls,
    slowDownNextPolls: flows.slowDownNextPolls,
    revokeToken: revocation.revokeToken,
    revokeUser: revocation.revokeUser,
    expireAllTokens() {
      ledger.expireAll();
    },
    setAccessTokenTTL(seconds) {
      assertPositiveSeconds(seconds, "accessTokenTTL");
      accessTokenTTL = seconds;
    },
    tokenStatus(jti) {
      return ledger.status(jti);
    },
    resetStats() {
      resetStats(stats);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
