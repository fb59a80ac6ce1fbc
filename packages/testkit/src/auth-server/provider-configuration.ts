/**
 * @module The oidc-provider configuration of the test authorization server: clients, PKCE, rotating
 * refresh tokens, resource-bound JWT access tokens, step-up, DPoP, and the decoupled flows.
 */
import { randomBytes } from "node:crypto";
import type { JWK } from "jose";
import type * as OidcProviderModule from "oidc-provider";
import type { AsymmetricSigningAlgorithm, ClientMetadata, Configuration } from "oidc-provider";
import type { AuthServerDPoPOptions, AuthServerOptions, PublicClientOptions } from "./auth-server-types.js";
import { CIBA_GRANT, DEVICE_CODE_GRANT, type DecoupledFlows } from "./decoupled-flows.js";
import { renderErrorPage } from "./interaction-pages.js";
import type { ResourceRegistry } from "./resource-registry.js";
import { serviceClientMetadata } from "./service-grants.js";
import { toList } from "./space-list.js";
import { unboundedMemoryAdapter } from "./unbounded-memory-adapter.js";

type Account = { accountId: string; claims(): { sub: string } };

/** What {@link createProviderConfiguration} needs. */
export interface ProviderConfigurationInput {
  /** The loaded oidc-provider module (its `errors` and `interactionPolicy`). */
  oidc: typeof OidcProviderModule;
  options: AuthServerOptions;
  acrValues: string[];
  clients: readonly PublicClientOptions[];
  /** The private signing key (ES256). */
  privateJwk: JWK;
  dpop: AuthServerDPoPOptions | undefined;
  /** The access token lifetime for tokens issued now, in seconds (a test may change it). */
  accessTokenTTL: () => number;
  refreshTokenTTL: number;
  resources: ResourceRegistry;
  flows: DecoupledFlows;
}

/** RFC 9470 §5 / OIDC Core §3.1.2.1: ask for a new login when the session's acr is not among acr_values. */
function createInteractionPolicy(interactionPolicy: typeof OidcProviderModule.interactionPolicy) {
  const policy = interactionPolicy.base();
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
  return policy;
}

/**
 * The configuration to start oidc-provider with.
 *
 * @see RFC 6749 §4.1, RFC 7636, RFC 8707 §2, RFC 9068, RFC 7591 §3, RFC 7009, RFC 9449, RFC 9470
 */
export function createProviderConfiguration(input: ProviderConfigurationInput): Configuration {
  const { oidc, options, acrValues, clients, dpop, accessTokenTTL, refreshTokenTTL, resources, flows } =
    input;
  const { errors } = oidc;
  const refreshMode = options.refreshTokens ?? "always";
  return {
    // Every grant, session and refresh token kept until it expires (the built-in one keeps 1000).
    adapter: unboundedMemoryAdapter(),
    acrValues,
    clients: [
      ...clients.map(
        (c): ClientMetadata => ({
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
        }),
      ),
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
    jwks: { keys: [input.privateJwk] },
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
      policy: createInteractionPolicy(oidc.interactionPolicy),
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
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL(),
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL(),
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
          const registration = resources.find(indicator);
          // RFC 8707 §2: an unknown resource is invalid_target.
          if (!registration) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: registration.scopes.join(" "),
            audience: indicator,
            accessTokenFormat: "jwt",
            accessTokenTTL: registration.accessTokenTTL ?? accessTokenTTL(),
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
  };
}
