/** @module A real OAuth 2.1 / OpenID Connect authorization server (oidc-provider) on loopback, for tests. */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type {
  AsymmetricSigningAlgorithm,
  Configuration,
  KoaContextWithOIDC,
  default as OidcProvider,
} from "oidc-provider";
import { TESTKIT_ERROR_CODES, TestkitError } from "../errors/testkit-error.js";
import { fingerprintToken, peekJwtPayload } from "../shared/fingerprint.js";
import { type LoopbackServer, listenOnLoopback } from "../shared/listen.js";
import { readBody } from "../shared/read-body.js";
import { type ApproveConsentOptions, approveConsent } from "./approve-consent.js";
import {
  type ApproveBackchannelOptions,
  type ApproveDeviceOptions,
  type BackchannelRequestView,
  CIBA_GRANT,
  createDecoupledFlows,
  DEVICE_CODE_GRANT,
  type DeviceRequestView,
  type PollingFlowOptions,
  type PollRecord,
} from "./decoupled-flows.js";
import { renderConsentPage, renderErrorPage, renderLoginPage } from "./interaction-pages.js";
import { loadOidcProvider, withoutProviderNotices } from "./load-provider.js";
import {
  registerServiceGrants,
  type ServiceClientOptions,
  serviceClientMetadata,
  type TrustedIssuer,
} from "./service-grants.js";
import { type IssuedAccessToken, TokenLedger, type TokenStatus } from "./token-ledger.js";
import { unboundedMemoryAdapter } from "./unbounded-memory-adapter.js";

/** The basic authentication level the login page reaches by default. */
export const ACR_BASIC = "urn:authbus:acr:basic";
/** The stronger authentication level (step-up, RFC 9470) the login page can reach. */
export const ACR_MFA = "urn:authbus:acr:mfa";
/** The client id of the public client registered when `clients` is not given. */
export const DEFAULT_CLIENT_ID = "authbus-testkit";

/** A resource server the authorization server issues tokens for (RFC 8707). */
export interface ResourceRegistration {
  /** The scopes that may be granted for this resource. */
  scopes: readonly string[];
  /** Shown on the consent page. */
  name?: string;
  /** Access token lifetime in seconds for this resource (default: the server's). */
  accessTokenTTL?: number;
}

/** A pre-registered public client (`token_endpoint_auth_method: none`, PKCE). */
export interface PublicClientOptions {
  clientId: string;
  /**
   * Redirect URIs. For `native` clients (the default) a loopback `http://127.0.0.1/...` URI
   * matches any port (RFC 8252 §7.3).
   */
  redirectUris: readonly string[];
  clientName?: string;
  applicationType?: "native" | "web";
}

/** Options of {@link startAuthServer}. */
export interface AuthServerOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Resources known at start, keyed by resource URL; more can be added with `registerResource`. */
  resources?: Readonly<Record<string, ResourceRegistration>>;
  /** Access token lifetime in seconds (default 300). Short values let tests watch tokens expire. */
  accessTokenTTL?: number;
  /** Refresh token lifetime in seconds (default 14 days). */
  refreshTokenTTL?: number;
  /** Public clients registered at start. Default: one native client {@link DEFAULT_CLIENT_ID}. */
  clients?: readonly PublicClientOptions[];
  /**
   * Who may sign in: a list of user names (any password), or user name → password.
   * Default: any non-empty user name, password ignored.
   */
  users?: readonly string[] | Readonly<Record<string, string>>;
  /** Supported `acr` values, weakest first (default `[ACR_BASIC, ACR_MFA]`). */
  acrValues?: readonly string[];
  /**
   * When refresh tokens are issued to clients allowed the `refresh_token` grant:
   * `"always"` (default), only when `offline_access` was granted, or never.
   */
  refreshTokens?: "always" | "offline_access" | "never";
  /**
   * Clients for grants without a person: client credentials (RFC 6749 §4.4, with
   * `client_secret_basic`, `client_secret_post` or `private_key_jwt`), jwt-bearer (RFC 7523) and
   * token exchange to an ID-JAG (RFC 8693). Their tokens are RFC 8707 resource-bound JWTs like
   * every other.
   */
  serviceClients?: readonly ServiceClientOptions[];
  /** Issuers whose JWTs the jwt-bearer grant accepts: workload identity platforms, identity providers issuing ID-JAGs. */
  trustedIssuers?: readonly TrustedIssuer[];
  /**
   * DPoP (RFC 9449): `true` or an options object turns it on. The server then advertises
   * `dpop_signing_alg_values_supported`, and a token request that carries a DPoP proof gets a
   * DPoP-bound JWT access token (`token_type: DPoP`, `cnf.jkt`); a public client's refresh token
   * is bound to the same key. Requests without a proof still get Bearer tokens. Default off.
   */
  dpop?: boolean | AuthServerDPoPOptions;
  /**
   * CIBA (poll mode; the `login_hint` is the user name) and device authorization (RFC 8628),
   * both always on for the pre-registered public clients: the `interval` their responses give
   * and how long a request stays valid. Tests answer with `approveBackchannel` / `approveDevice`.
   */
  polling?: PollingFlowOptions;
}

/** DPoP options of {@link startAuthServer}. */
export interface AuthServerDPoPOptions {
  /**
   * Require a server nonce in every proof at the token endpoint (RFC 9449 §8): a proof without
   * a current one is answered `400 use_dpop_nonce` with a `DPoP-Nonce` header. Nonces rotate
   * every minute (oidc-provider); earlier ones stay valid for a few minutes. Default false
   * (nonces are still issued and accepted).
   */
  requireNonce?: boolean;
  /** Proof algorithms accepted and advertised. Default `["ES256", "Ed25519", "EdDSA"]` (oidc-provider's). */
  signingAlgValues?: readonly string[];
}

/** Counters of requests the authorization server handled. */
export interface AuthServerStats {
  /** Requests to the authorization endpoint (not counting resumes after login/consent). */
  authorizationRequests: number;
  /** Requests to the token endpoint, any grant, successful or not. */
  tokenRequests: number;
  /** Token requests with `grant_type=refresh_token`, successful or not. */
  refreshRequests: number;
  /** Refresh requests that failed (for example a reused rotated refresh token). */
  refreshFailures: number;
  /** Dynamic client registrations (RFC 7591). */
  registrations: number;
  /** Token requests answered `use_dpop_nonce` (RFC 9449 §8). */
  dpopNonceChallenges: number;
}

/** Endpoint URLs of the running server. */
export interface AuthServerEndpoints {
  authorization: string;
  token: string;
  registration: string;
  revocation: string;
  jwks: string;
  userinfo: string;
  /** RFC 8414 metadata (`/.well-known/oauth-authorization-server`). */
  oauthMetadata: string;
  /** OpenID Connect discovery (`/.well-known/openid-configuration`). */
  openidConfiguration: string;
}

/** A running authorization server. Dispose it with `await using` or `close()`. */
export interface AuthServer {
  /** The issuer identifier, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly issuer: string;
  readonly endpoints: AuthServerEndpoints;
  /** The public signing keys (also served at `endpoints.jwks`). */
  readonly jwks: { keys: JWK[] };
  /** The client id of the first pre-registered public client. */
  readonly clientId: string;
  /** Supported acr values, weakest first. */
  readonly acrValues: readonly string[];
  /** Live counters. */
  readonly stats: Readonly<AuthServerStats>;
  /** Every access token issued so far: its audience, client, subject, scope (never the token). */
  readonly issuedAccessTokens: readonly IssuedAccessToken[];
  /** Registers (or replaces) a resource and the scopes that may be granted for it (RFC 8707). */
  registerResource(
    resource: string,
    scopes: readonly string[],
    options?: Omit<ResourceRegistration, "scopes">,
  ): void;
  /** Scopes registered for a resource, or undefined. */
  resourceScopes(resource: string): readonly string[] | undefined;
  /** Drives login and consent over HTTP; see {@link approveConsent}. */
  approveConsent(authorizationUrl: string | URL, options?: ApproveConsentOptions): Promise<string>;
  /**
   * Answers a pending CIBA request (OpenID CIBA Core 1.0) as the person would on their phone: by
   * its `auth_req_id`, or the newest pending request for a login hint (the user name).
   * Approving grants the requested scopes (or `scopes`) for the requested resource.
   *
   * @throws {TestkitError} when no such request is pending.
   */
  approveBackchannel(
    authReqIdOrLoginHint: string,
    options?: ApproveBackchannelOptions,
  ): Promise<BackchannelRequestView>;
  /**
   * Answers a device authorization (RFC 8628) as the person would at the verification page, by
   * its user code (case and dashes ignored): signs `user` in and approves, or denies.
   *
   * @throws {TestkitError} when no such authorization is pending.
   */
  approveDevice(userCode: string, options?: ApproveDeviceOptions): Promise<DeviceRequestView>;
  /** Every CIBA request received (with its binding message), oldest first. */
  backchannelRequests(): BackchannelRequestView[];
  /** Every device authorization issued, oldest first. */
  deviceRequests(): DeviceRequestView[];
  /** Every CIBA and device code poll of the token endpoint, oldest first, with its answer. */
  polls(): PollRecord[];
  /** Answers the next `count` polls that would be `authorization_pending` with `slow_down` (RFC 8628 §3.5). */
  slowDownNextPolls(count: number): void;
  /**
   * Revokes an access token (by its `jti`) or a refresh token (and then its whole grant, RFC 7009 §2.1).
   * Resolves to false when the token is unknown.
   */
  revokeToken(token: string): Promise<boolean>;
  /** Revokes every grant, refresh token and access token of a user. */
  revokeUser(user: string): Promise<void>;
  /**
   * Makes every access token issued so far inactive (refresh tokens stay valid), as if all had expired.
   * The protected MCP servers of this kit then answer `invalid_token`.
   */
  expireAllTokens(): void;
  /** Changes the lifetime (seconds) of access tokens issued from now on. */
  setAccessTokenTTL(seconds: number): void;
  /** Whether an access token (by `jti`) is still active. */
  tokenStatus(jti: string): TokenStatus;
  /** Sets every counter in `stats` back to 0. */
  resetStats(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

type Account = { accountId: string; claims(): { sub: string } };

function assertPositiveInteger(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
    throw new TestkitError(
      TESTKIT_ERROR_CODES.invalidOptions,
      `${name} must be a positive whole number of seconds`,
    );
  }
}

function normalizeResource(resource: string): string {
  const parsed = URL.parse(resource);
  // RFC 8707 §2: an absolute URI without a fragment.
  if (parsed?.hash !== "" || resource.includes("#")) {
    throw new TestkitError(
      TESTKIT_ERROR_CODES.invalidOptions,
      `resource must be an absolute URI without a fragment: ${resource}`,
    );
  }
  return parsed.href;
}

function validateScopes(scopes: readonly string[], resource: string): void {
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new TestkitError(
      TESTKIT_ERROR_CODES.invalidOptions,
      `resource ${resource} needs at least one scope`,
    );
  }
  for (const scope of scopes) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (typeof scope !== "string" || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
      throw new TestkitError(
        TESTKIT_ERROR_CODES.invalidOptions,
        `invalid scope token for ${resource}: ${String(scope)}`,
      );
    }
  }
}

function toList(value: unknown): string[] {
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/**
 * Starts oidc-provider on 127.0.0.1 as an OAuth 2.1 authorization server for MCP clients:
 * authorization code + PKCE (S256 only), rotating refresh tokens, RFC 8707 resource indicators
 * issuing JWT access tokens (RFC 9068) whose `aud` is the resource, dynamic client registration,
 * RFC 7009 revocation, `acr_values` / `max_age` for step-up, and plain HTML login and consent pages.
 *
 * @see RFC 6749 §4.1, RFC 7636, RFC 8707 §2, RFC 9068, RFC 7591 §3, RFC 7009, RFC 8414, RFC 9207, RFC 9470
 * @throws {TestkitError} `TESTKIT_INVALID_OPTIONS` for a bad resource, scope, TTL or client.
 * @example
 * await using as = await startAuthServer({ accessTokenTTL: 60 });
 * as.registerResource("http://127.0.0.1:4000/mcp", ["calendar.read"]);
 * const callback = await as.approveConsent(authorizationUrl, { user: "alice" });
 */
export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  assertPositiveInteger(options.accessTokenTTL, "accessTokenTTL");
  assertPositiveInteger(options.refreshTokenTTL, "refreshTokenTTL");
  const acrValues = [...(options.acrValues ?? [ACR_BASIC, ACR_MFA])];
  if (acrValues.length === 0) {
    throw new TestkitError(TESTKIT_ERROR_CODES.invalidOptions, "acrValues must not be empty");
  }
  const clients = options.clients ?? [
    {
      clientId: DEFAULT_CLIENT_ID,
      clientName: "authbus testkit client",
      redirectUris: ["http://127.0.0.1/callback", "http://localhost/callback"],
      applicationType: "native" as const,
    },
  ];
  const firstClient = clients[0];
  if (!firstClient) throw new TestkitError(TESTKIT_ERROR_CODES.invalidOptions, "clients must not be empty");
  for (const client of clients) {
    if (!client.clientId || client.redirectUris.length === 0) {
      throw new TestkitError(
        TESTKIT_ERROR_CODES.invalidOptions,
        "each client needs a clientId and redirectUris",
      );
    }
  }

  const resources = new Map<string, ResourceRegistration>();
  const registerResource = (
    resource: string,
    scopes: readonly string[],
    extra: Omit<ResourceRegistration, "scopes"> = {},
  ): void => {
    const key = normalizeResource(resource);
    validateScopes(scopes, key);
    assertPositiveInteger(extra.accessTokenTTL, "accessTokenTTL");
    resources.set(key, { ...extra, scopes: [...new Set(scopes)] });
  };
  for (const [resource, registration] of Object.entries(options.resources ?? {})) {
    registerResource(resource, registration.scopes, registration);
  }

  const users = options.users;
  const checkUser = (name: string, password: string): string | undefined => {
    if (!name || name.length > 200) return "Enter a user name.";
    if (users === undefined) return undefined;
    if (Array.isArray(users))
      return (users as readonly string[]).includes(name) ? undefined : "Unknown user.";
    const expected = (users as Readonly<Record<string, string>>)[name];
    if (expected === undefined) return "Unknown user.";
    return expected === password ? undefined : "Wrong password.";
  };

  let accessTokenTTL = options.accessTokenTTL ?? 300;
  const refreshTokenTTL = options.refreshTokenTTL ?? 14 * 24 * 60 * 60;
  const refreshMode = options.refreshTokens ?? "always";
  const dpop = options.dpop === true ? {} : options.dpop || undefined;
  const ledger = new TokenLedger();
  const grantsByUser = new Map<string, Set<string>>();
  const stats: AuthServerStats = {
    authorizationRequests: 0,
    tokenRequests: 0,
    refreshRequests: 0,
    refreshFailures: 0,
    registrations: 0,
    dpopNonceChallenges: 0,
  };

  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: "ES256", use: "sig" };
  const { d: _d, ...publicJwk } = privateJwk;

  // Listen first: the issuer must carry the port.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const loopback: LoopbackServer = await listenOnLoopback((req, res) => handle(req, res), options.port ?? 0);
  const issuer = loopback.origin;

  const { default: Provider, errors, interactionPolicy } = await loadOidcProvider();
  const flows = createDecoupledFlows({
    errors,
    // A login hint names a user who could sign in (no password is asked on the back channel).
    checkUser: (name) => {
      if (!name || name.length > 200) return "Enter a user name.";
      if (users === undefined) return undefined;
      const known = Array.isArray(users) ? users.includes(name) : Object.hasOwn(users, name);
      return known ? undefined : "Unknown user.";
    },
    acrValues,
    options: options.polling ?? {},
  });

  const policy = interactionPolicy.base();
  // RFC 9470 §5 / OIDC Core §3.1.2.1: ask for a new login when the session's acr is not among acr_values.
  policy.get("login")?.checks.push(
    new interactionPolicy.Check("acr_values_unmet", "requested authentication level not reached", (ctx) => {
      const requested = toList(ctx.oidc.params?.acr_values);
      if (requested.length === 0 || ctx.oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const acr = ctx.oidc.session?.acr;
      return acr !== undefined && requested.includes(acr)
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );

  const configuration: Configuration = {
    // Every grant, session and refresh token kept until it expires (the built-in one keeps 1000).
    adapter: unboundedMemoryAdapter(),
    acrValues,
    clients: [
      ...clients.map((c): import("oidc-provider").ClientMetadata => ({
        client_id: c.clientId,
        client_name: c.clientName ?? c.clientId,
        application_type: c.applicationType ?? "native",
        redirect_uris: [...c.redirectUris],
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token", CIBA_GRANT, DEVICE_CODE_GRANT],
        // CIBA Core §4: tokens are delivered by polling the token endpoint.
        backchannel_token_delivery_mode: "poll",
        response_types: ["code"],
        id_token_signed_response_alg: "ES256",
      })),
      ...(options.serviceClients ?? []).map(serviceClientMetadata),
    ],
    clientDefaults: {
      grant_types: ["authorization_code"],
      response_types: ["code"],
      id_token_signed_response_alg: "ES256",
      token_endpoint_auth_method: "client_secret_basic",
    },
    clientBasedCORS: () => true,
    // RFC 7591 §3.2.1: the server may replace requested metadata. oidc-provider accepts only its
    // OpenID scopes in a client's `scope`; resource scopes (which MCP clients copy from
    // `scopes_supported`) are granted per resource instead, so they are dropped here rather than
    // failing the registration. The validator of an extra property runs before the checks.
    extraClientMetadata: {
      properties: ["authbus_testkit"],
      validator: (_ctx, key, _value, metadata) => {
        if (key !== "authbus_testkit" || typeof metadata.scope !== "string") return;
        const kept = metadata.scope.split(" ").filter((s) => s === "openid" || s === "offline_access");
        if (kept.length) metadata.scope = kept.join(" ");
        else delete metadata.scope;
      },
    },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    jwks: { keys: [privateJwk] },
    responseTypes: ["code"],
    // The only signing key is ES256; advertise only what can be produced.
    enabledJWA: {
      idTokenSigningAlgValues: ["ES256"],
      ...(dpop?.signingAlgValues
        ? { dPoPSigningAlgValues: [...dpop.signingAlgValues] as AsymmetricSigningAlgorithm[] }
        : {}),
    },
    scopes: ["openid", "offline_access"],
    // OAuth 2.1 / RFC 7636: PKCE for every client; oidc-provider accepts only S256.
    pkce: { required: () => true },
    rotateRefreshToken: true,
    expiresWithSession: () => false,
    issueRefreshToken: (_ctx, client, code) => {
      if (!client.grantTypeAllowed("refresh_token") || refreshMode === "never") return false;
      return refreshMode === "always" || code.scopes.has("offline_access");
    },
    // The acr reached at login travels in the JWT access token (RFC 9068 §2.2.1), for step-up checks.
    extraTokenClaims: (ctx) => {
      const { entities } = ctx.oidc;
      const source =
        entities.AuthorizationCode ??
        entities.RefreshToken ??
        entities.BackchannelAuthenticationRequest ??
        entities.DeviceCode;
      if (!source) return undefined;
      return {
        ...(source.acr ? { acr: source.acr } : {}),
        ...(source.authTime ? { auth_time: source.authTime } : {}),
      };
    },
    findAccount: (_ctx, sub): Account => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: {
      policy,
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = renderErrorPage(
        String(out.error),
        out.error_description ? String(out.error_description) : undefined,
      );
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: refreshTokenTTL,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: refreshTokenTTL,
      ...flows.ttl,
    },
    features: {
      devInteractions: { enabled: false },
      ciba: flows.ciba,
      deviceFlow: flows.deviceFlow,
      clientCredentials: { enabled: true },
      dPoP: {
        enabled: dpop !== undefined,
        // RFC 9449 §8: nonces derived from this secret, rotating every minute.
        nonceSecret: randomBytes(32),
        requireNonce: () => dpop?.requireNonce === true,
      },
      rpInitiatedLogout: { enabled: false },
      registration: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf?.[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const registration = resources.get(URL.parse(indicator)?.href ?? indicator);
          // RFC 8707 §2: an unknown resource is invalid_target.
          if (!registration) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: registration.scopes.join(" "),
            audience: indicator,
            accessTokenFormat: "jwt",
            accessTokenTTL: registration.accessTokenTTL ?? accessTokenTTL,
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
  };

  let provider: OidcProvider;
  try {
    provider = await withoutProviderNotices(() => new Provider(issuer, configuration));
  } catch (error) {
    await loopback.close();
    throw new TestkitError(
      TESTKIT_ERROR_CODES.invalidOptions,
      `authorization server configuration rejected`,
      {
        cause: error,
      },
    );
  }

  flows.install(provider);
  registerServiceGrants({
    provider,
    errors,
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
  // Client credentials tokens (subject: the client) are kept like every other access token.
  provider.on("client_credentials.issued", (token) => {
    ledger.record({
      jti: token.jti,
      aud: token.aud,
      clientId: token.clientId,
      scope: token.scope,
      gty: "client_credentials",
      exp: Math.floor(Date.now() / 1000) + token.expiration,
    });
  });
  provider.on("access_token.issued", (token) => {
    ledger.record({
      jti: token.jti,
      aud: token.aud,
      clientId: token.clientId,
      accountId: token.accountId,
      scope: token.scope,
      gty: token.gty,
      // JWT access tokens are not stored, so `exp` is not set on the model: iat + lifetime.
      exp: Math.floor(Date.now() / 1000) + token.expiration,
      grantId: token.grantId,
      jkt: token.jkt,
    });
  });
  provider.on("grant.saved", (grant) => {
    if (!grant.accountId) return;
    const set = grantsByUser.get(grant.accountId) ?? new Set<string>();
    set.add(grant.jti);
    grantsByUser.set(grant.accountId, set);
  });
  provider.on("grant.revoked", (_ctx, grantId) => ledger.revokeGrant(grantId));

  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    const route = oidc?.route;
    if (route === "authorization") stats.authorizationRequests += 1;
    if (route === "registration" && ctx.method === "POST") stats.registrations += 1;
    if (route !== "token") return;
    stats.tokenRequests += 1;
    const isRefresh = oidc?.params?.grant_type === "refresh_token";
    if (isRefresh) stats.refreshRequests += 1;
    if (ctx.status !== 200) {
      if (isRefresh) stats.refreshFailures += 1;
      if ((ctx.body as { error?: unknown } | undefined)?.error === "use_dpop_nonce")
        stats.dpopNonceChallenges += 1;
      return;
    }
    const body = ctx.body as { access_token?: unknown } | undefined;
    if (typeof body?.access_token === "string") {
      const jti = peekJwtPayload(body.access_token)?.jti;
      if (typeof jti === "string") ledger.attachFingerprint(jti, fingerprintToken(body.access_token));
    }
  });

  const providerCallback = provider.callback();

  const revokeGrant = async (grantId: string): Promise<void> => {
    ledger.revokeGrant(grantId);
    await Promise.all([
      provider.RefreshToken.revokeByGrantId(grantId),
      provider.AuthorizationCode.revokeByGrantId(grantId),
      provider.Grant.find(grantId).then((grant) => grant?.destroy()),
    ]);
  };

  const sendHtml = (res: ServerResponse, status: number, html: string): void => {
    res.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-frame-options": "DENY",
    });
    res.end(html);
  };

  const describeResources = (params: Record<string, unknown>) => {
    const requestedScopes = new Set(toList(params.scope));
    return toList(params.resource).map((resource) => {
      const registration = resources.get(URL.parse(resource)?.href ?? resource);
      return {
        resource,
        name: registration?.name,
        scopes: (registration?.scopes ?? []).filter((s) => requestedScopes.has(s)),
      };
    });
  };

  const handleInteraction = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    action: string | undefined,
  ): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      sendHtml(
        res,
        400,
        renderErrorPage("invalid_request", "interaction does not match this browser session"),
      );
      return;
    }
    const params = details.params as Record<string, unknown>;
    const clientId = String(params.client_id ?? "");
    const client = await provider.Client.find(clientId);
    const clientName = client?.clientName ?? clientId;
    const prompt = details.prompt.name;

    if (req.method === "GET" && action === undefined) {
      if (prompt === "login") {
        const requestedAcr = toList(params.acr_values).find((a) => acrValues.includes(a));
        sendHtml(
          res,
          200,
          renderLoginPage({
            uid,
            clientName,
            acrValues,
            selectedAcr: requestedAcr ?? acrValues[0] ?? ACR_BASIC,
            loginHint: typeof params.login_hint === "string" ? params.login_hint : undefined,
          }),
        );
        return;
      }
      const requestedScopes = toList(params.scope);
      sendHtml(
        res,
        200,
        renderConsentPage({
          uid,
          clientName,
          user: details.session?.accountId ?? "",
          resources: describeResources(params),
          oidcScopes: requestedScopes.filter((s) => s === "openid" || s === "offline_access"),
        }),
      );
      return;
    }

    if (req.method !== "POST") {
      res.writeHead(405, { allow: "GET, POST" }).end();
      return;
    }
    const form = new URLSearchParams(await readBody(req, 64 * 1024));

    if (action === "abort") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "End-User denied the request" },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    if (action === "login" && prompt === "login") {
      const user = (form.get("login") ?? "").trim();
      const problem = checkUser(user, form.get("password") ?? "");
      const postedAcr = form.get("acr");
      const acr = postedAcr && acrValues.includes(postedAcr) ? postedAcr : (acrValues[0] ?? ACR_BASIC);
      if (problem) {
        sendHtml(
          res,
          200,
          renderLoginPage({ uid, clientName, acrValues, selectedAcr: acr, loginHint: user, error: problem }),
        );
        return;
      }
      const strongest = acrValues.indexOf(acr) > 0;
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user, acr, amr: strongest ? ["pwd", "otp"] : ["pwd"], remember: true } },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    if (action === "confirm" && prompt === "consent") {
      const accountId = details.session?.accountId;
      if (!accountId) {
        sendHtml(res, 400, renderErrorPage("invalid_request", "no signed-in user"));
        return;
      }
      const grant = details.grantId
        ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
        : new provider.Grant({ accountId, clientId });
      const limit = form.has("grant_scopes") ? new Set(toList(form.get("grant_scopes"))) : undefined;
      const allowed = (scope: string) => limit === undefined || limit.has(scope);
      const promptDetails = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      const oidcScopes = promptDetails.missingOIDCScope ?? [];
      grant.addOIDCScope(oidcScopes.filter((s) => allowed(s) || s === "openid"));
      const rejectedOidc = oidcScopes.filter((s) => !allowed(s) && s !== "openid");
      if (rejectedOidc.length) grant.rejectOIDCScope(rejectedOidc);
      if (promptDetails.missingOIDCClaims?.length) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
        // RFC 8707: scopes are granted per resource; the access token for `resource` carries only these.
        const granted = scopes.filter(allowed);
        const rejected = scopes.filter((s) => !allowed(s));
        if (granted.length) grant.addResourceScope(resource, granted);
        if (rejected.length) grant.rejectResourceScope(resource, rejected);
      }
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
      return;
    }

    sendHtml(
      res,
      400,
      renderErrorPage("invalid_request", `unexpected ${action ?? "page"} for the ${prompt} prompt`),
    );
  };

  const sendJson = (res: ServerResponse, status: number, value: unknown): void => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(value));
  };

  const handleTestkitRoute = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (url.pathname === "/testkit/token-status" && req.method === "GET") {
      sendJson(res, 200, ledger.status(url.searchParams.get("jti") ?? ""));
      return;
    }
    if (url.pathname === "/testkit/resources" && req.method === "POST") {
      let body: { resource?: unknown; scopes?: unknown; name?: unknown; accessTokenTTL?: unknown };
      try {
        body = JSON.parse(await readBody(req, 64 * 1024)) as typeof body;
      } catch {
        sendJson(res, 400, { error: "invalid_request" });
        return;
      }
      try {
        registerResource(String(body.resource), toList(body.scopes), {
          ...(typeof body.name === "string" ? { name: body.name } : {}),
          ...(typeof body.accessTokenTTL === "number" ? { accessTokenTTL: body.accessTokenTTL } : {}),
        });
      } catch (error) {
        sendJson(res, 400, { error: "invalid_request", error_description: (error as Error).message });
        return;
      }
      sendJson(res, 201, { registered: true });
      return;
    }
    sendJson(res, 404, { error: "not_found" });
  };

  handle = (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const interaction = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(url.pathname);
    if (interaction) {
      handleInteraction(req, res, interaction[1] ?? "", interaction[2]).catch((error: unknown) => {
        const name = String((error as { name?: unknown }).name ?? "Error");
        if (res.headersSent) {
          res.end();
          return;
        }
        // oidc-provider's SessionNotFound: the interaction cookie is missing or expired.
        sendHtml(
          res,
          400,
          renderErrorPage(
            "invalid_request",
            name === "SessionNotFound"
              ? "interaction expired or cookies missing"
              : `interaction failed (${name})`,
          ),
        );
      });
      return;
    }
    if (url.pathname.startsWith("/testkit/")) {
      handleTestkitRoute(req, res, url).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: "server_error" });
      });
      return;
    }
    if (url.pathname === "/.well-known/oauth-authorization-server") {
      // RFC 8414 §3: the same metadata oidc-provider serves for OpenID Connect discovery.
      req.url = `/.well-known/openid-configuration${url.search}`;
    }
    providerCallback(req, res);
  };

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= loopback.close();
    return closed;
  };

  const endpoint = (path: string) => `${issuer}${path}`;
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
    registerResource,
    resourceScopes(resource) {
      return resources.get(URL.parse(resource)?.href ?? resource)?.scopes;
    },
    approveConsent(authorizationUrl, consentOptions) {
      return approveConsent(authorizationUrl, consentOptions);
    },
    approveBackchannel(authReqIdOrLoginHint, approveOptions = {}) {
      return flows.approveBackchannel(
        authReqIdOrLoginHint,
        approveOptions,
        (resource) => resources.get(URL.parse(resource)?.href ?? resource)?.scopes,
      );
    },
    approveDevice(userCode, approveOptions = {}) {
      return flows.approveDevice(
        userCode,
        approveOptions,
        (resource) => resources.get(URL.parse(resource)?.href ?? resource)?.scopes,
      );
    },
    backchannelRequests: flows.backchannelRequests,
    deviceRequests: flows.deviceRequests,
    polls: flows.polls,
    slowDownNextPolls: flows.slowDownNextPolls,
    async revokeToken(token) {
      const jti = peekJwtPayload(token)?.jti;
      if (typeof jti === "string" && ledger.has(jti)) {
        ledger.revokeJti(jti);
        return true;
      }
      const refreshToken = await provider.RefreshToken.find(token);
      if (!refreshToken) return false;
      await refreshToken.destroy();
      // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of its grant.
      if (refreshToken.grantId) await revokeGrant(refreshToken.grantId);
      return true;
    },
    async revokeUser(user) {
      ledger.revokeSubject(user);
      await Promise.all([...(grantsByUser.get(user) ?? [])].map(revokeGrant));
      grantsByUser.delete(user);
    },
    expireAllTokens() {
      ledger.expireAll();
    },
    setAccessTokenTTL(seconds) {
      assertPositiveInteger(seconds, "accessTokenTTL");
      accessTokenTTL = seconds;
    },
    tokenStatus(jti) {
      return ledger.status(jti);
    },
    resetStats() {
      stats.authorizationRequests = 0;
      stats.tokenRequests = 0;
      stats.refreshRequests = 0;
      stats.refreshFailures = 0;
      stats.registrations = 0;
      stats.dpopNonceChallenges = 0;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
