/** @module The public shapes and constants of the test authorization server: options, stats, endpoints and the {@link AuthServer} handle. */
import type { JWK } from "jose";
import type { ApproveConsentOptions } from "./approve-consent.js";
import type {
  ApproveBackchannelOptions,
  ApproveDeviceOptions,
  BackchannelRequestView,
  DeviceRequestView,
  PollingFlowOptions,
  PollRecord,
} from "./decoupled-flows.js";
import type { ServiceClientOptions, TrustedIssuer } from "./service-grants.js";
import type { IssuedAccessToken, TokenStatus } from "./token-ledger.js";

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
  /** Every HTTP request the server received, on any route (metadata, token, pages, `/testkit/*`). */
  requests: number;
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
   * @throws {AuthbusError} `TESTKIT_INVALID_OPTIONS` when no such request is pending.
   */
  approveBackchannel(
    authReqIdOrLoginHint: string,
    options?: ApproveBackchannelOptions,
  ): Promise<BackchannelRequestView>;
  /**
   * Answers a device authorization (RFC 8628) as the person would at the verification page, by
   * its user code (case and dashes ignored): signs `user` in and approves, or denies.
   *
   * @throws {AuthbusError} `TESTKIT_INVALID_OPTIONS` when no such authorization is pending.
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
